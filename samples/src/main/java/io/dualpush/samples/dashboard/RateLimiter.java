package io.dualpush.samples.dashboard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client (by remote address): {@code ratePerSecond} requests a second on average, bursts up
 * to the same number. Thread-safe; buckets idle for a minute are forgotten so that memory stays bounded by the
 * clients of the last minute.
 */
final class RateLimiter {
  private static final long IDLE_NANOS = 60_000_000_000L;

  private final double ratePerNano;
  private final double capacity;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile long lastSweep = System.nanoTime();

  RateLimiter(int ratePerSecond) {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("'rateLimit' must be at least 1, was " + ratePerSecond);
    }
    this.capacity = ratePerSecond;
    this.ratePerNano = ratePerSecond / 1e9;
  }

  /**
   * Takes one token for {@code client}.
   *
   * @return 0 when the request may go on, else the whole seconds after which a token will be there (at least 1)
   */
  long acquire(String client) {
    long now = System.nanoTime();
    sweep(now);
    Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(capacity, now));
    synchronized (bucket) {
      bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updated) * ratePerNano);
      bucket.updated = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      double missingNanos = (1 - bucket.tokens) / ratePerNano;
      return Math.max(1, (long) Math.ceil(missingNanos / 1e9));
    }
  }

  private void sweep(long now) {
    if (now - lastSweep < IDLE_NANOS) {
      return;
    }
    lastSweep = now;
    buckets.values().removeIf(b -> {
      synchronized (b) {
        return now - b.updated > IDLE_NANOS;
      }
    });
  }

  private static final class Bucket {
    double tokens;
    long updated;

    Bucket(double tokens, long updated) {
      this.tokens = tokens;
      this.updated = updated;
    }
  }
}
