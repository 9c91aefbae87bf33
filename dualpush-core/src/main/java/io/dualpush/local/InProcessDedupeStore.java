package io.dualpush.local;

import io.dualpush.InvalidInputException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link DedupeStore} in this JVM's memory: exactly-once within one process, forgotten on
 * restart (use a shared store such as Redis across processes). Expired entries are purged as new
 * ones arrive, so memory is bounded by the number of ids seen within one TTL. Thread-safe.
 */
public final class InProcessDedupeStore implements DedupeStore {
  private final Clock clock;
  private final Map<String, Entry> entries = new HashMap<>();
  private long nextPurge;

  private record Entry(boolean done, String outcome, Instant expiresAt) {}

  /** A store on the system UTC clock. */
  public InProcessDedupeStore() {
    this(Clock.systemUTC());
  }

  /**
   * A store whose entries expire by {@code clock}; tests pass a controllable one.
   *
   * @param clock the clock claims and entries expire by
   * @throws InvalidInputException naming {@code clock} when it is null
   */
  public InProcessDedupeStore(Clock clock) {
    this.clock = InvalidInputException.requireNonNull(clock, "clock");
  }

  @Override
  public synchronized DedupeClaim claim(String messageId, Duration claimTtl) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    InvalidInputException.requireNonNull(claimTtl, "claimTtl");
    Instant now = clock.instant();
    purge(now);
    Entry e = entries.get(messageId);
    if (e != null && e.expiresAt.isAfter(now)) {
      return e.done ? DedupeClaim.duplicate(e.outcome) : DedupeClaim.inProgress();
    }
    entries.put(messageId, new Entry(false, "", now.plus(claimTtl)));
    return DedupeClaim.claimed();
  }

  @Override
  public boolean supportsPeek() {
    return true;
  }

  /** Reads the entry as {@link #claim} would find it; changes nothing, not even the purge schedule. */
  @Override
  public synchronized Optional<DedupeClaim> peek(String messageId) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    Entry e = entries.get(messageId);
    if (e == null || !e.expiresAt.isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(e.done ? DedupeClaim.duplicate(e.outcome) : DedupeClaim.inProgress());
  }

  @Override
  public synchronized void markDone(String messageId, String outcome, Duration ttl) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    InvalidInputException.requireNonNull(outcome, "outcome");
    InvalidInputException.requireNonNull(ttl, "ttl");
    entries.put(messageId, new Entry(true, outcome, clock.instant().plus(ttl)));
  }

  @Override
  public synchronized void release(String messageId) {
    Entry e = entries.get(messageId);
    if (e != null && !e.done) {
      entries.remove(messageId);
    }
  }

  /**
   * Number of entries held, expired ones not yet purged included.
   *
   * @return the number of entries
   */
  public synchronized int size() {
    return entries.size();
  }

  private void purge(Instant now) {
    // Amortised: sweep once the map has grown past twice its size at the last sweep.
    if (entries.size() < nextPurge) {
      return;
    }
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      if (!it.next().expiresAt.isAfter(now)) {
        it.remove();
      }
    }
    nextPurge = Math.max(1024, entries.size() * 2L);
  }
}
