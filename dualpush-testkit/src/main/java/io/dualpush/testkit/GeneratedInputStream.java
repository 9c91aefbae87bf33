package io.dualpush.testkit;

import java.io.InputStream;

/**
 * A deterministic pseudo-random stream of {@code size} bytes that is generated as it is read, so a
 * test can push gigabytes without holding them. Two streams of the same size and seed are equal
 * byte for byte. Not thread-safe (as no stream is).
 *
 * <pre>{@code
 * ContentOpener big = () -> new GeneratedInputStream(32L << 20, 7);
 * }</pre>
 */
public final class GeneratedInputStream extends InputStream {
  private final long size;
  private long position;
  private long state;

  /**
   * A stream of {@code size} bytes generated from {@code seed}.
   *
   * @param size the number of bytes the stream yields before its end, 0 or more
   * @param seed chooses the bytes; equal seeds give equal streams
   * @throws IllegalArgumentException when {@code size} is negative
   */
  public GeneratedInputStream(long size, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative");
    }
    this.size = size;
    // xorshift must not start from zero
    this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
  }

  @Override
  public int read() {
    if (position >= size) {
      return -1;
    }
    return next();
  }

  @Override
  public int read(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    if (position >= size) {
      return -1;
    }
    int n = (int) Math.min(len, size - position);
    for (int i = 0; i < n; i++) {
      b[off + i] = (byte) next();
    }
    return n;
  }

  @Override
  public long skip(long n) {
    long skipped = 0;
    while (skipped < n && position < size) {
      next();
      skipped++;
    }
    return skipped;
  }

  @Override
  public int available() {
    return (int) Math.min(Integer.MAX_VALUE, size - position);
  }

  private int next() {
    // One xorshift64 step per byte: cheap, and no two nearby bytes repeat a pattern an MD5 could miss.
    long x = state;
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    state = x;
    position++;
    return (int) (x & 0xFF);
  }
}
