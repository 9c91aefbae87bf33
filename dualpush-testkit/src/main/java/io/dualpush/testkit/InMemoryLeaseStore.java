package io.dualpush.testkit;

import io.dualpush.DestinationException;
import io.dualpush.local.InProcessLeaseStore;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link LeaseStore} in memory on a controllable clock, with a switch that makes it unreachable.
 * Leases and fencing tokens follow the SPI exactly (it delegates to {@link InProcessLeaseStore});
 * while {@linkplain #setUnavailable unavailable} every call throws a transient
 * {@link DestinationException}, as a lease server that cannot be reached would. Thread-safe.
 *
 * <pre>{@code
 * InMemoryLeaseStore leases = new InMemoryLeaseStore(clock);
 * clock.advance(Duration.ofSeconds(31)); // a 30 s lease is now free
 * }</pre>
 */
public final class InMemoryLeaseStore implements LeaseStore {
  private final InProcessLeaseStore delegate;
  private volatile boolean unavailable;

  /** A store on the system UTC clock. */
  public InMemoryLeaseStore() {
    this(Clock.systemUTC());
  }

  /**
   * A store whose leases expire by {@code clock}, typically a {@link ManualClock}.
   *
   * @param clock the clock leases expire by
   */
  public InMemoryLeaseStore(Clock clock) {
    this.delegate = new InProcessLeaseStore(Objects.requireNonNull(clock, "'clock' cannot be null."));
  }

  /**
   * While {@code true}, every call fails with a transient {@link DestinationException}.
   *
   * @param unavailable true to make every later call fail, false to heal
   */
  public void setUnavailable(boolean unavailable) {
    this.unavailable = unavailable;
  }

  /**
   * Whether calls currently fail as if the store were down.
   *
   * @return true while {@link #setUnavailable(boolean)} holds it down
   */
  public boolean isUnavailable() {
    return unavailable;
  }

  @Override
  public Optional<Lease> acquire(String name, String owner, Duration ttl) {
    check("acquire");
    return delegate.acquire(name, owner, ttl);
  }

  @Override
  public Optional<Lease> renew(Lease lease, Duration ttl) {
    check("renew");
    return delegate.renew(lease, ttl);
  }

  @Override
  public boolean release(Lease lease) {
    check("release");
    return delegate.release(lease);
  }

  @Override
  public Optional<Lease> current(String name) {
    check("current");
    return delegate.current(name);
  }

  private void check(String operation) {
    if (unavailable) {
      throw new DestinationException("memory-lease", true, "lease store unavailable (injected) during " + operation);
    }
  }

  @Override
  public String toString() {
    return "InMemoryLeaseStore{unavailable=" + unavailable + "}";
  }
}
