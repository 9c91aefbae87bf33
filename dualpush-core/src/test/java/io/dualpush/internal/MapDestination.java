package io.dualpush.internal;

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
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Objects in a map; can be told to fail its writes or report a wrong digest. Thread-safe. */
final class MapDestination implements Destination {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final AtomicInteger puts = new AtomicInteger();
  volatile boolean down;
  volatile boolean lies;
  /** When set, head reports what is stored, with its MD5 (by default it finds nothing). */
  volatile boolean heads;

  @Override
  public PutResult put(WriteRequest request) {
    puts.incrementAndGet();
    if (down) {
      throw new DestinationException("map", false, "down");
    }
    try (InputStream in = request.open()) {
      byte[] bytes = in.readAllBytes();
      objects.put(request.key(), bytes);
      return new PutResult(true, lies ? "wrong" : Md5.of(bytes), Optional.empty());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    byte[] b = objects.get(key);
    if (!heads || b == null) {
      return Optional.empty();
    }
    return Optional.of(new ObjectInfo(key, b.length, Optional.of(Md5.of(b)), Optional.empty(), java.time.Instant.EPOCH,
        Map.of()));
  }

  @Override
  public Optional<InputStream> get(String key) {
    byte[] b = objects.get(key);
    return b == null ? Optional.empty() : Optional.of(new ByteArrayInputStream(b));
  }

  @Override
  public boolean delete(String key) {
    return objects.remove(key) != null;
  }

  @Override
  public HealthStatus probe() {
    return HealthStatus.healthy(Duration.ZERO);
  }

  @Override
  public String describe() {
    return "map";
  }
}
