package io.dualpush.redis;

import java.time.Duration;

/** What the contract suites on real time share: spans short enough to wait out, long enough for a busy machine. */
final class RedisContracts {
  static final Duration LEASE_TTL = Duration.ofMillis(1000);
  static final Duration CLAIM_TTL = Duration.ofMillis(1000);
  static final Duration DONE_TTL = Duration.ofMillis(1500);
  static final Duration MARGIN = Duration.ofMillis(150);

  private RedisContracts() {}

  static RedisLeaseStore leaseStore(TestRedis redis) {
    return redis.leases().build();
  }

  static RedisDedupeStore dedupeStore(TestRedis redis) {
    return redis.dedupe().build();
  }

  /** Redis expires keys by its own clock: the contract's advance is a real wait. */
  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis(), (int) (d.toNanosPart() % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
