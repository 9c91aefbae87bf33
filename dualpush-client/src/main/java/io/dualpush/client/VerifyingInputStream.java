package io.dualpush.client;

import io.dualpush.spi.Md5;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Hashes a large object as it is read and, at its end, throws {@link CorruptCopyException} instead of returning
 * end-of-stream when the bytes differ from the expected MD5 or are fewer or more than announced. Once failed it keeps
 * failing. Not thread-safe, like any stream.
 */
final class VerifyingInputStream extends FilterInputStream {
  private final String key;
  private final String endpointId;
  private final @Nullable String expectedMd5;
  private final OptionalLong expectedSize;
  private final Consumer<String> onCorrupt;
  private final Md5.HashingInputStream hashing;
  private @Nullable CorruptCopyException failure;
  private boolean ended;

  VerifyingInputStream(InputStream in, String key, String endpointId, @Nullable String expectedMd5,
      OptionalLong expectedSize, Consumer<String> onCorrupt) {
    super(Md5.hashing(in));
    this.hashing = (Md5.HashingInputStream) this.in;
    this.key = key;
    this.endpointId = endpointId;
    this.expectedMd5 = expectedMd5;
    this.expectedSize = expectedSize;
    this.onCorrupt = onCorrupt;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (ended) {
      return -1;
    }
    int n;
    try {
      n = super.read(b, off, len);
    } catch (IOException e) {
      // A body cut short by the connection: never an end-of-stream the caller could take for the whole object.
      throw fail("the stream broke after " + hashing.count() + " bytes: " + e.getMessage(), e);
    }
    if (n < 0) {
      check();
      ended = true;
      return -1;
    }
    if (expectedSize.isPresent() && hashing.count() > expectedSize.getAsLong()) {
      throw fail("more bytes than the " + expectedSize.getAsLong() + " announced", null);
    }
    return n;
  }

  private void check() throws CorruptCopyException {
    long count = hashing.count();
    if (expectedSize.isPresent() && count != expectedSize.getAsLong()) {
      throw fail("truncated: " + count + " of " + expectedSize.getAsLong() + " bytes", null);
    }
    if (expectedMd5 != null) {
      String actual = hashing.md5();
      if (!actual.equals(expectedMd5)) {
        throw fail("MD5 " + actual + " of the bytes read differs from the expected " + expectedMd5, null);
      }
    }
  }

  private CorruptCopyException fail(String detail, @Nullable Throwable cause) {
    failure = new CorruptCopyException(key, endpointId, "Copy of '" + key + "' from " + endpointId + " is bad: "
        + detail);
    if (cause != null) {
      failure.initCause(cause);
    }
    onCorrupt.accept(detail);
    return failure;
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 8192)];
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
}
