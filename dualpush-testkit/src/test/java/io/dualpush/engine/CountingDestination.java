package io.dualpush.engine;

import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts, per key, the writes that reach the destination it wraps (whether they then succeed or
 * fail): a write refused by the engine before any call, by an open circuit breaker say, is not
 * counted. Thread-safe.
 */
final class CountingDestination implements Destination {
  private final Destination delegate;
  private final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();

  CountingDestination(Destination delegate) {
    this.delegate = delegate;
  }

  /** Writes of {@code key} that reached the destination so far. */
  int puts(String key) {
    AtomicInteger n = puts.get(key);
    return n == null ? 0 : n.get();
  }

  /** Writes that reached the destination so far, every key. */
  int puts() {
    return puts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  @Override
  public PutResult put(WriteRequest request) {
    puts.computeIfAbsent(request.key(), k -> new AtomicInteger()).incrementAndGet();
    return delegate.put(request);
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    return delegate.head(key);
  }

  @Override
  public Optional<InputStream> get(String key) {
    return delegate.get(key);
  }

  @Override
  public boolean delete(String key) {
    return delegate.delete(key);
  }

  @Override
  public HealthStatus probe() {
    return delegate.probe();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }
}
