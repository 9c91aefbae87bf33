package io.dualpush.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A held lease.
 *
 * @param name the lease's name
 * @param owner who holds it
 * @param fencingToken strictly increasing per name across acquisitions
 * @param expiresAt when the store will consider the lease free, by the store's clock
 * @param ttl the span granted; the holder stops acting before it passes on its own clock
 */
public record Lease(String name, String owner, long fencingToken, Instant expiresAt, Duration ttl) {
  /**
   * Checks that every component is non-null.
   *
   * @param name the lease's name
   * @param owner who holds it
   * @param fencingToken strictly increasing per name across acquisitions
   * @param expiresAt when the store will consider the lease free, by the store's clock
   * @param ttl the span granted; the holder stops acting before it passes on its own clock
   */
  public Lease {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(ttl, "ttl");
  }
}
