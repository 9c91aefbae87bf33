package io.dualpush.benchmarks;

import io.dualpush.DestinationException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A destination for a million objects in a small heap: it stores no bytes. Every key is
 * {@code o/NNNNNNN} and its content is {@link #content(int, int)}, so the destination keeps one bit
 * per key (stored) and one per key (stored bytes hashed to what the content hashes to); {@code head}
 * and {@code get} regenerate the rest. A put whose bytes differ from the generated content is stored
 * as "bad": {@code head} then reports another MD5, as a real destination holding other bytes would.
 */
final class DigestOnlyDestination implements Destination {
  private final String name;
  private final int size;
  private final BitSet stored = new BitSet();
  private final BitSet good = new BitSet();

  DigestOnlyDestination(String name, int size) {
    this.name = name;
    this.size = size;
  }

  static String key(int index) {
    return String.format("o/%07d", index);
  }

  static byte[] content(int index, int size) {
    byte[] bytes = new byte[size];
    new SplittableRandom(index * 0x9E3779B97F4A7C15L).nextBytes(bytes);
    return bytes;
  }

  private static int index(String key) {
    if (!key.startsWith("o/")) {
      throw new DestinationException("digest-only", false, "unexpected key " + key);
    }
    return Integer.parseInt(key.substring(2));
  }

  @Override
  public PutResult put(WriteRequest request) {
    int i = index(request.key());
    String md5;
    try (InputStream in = request.open()) {
      md5 = Md5.of(in).base64();
    } catch (IOException e) {
      throw new DestinationException(name, true, "reading the payload of " + request.key() + " failed", e);
    }
    boolean matches = md5.equals(Md5.of(content(i, size)));
    synchronized (this) {
      stored.set(i);
      good.set(i, matches);
    }
    return new PutResult(true, md5, Optional.empty());
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    int i = index(key);
    boolean isStored;
    boolean isGood;
    synchronized (this) {
      isStored = stored.get(i);
      isGood = good.get(i);
    }
    if (!isStored) {
      return Optional.empty();
    }
    String md5 = isGood ? Md5.of(content(i, size)) : "AAAAAAAAAAAAAAAAAAAAAA==";
    return Optional.of(new ObjectInfo(key, size, Optional.of(md5), Optional.empty(), Instant.EPOCH, Map.of()));
  }

  @Override
  public Optional<InputStream> get(String key) {
    int i = index(key);
    synchronized (this) {
      if (!stored.get(i) || !good.get(i)) {
        return Optional.empty();
      }
    }
    return Optional.of(new ByteArrayInputStream(content(i, size)));
  }

  @Override
  public synchronized boolean delete(String key) {
    int i = index(key);
    boolean was = stored.get(i);
    stored.clear(i);
    good.clear(i);
    return was;
  }

  @Override
  public HealthStatus probe() {
    return HealthStatus.healthy(Duration.ZERO);
  }

  @Override
  public String describe() {
    return "digest-only:" + name;
  }

  /** Keys stored with the right bytes, among the first {@code n}. */
  synchronized int goodAmong(int n) {
    return good.get(0, n).cardinality();
  }
}
