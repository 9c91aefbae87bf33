package io.dualpush;

import io.dualpush.spi.ContentOpener;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The payload of a push: bytes, a file, or a re-openable stream. Every kind can be read more than
 * once, so a retry re-reads the payload instead of holding it in memory. Immutable.
 *
 * <pre>{@code
 * PushContent.ofFile(Path.of("gold/sales.parquet"));
 * PushContent.ofStream(() -> Files.newInputStream(path));
 * }</pre>
 */
public final class PushContent {
  private final ContentOpener opener;
  private final Optional<Path> file;
  private final byte[] bytes;

  private PushContent(ContentOpener opener, Optional<Path> file, byte[] bytes) {
    this.opener = opener;
    this.file = file;
    this.bytes = bytes;
  }

  /**
   * In-memory bytes; the array must not change until the push completes (it is not copied).
   *
   * @param bytes the payload
   * @return content that reads {@code bytes}
   * @throws InvalidInputException naming {@code content} when {@code bytes} is null
   */
  public static PushContent ofBytes(byte[] bytes) {
    InvalidInputException.requireNonNull(bytes, "content");
    return new PushContent(() -> new ByteArrayInputStream(bytes), Optional.empty(), bytes);
  }

  /**
   * A file, streamed. Its path is recorded in the transaction log, so after a crash the push can be
   * finished from the file itself as long as its MD5 still matches.
   *
   * @param file a readable regular file
   * @return content that streams the file, recorded by its absolute path
   * @throws InvalidInputException naming {@code content} when the file is missing, not regular or not
   *     readable
   */
  public static PushContent ofFile(Path file) {
    InvalidInputException.requireNonNull(file, "content");
    Path absolute = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(absolute)) {
      throw new InvalidInputException("content", "'content' file does not exist or is not a regular file: " + absolute);
    }
    if (!Files.isReadable(absolute)) {
      throw new InvalidInputException("content", "'content' file is not readable: " + absolute);
    }
    return new PushContent(() -> Files.newInputStream(absolute), Optional.of(absolute), null);
  }

  /**
   * A stream that {@code opener} can open again from the first byte, any number of times.
   *
   * @param opener opens the payload from its first byte each time it is called
   * @return content read through {@code opener}
   * @throws InvalidInputException naming {@code content} when {@code opener} is null
   */
  public static PushContent ofStream(ContentOpener opener) {
    InvalidInputException.requireNonNull(opener, "content");
    return new PushContent(opener, Optional.empty(), null);
  }

  /**
   * Opens the payload from its first byte.
   *
   * @return a new stream positioned at the first byte; the caller closes it
   * @throws IOException when the payload cannot be opened
   */
  public InputStream open() throws IOException {
    return opener.open();
  }

  /**
   * The opener, for handing to destinations.
   *
   * @return the opener, which can be called any number of times
   */
  public ContentOpener opener() {
    return opener;
  }

  /**
   * The file, when the content is one.
   *
   * @return the absolute path of the file, or empty for bytes and streams
   */
  public Optional<Path> file() {
    return file;
  }

  /**
   * The bytes, when the content is in memory.
   *
   * @return the bytes (not a copy), or empty for files and streams
   */
  public Optional<byte[]> bytes() {
    return Optional.ofNullable(bytes);
  }
}
