package io.dualpush.spi;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * MD5 as dualpush uses it everywhere: base64 of the 16-byte digest, the form of Azure's
 * Content-MD5. Streams are hashed with a fixed buffer, so memory does not grow with size.
 */
public final class Md5 {
  private static final int BUFFER = 64 * 1024;
  /** Never updated, only copied: safe to clone from any thread. Null when the provider's MD5 cannot be cloned. */
  private static final @Nullable MessageDigest PROTOTYPE = prototype();

  private static @Nullable MessageDigest prototype() {
    MessageDigest md = lookUp();
    try {
      md.clone();
      return md;
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  private Md5() {}

  /** A digest and the number of bytes it covers. */
  public record Digest(String base64, long size) {}

  /**
   * A new MD5 digest; every Java platform has one.
   *
   * @return a fresh digest
   */
  public static MessageDigest newDigest() {
    MessageDigest prototype = PROTOTYPE;
    if (prototype != null) {
      try {
        // A copy of a digest that never hashed anything: far cheaper than a provider lookup per object.
        return (MessageDigest) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // A provider whose MD5 cannot be copied: look it up each time.
      }
    }
    return lookUp();
  }

  private static MessageDigest lookUp() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
  }

  /**
   * The MD5 of {@code bytes} in base64, the form Azure's Content-MD5 uses.
   *
   * @param bytes the bytes to hash
   * @return the base64 digest
   */
  public static String of(byte[] bytes) {
    return Base64.getEncoder().encodeToString(newDigest().digest(bytes));
  }

  /**
   * Reads {@code in} to its end (without closing it) and returns its digest and length.
   *
   * @param in the stream to read; left open
   * @return the base64 digest and the number of bytes read
   * @throws IOException when reading fails
   */
  public static Digest of(InputStream in) throws IOException {
    MessageDigest md = newDigest();
    byte[] buf = new byte[BUFFER];
    long size = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      md.update(buf, 0, n);
      size += n;
    }
    return new Digest(Base64.getEncoder().encodeToString(md.digest()), size);
  }

  /**
   * Hex form of a base64 digest, for people and for {@code md5sum}.
   *
   * @param base64 a base64 MD5 digest
   * @return 32 lower-case hex digits
   */
  public static String toHex(String base64) {
    return HexFormat.of().formatHex(Base64.getDecoder().decode(base64));
  }

  /**
   * Wraps {@code in} so that the bytes read through it are hashed on the way.
   *
   * @param in the stream to wrap; closing the wrapper closes it
   * @return a stream that hashes and counts what is read through it
   */
  public static HashingInputStream hashing(InputStream in) {
    return new HashingInputStream(in);
  }

  /** An input stream that hashes what is read through it. */
  public static final class HashingInputStream extends FilterInputStream {
    private final MessageDigest md = newDigest();
    private long count;

    private HashingInputStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        md.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        md.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Skipped bytes would be missing from the digest; read them instead.
      byte[] buf = new byte[(int) Math.min(n, 8192)];
      long skipped = 0;
      while (skipped < n) {
        int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
        if (r < 0) {
          break;
        }
        skipped += r;
      }
      return skipped;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    /**
     * Bytes read so far.
     *
     * @return the number of bytes read through this stream
     */
    public long count() {
      return count;
    }

    /**
     * The digest of everything read; call once, after the end of the stream.
     *
     * @return the base64 MD5 of the bytes read
     */
    public String md5() {
      return Base64.getEncoder().encodeToString(md.digest());
    }
  }
}
