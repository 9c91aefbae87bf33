package io.dualpush.testkit;

import io.dualpush.DestinationException;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link DedupeStore} in memory on a controllable clock, with a switch that makes it unreachable.
 * Claims and expiry follow the SPI exactly (it delegates to {@link InProcessDedupeStore}); while
 * {@linkplain #setUnavailable unavailable} every call throws a transient
 * {@link DestinationException}, the one dualpush failure type that tells callers a retry may help.
 * Thread-safe.
 *
 * <pre>{@code
 * InMemoryDedupeStore dedupe = new InMemoryDedupeStore(clock);
 * dedupe.setUnavailable(true); // the next claim fails as if Redis were down
 * }</pre>
 */
public final class InMemoryDedupeStore implements DedupeStore {
  private final InProcessDedupeStore delegate;
  private volatile boolean unavailable;

  /** A store on the system UTC clock. */
  public InMemoryDedupeStore() {
    this(Clock.systemUTC());
  }

  /**
   * A store whose entries expire by {@code clock}, typically a {@link ManualClock}.
   *
   * @param clock the clock claims and entries expire by
   */
  public InMemoryDedupeStore(Clock clock) {
    this.delegate = new InProcessDedupeStore(Objects.requireNonNull(clock, "'clock' cannot be null."));
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
  public DedupeClaim claim(String messageId, Duration claimTtl) {
    check("claim");
    return delegate.claim(messageId, claimTtl);
  }

  @Override
  public boolean supportsPeek() {
    return true;
  }

  @Override
  public Optional<DedupeClaim> peek(String messageId) {
    check("peek");
    return delegate.peek(messageId);
  }

  @Override
  public void markDone(String messageId, String outcome, Duration ttl) {
    check("markDone");
    delegate.markDone(messageId, outcome, ttl);
  }

  @Override
  public void release(String messageId) {
    check("release");
    delegate.release(messageId);
  }

  /**
   * Entries held, expired ones not yet purged included.
   *
   * @return the number of entries
   */
  public int size() {
    return delegate.size();
  }

  private void check(String operation) {
    if (unavailable) {
      throw new DestinationException("memory-dedupe", true, "dedupe store unavailable (injected) during " + operation);
    }
  }

  @Override
  public String toString() {
    return "InMemoryDedupeStore{unavailable=" + unavailable + "}";
  }
}
