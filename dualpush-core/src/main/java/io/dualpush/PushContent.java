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

  /** In-memory bytes; the array must not change until the push completes (it is not copied). */
  public static PushContent ofBytes(byte[] bytes) {
    InvalidInputException.requireNonNull(bytes, "content");
    return new PushContent(() -> new ByteArrayInputStream(bytes), Optional.empty(), bytes);
  }

  /**
   * A file, streamed. Its path is recorded in the transaction log, so after a crash the push can be
   * finished from the file itself as long as its MD5 still matches.
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

  /** A stream that {@code opener} can open again from the first byte, any number of times. */
  public static PushContent ofStream(ContentOpener opener) {
    InvalidInputException.requireNonNull(opener, "content");
    return new PushContent(opener, Optional.empty(), null);
  }

  /** Opens the payload from its first byte. */
  public InputStream open() throws IOException {
    return opener.open();
  }

  /** The opener, for handing to destinations. */
  public ContentOpener opener() {
    return opener;
  }

  /** The file, when the content is one. */
  public Optional<Path> file() {
    return file;
  }

  /** The bytes, when the content is in memory. */
  public Optional<byte[]> bytes() {
    return Optional.ofNullable(bytes);
  }
}
