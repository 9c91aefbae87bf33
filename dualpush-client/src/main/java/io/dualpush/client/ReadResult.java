package io.dualpush.client;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a read returned: the object's bytes, checked against the expected MD5 before they were handed over, and how
 * they were obtained — the endpoint that served them, the latency, every attempt and hedge, and whether they came
 * from the stale-if-error cache because every endpoint failed. Immutable; the bytes are never shared with the caller
 * for writing.
 */
public final class ReadResult {
  private final String key;
  private final byte[] bytes;
  private final String md5;
  private final DigestSource digestSource;
  private final String endpointId;
  private final Duration latency;
  private final List<ReadAttempt> attempts;
  private final boolean fromCache;

  ReadResult(String key, byte[] bytes, String md5, DigestSource digestSource, String endpointId, Duration latency,
      List<ReadAttempt> attempts, boolean fromCache) {
    this.key = Objects.requireNonNull(key, "key");
    this.bytes = Objects.requireNonNull(bytes, "bytes");
    this.md5 = Objects.requireNonNull(md5, "md5");
    this.digestSource = Objects.requireNonNull(digestSource, "digestSource");
    this.endpointId = Objects.requireNonNull(endpointId, "endpointId");
    this.latency = Objects.requireNonNull(latency, "latency");
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
   * A copy of the object's bytes.
   *
   * @return a new array
   */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /**
   * The object's bytes without copying them.
   *
   * @return a read-only buffer
   */
  public ByteBuffer asByteBuffer() {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  /**
   * The object's bytes as a stream, without copying them.
   *
   * @return a new stream
   */
  public InputStream asInputStream() {
    return new ByteArrayInputStream(bytes);
  }

  /**
   * The object's size.
   *
   * @return its size in bytes
   */
  public long size() {
    return bytes.length;
  }

  /**
   * The MD5 of the bytes returned, base64.
   *
   * @return their MD5
   */
  public String md5() {
    return md5;
  }

  /**
   * What the bytes were checked against.
   *
   * @return the caller's MD5, the receipt's, the stored one, or none
   */
  public DigestSource digestSource() {
    return digestSource;
  }

  /**
   * The endpoint that served the bytes (for a cached answer, the one that served them when they were cached).
   *
   * @return its id
   */
  public String endpointId() {
    return endpointId;
  }

  /**
   * From the start of the read to its answer.
   *
   * @return the read's latency
   */
  public Duration latency() {
    return latency;
  }

  /**
   * Every try, in the order they started.
   *
   * @return the attempts
   */
  public List<ReadAttempt> attempts() {
    return attempts;
  }

  /**
   * How many hedged reads were started.
   *
   * @return the number of hedges
   */
  public int hedges() {
    return (int) attempts.stream().filter(ReadAttempt::hedge).count();
  }

  /**
   * Whether the bytes came from the stale-if-error cache because every endpoint failed: they were good when they
   * were cached, and may be older than what the endpoints hold now.
   *
   * @return true for a stale answer
   */
  public boolean fromCache() {
    return fromCache;
  }

  @Override
  public String toString() {
    return "ReadResult{" + key + ", " + bytes.length + " bytes from " + endpointId + (fromCache ? " (stale cache)" : "")
        + " in " + latency.toMillis() + " ms, md5 " + md5 + " (" + digestSource + "), attempts " + attempts + "}";
  }
}
