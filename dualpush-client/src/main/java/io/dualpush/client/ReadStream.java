package io.dualpush.client;

import java.io.FilterInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * An object opened for streaming. An object no larger than the client's verify-buffer size was read whole and
 * checked before this was handed over; a larger one is checked as it is read: its last {@code read} throws
 * {@link CorruptCopyException} instead of returning end-of-stream when the bytes do not match the expected MD5 (or are
 * fewer than announced), and the endpoint is marked bad for that key so the next read goes elsewhere. Read it from one
 * thread; close it.
 */
public final class ReadStream extends FilterInputStream {
  private final String key;
  private final String endpointId;
  private final OptionalLong size;
  private final DigestSource digestSource;
  private final boolean verifiedUpFront;
  private final Duration latency;
  private final List<ReadAttempt> attempts;
  private final boolean fromCache;

  ReadStream(InputStream in, String key, String endpointId, OptionalLong size, DigestSource digestSource,
      boolean verifiedUpFront, Duration latency, List<ReadAttempt> attempts, boolean fromCache) {
    super(in);
    this.key = key;
    this.endpointId = endpointId;
    this.size = size;
    this.digestSource = digestSource;
    this.verifiedUpFront = verifiedUpFront;
    this.latency = latency;
    this.attempts = List.copyOf(attempts);
    this.fromCache = fromCache;
  }

  /**
   * The object's key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The endpoint the bytes come from.
   *
   * @return its id
   */
  public String endpointId() {
    return endpointId;
  }

  /**
   * The object's size, when the endpoint announced it.
   *
   * @return its size in bytes, or empty
   */
  public OptionalLong size() {
    return size;
  }

  /**
   * What the bytes are checked against.
   *
   * @return the caller's MD5, the receipt's, the stored one, or none
   */
  public DigestSource digestSource() {
    return digestSource;
  }

  /**
   * Whether the whole object was read and checked before this stream was handed over; otherwise it is checked when
   * its end is read.
   *
   * @return true for a small object checked up front
   */
  public boolean verifiedUpFront() {
    return verifiedUpFront;
  }

  /**
   * From the start of the read until the stream was handed over.
   *
   * @return the time to open
   */
  public Duration latency() {
    return latency;
  }

  /**
   * Every try made to open it, in the order they started.
   *
   * @return the attempts
   */
  public List<ReadAttempt> attempts() {
    return attempts;
  }

  /**
   * Whether the bytes come from the stale-if-error cache.
   *
   * @return true for a stale answer
   */
  public boolean fromCache() {
    return fromCache;
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public String toString() {
    return "ReadStream{" + key + " from " + endpointId + (fromCache ? " (stale cache)" : "") + ", " + digestSource
        + (verifiedUpFront ? ", verified" : ", verified at its end") + "}";
  }
}
