package io.dualpush.testkit;

import io.dualpush.DestinationException;
import io.dualpush.ObjectKeys;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Destination} in memory, with the semantics of a real one: idempotent re-put of the same
 * MD5, an ETag per version, the digest of the bytes actually received, fencing (writes carrying
 * a token older than the stored one are refused), and listing in key order. Thread-safe.
 */
public final class InMemoryDestination implements Destination {
  private final String name;
  private final Clock clock;
  /** Sorted as {@link #list} returns keys, so a page is a view of the map, not a sort of it. */
  private final ConcurrentNavigableMap<String, Stored> objects = new ConcurrentSkipListMap<>(ObjectKeys.ORDER);
  private final AtomicLong versions = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  /** One stored object. */
  public record Stored(byte[] bytes, String md5, String etag, Instant lastModified, String transactionId,
      long fencingToken, Map<String, String> metadata) {}

  /**
   * An empty destination on the system UTC clock.
   *
   * @param name how {@link #describe()} names it in messages
   */
  public InMemoryDestination(String name) {
    this(name, Clock.systemUTC());
  }

  /**
   * An empty destination whose objects' modification times come from {@code clock}.
   *
   * @param name how {@link #describe()} names it in messages
   * @param clock the clock for modification times
   */
  public InMemoryDestination(String name, Clock clock) {
    this.name = name;
    this.clock = clock;
  }

  @Override
  public PutResult put(WriteRequest request) {
    ObjectKeys.validate(request.key());
    Stored existing = objects.get(request.key());
    if (existing != null && request.fencingToken().isPresent() && request.fencingToken().getAsLong() < existing.fencingToken()) {
      throw new StaleFencingTokenException(name, request.key(), request.fencingToken().getAsLong(), existing.fencingToken());
    }
    if (existing != null && existing.md5().equals(request.md5()) && !request.replaceIdentical()) {
      if (request.fencingToken().isPresent() && request.fencingToken().getAsLong() > existing.fencingToken()) {
        // Nothing to write, but the newer holder has now acted on the key: a later write of an older
        // holder must be refused, as a real destination storing the token with the object would.
        raiseToken(request);
      }
      return new PutResult(false, existing.md5(), Optional.of(existing.etag()));
    }
    byte[] bytes;
    try (InputStream in = request.open()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      // A failed source is a failed write like any other: the SPI promises DestinationExceptions,
      // and the key keeps what it held.
      throw DestinationException.transientFailure(name, "write of '" + request.key() + "' to " + describe()
          + " failed reading the payload: " + e.getMessage(), e);
    }
    String md5 = Md5.of(bytes);
    String etag = "\"" + versions.incrementAndGet() + "\"";
    long token = request.fencingToken().orElse(existing == null ? 0 : existing.fencingToken());
    Stored stored = new Stored(bytes, md5, etag, clock.instant(), request.transactionId(), token, request.metadata());
    synchronized (this) {
      Stored now = objects.get(request.key());
      if (now != null && request.fencingToken().isPresent() && request.fencingToken().getAsLong() < now.fencingToken()) {
        throw new StaleFencingTokenException(name, request.key(), request.fencingToken().getAsLong(), now.fencingToken());
      }
      objects.put(request.key(), stored);
    }
    writes.incrementAndGet();
    return new PutResult(true, md5, Optional.of(etag));
  }

  private synchronized void raiseToken(WriteRequest request) {
    long token = request.fencingToken().getAsLong();
    Stored now = objects.get(request.key());
    if (now == null || now.fencingToken() >= token) {
      return;
    }
    objects.put(request.key(), new Stored(now.bytes(), now.md5(), now.etag(), now.lastModified(), now.transactionId(),
        token, now.metadata()));
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    ObjectKeys.validate(key);
    Stored s = objects.get(key);
    if (s == null) {
      return Optional.empty();
    }
    return Optional.of(new ObjectInfo(key, s.bytes().length, Optional.of(s.md5()), Optional.of(s.etag()), s.lastModified(), s.metadata()));
  }

  @Override
  public boolean supportsListing() {
    return true;
  }

  @Override
  public List<ObjectInfo> list(String prefix, @Nullable String startAfter, int limit) {
    Objects.requireNonNull(prefix, "'prefix' cannot be null.");
    if (limit < 1) {
      throw new IllegalArgumentException("'limit' must be at least 1; got " + limit);
    }
    // Keys with the prefix are contiguous in the map's order, starting at the prefix itself.
    Map<String, Stored> from = startAfter != null && ObjectKeys.ORDER.compare(startAfter, prefix) >= 0
        ? objects.tailMap(startAfter, false)
        : objects.tailMap(prefix, true);
    List<ObjectInfo> page = new ArrayList<>();
    for (Map.Entry<String, Stored> e : from.entrySet()) {
      if (!e.getKey().startsWith(prefix) || page.size() == limit) {
        break;
      }
      Stored s = e.getValue();
      page.add(new ObjectInfo(e.getKey(), s.bytes().length, Optional.of(s.md5()), Optional.of(s.etag()), s.lastModified(),
          s.metadata()));
    }
    return page;
  }

  @Override
  public Optional<InputStream> get(String key) {
    ObjectKeys.validate(key);
    Stored s = objects.get(key);
    return s == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(s.bytes()));
  }

  @Override
  public boolean delete(String key) {
    ObjectKeys.validate(key);
    return objects.remove(key) != null;
  }

  @Override
  public HealthStatus probe() {
    return HealthStatus.healthy(Duration.ZERO);
  }

  @Override
  public String describe() {
    return "memory:" + name;
  }

  @Override
  public boolean supportsFencing() {
    return true;
  }

  /**
   * The stored object, for assertions.
   *
   * @param key an object key
   * @return the stored object, or empty
   */
  public Optional<Stored> stored(String key) {
    return Optional.ofNullable(objects.get(key));
  }

  /**
   * The stored bytes, for assertions.
   *
   * @param key an object key
   * @return the bytes held (not a copy), or empty
   */
  public Optional<byte[]> bytes(String key) {
    return stored(key).map(Stored::bytes);
  }

  /**
   * Replaces an object's bytes behind dualpush's back (bit rot, a stray tool); the reported MD5
   * stays the old one, as a service's stored Content-MD5 would.
   *
   * @param key an object key; nothing happens when it holds no object
   * @param bytes the new bytes
   */
  public void tamper(String key, byte[] bytes) {
    objects.computeIfPresent(key, (k, s) -> new Stored(bytes, s.md5(), s.etag(), s.lastModified(), s.transactionId(), s.fencingToken(), s.metadata()));
  }

  /**
   * Number of objects held.
   *
   * @return the number of objects
   */
  public int size() {
    return objects.size();
  }

  /**
   * Number of writes that stored bytes (re-puts of the same content excluded).
   *
   * @return the number of writes
   */
  public long writeCount() {
    return writes.get();
  }

  @Override
  public String toString() {
    return describe();
  }
}
