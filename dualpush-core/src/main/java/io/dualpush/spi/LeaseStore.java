package io.dualpush.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * Named leases with fencing tokens: which region (or process) is active (guarantee G6).
 *
 * <p>At most one owner holds a name at a time. Every new acquisition gets a fencing token strictly
 * greater than any the name had before, even after expiry or release, so a destination can refuse
 * writes from a former holder. A holder must stop acting before {@link Lease#ttl()} has passed on
 * its own monotonic clock, counted from just before it sent the acquire or renew. Thread-safe.
 */
public interface LeaseStore {

  /** Acquires {@code name} for {@code owner}; empty when someone else holds it. */
  Optional<Lease> acquire(String name, String owner, Duration ttl);

  /** Extends a lease still held by its owner, keeping its token; empty when it was lost. */
  Optional<Lease> renew(Lease lease, Duration ttl);

  /** Releases the lease if still held by its owner with its token; returns whether it was. */
  boolean release(Lease lease);

  /** The current holder of {@code name}, if any. */
  Optional<Lease> current(String name);
}
