package io.dualpush.local;

import io.dualpush.InvalidInputException;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link LeaseStore} in this JVM's memory, for one process coordinating its own threads (use a
 * shared store such as Redis across processes). Fencing tokens increase strictly per name for the
 * life of the store. Thread-safe.
 */
public final class InProcessLeaseStore implements LeaseStore {
  private final Clock clock;
  private final Map<String, Lease> held = new HashMap<>();
  private final Map<String, Long> lastToken = new HashMap<>();

  /** A store on the system UTC clock. */
  public InProcessLeaseStore() {
    this(Clock.systemUTC());
  }

  /**
   * A store whose lease expiry follows {@code clock}; tests pass a controllable one.
   *
   * @param clock the clock leases expire by
   * @throws InvalidInputException naming {@code clock} when it is null
   */
  public InProcessLeaseStore(Clock clock) {
    this.clock = InvalidInputException.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized Optional<Lease> acquire(String name, String owner, Duration ttl) {
    InvalidInputException.requireNonNull(name, "name");
    InvalidInputException.requireNonNull(owner, "owner");
    checkTtl(ttl);
    Instant now = clock.instant();
    Lease current = held.get(name);
    if (current != null && current.expiresAt().isAfter(now)) {
      return Optional.empty();
    }
    long token = lastToken.merge(name, 1L, Long::sum);
    Lease lease = new Lease(name, owner, token, now.plus(ttl), ttl);
    held.put(name, lease);
    return Optional.of(lease);
  }

  @Override
  public synchronized Optional<Lease> renew(Lease lease, Duration ttl) {
    InvalidInputException.requireNonNull(lease, "lease");
    checkTtl(ttl);
    Instant now = clock.instant();
    Lease current = held.get(lease.name());
    if (current == null || !sameHolder(current, lease) || !current.expiresAt().isAfter(now)) {
      return Optional.empty();
    }
    Lease renewed = new Lease(lease.name(), lease.owner(), lease.fencingToken(), now.plus(ttl), ttl);
    held.put(lease.name(), renewed);
    return Optional.of(renewed);
  }

  @Override
  public synchronized boolean release(Lease lease) {
    InvalidInputException.requireNonNull(lease, "lease");
    Lease current = held.get(lease.name());
    if (current != null && sameHolder(current, lease)) {
      held.remove(lease.name());
      return current.expiresAt().isAfter(clock.instant());
    }
    return false;
  }

  @Override
  public synchronized Optional<Lease> current(String name) {
    Lease current = held.get(name);
    if (current == null || !current.expiresAt().isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(current);
  }

  private static boolean sameHolder(Lease a, Lease b) {
    return a.owner().equals(b.owner()) && a.fencingToken() == b.fencingToken();
  }

  private static void checkTtl(Duration ttl) {
    InvalidInputException.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new InvalidInputException("ttl", "'ttl' must be positive; got " + ttl + ".");
    }
  }
}
