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

  /**
   * Acquires {@code name} for {@code owner}; empty when someone else holds it.
   *
   * @param name the lease's name, such as the dataset or job
   * @param owner who asks, unique per process
   * @param ttl how long the lease lasts unless renewed
   * @return the lease with a new, strictly greater fencing token; empty when another owner holds it
   */
  Optional<Lease> acquire(String name, String owner, Duration ttl);

  /**
   * Extends a lease still held by its owner, keeping its token; empty when it was lost.
   *
   * @param lease a lease this owner holds
   * @param ttl the new duration, counted from now
   * @return the renewed lease with the same token; empty when it expired or was taken over
   */
  Optional<Lease> renew(Lease lease, Duration ttl);

  /**
   * Releases the lease if still held by its owner with its token; returns whether it was.
   *
   * @param lease a lease this owner holds
   * @return true when it was still held and is now released
   */
  boolean release(Lease lease);

  /**
   * The current holder of {@code name}, if any.
   *
   * @param name the lease's name
   * @return the unexpired lease, or empty when nobody holds it
   */
  Optional<Lease> current(String name);
}
