package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which destinations take repair writes now, and the release of the transactions parked on them:
 * the {@link RepairScheduler}'s view of the circuit breakers. It owns the half-open trial calls
 * that repair rounds carry (one per destination at a time), notices a breaker closing between
 * ticks (so that what waited on it is due at once, whatever its backoff), and maps a
 * transaction's unverified copies to destinations, as slots or as a bit per destination index
 * (the form {@link RepairQueue} parks by; destinations past the 64th have no bit).
 *
 * <p>{@link #releaseRecovered} and {@link #releaseParked} run on the repair thread, under the
 * scheduler's tick; the trial bookkeeping is thread-safe, as rounds end on other threads.
 */
final class RepairGate {
  /** The scheduler's logger: the split into classes does not change where operators find these lines. */
  private static final Logger LOG = LoggerFactory.getLogger(RepairScheduler.class);

  private final List<Slot> slots;
  private final RepairQueue queue;
  /** Destinations whose half-open breaker's one trial call a repair round is carrying. */
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  /** Each destination's {@link Slot#breakerClosings()} at the last tick; the repair thread's own. */
  private final long[] closingsSeen;
  /** When each destination's breaker was last seen closing; the repair thread's own. */
  private final Instant[] closedAt;

  RepairGate(List<Slot> slots, RepairQueue queue) {
    this.slots = slots;
    this.queue = queue;
    this.closingsSeen = new long[slots.size()];
    this.closedAt = new Instant[slots.size()];
    for (int i = 0; i < slots.size(); i++) {
      closingsSeen[i] = -1;
    }
  }

  /** Destinations whose breaker closed (a trial succeeded, or a reset) since the last tick: their repairs are due. */
  void releaseRecovered(Instant now) {
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      long closings = slot.breakerClosings();
      long seen = closingsSeen[i];
      closingsSeen[i] = closings;
      if (seen >= 0 && seen != closings) {
        LOG.debug("Circuit breaker of {} closed: repairs waiting on it are due now", slot.id());
        long bit = bit(i);
        closedAt[i] = now;
        // Bounded by the queue's capacity; those only in the log are due when the pass reaches them.
        queue.expedite(t -> (t & bit) != 0, now);
        queue.release(i, now);
      }
    }
  }

  /** Releases the transactions parked on destinations that take repairs again (one only while half-open). */
  void releaseParked(Instant now) {
    for (int i : queue.parkedOn()) {
      if (i < slots.size() && takesRepairs(slots.get(i))) {
        if (slots.get(i).breakerHalfOpen()) {
          // One trial: the rest wait for its outcome, parked, without being read again.
          queue.releaseOne(i, now);
        } else {
          queue.release(i, now);
        }
      }
    }
  }

  /**
   * Claims the trial call of every half-open breaker among {@code targets} that no other round
   * carries yet; the round that runs must hand them back to {@link #endTrials}.
   */
  List<String> claimTrials(List<Slot> targets) {
    List<String> trials = new ArrayList<>();
    for (Slot t : targets) {
      if (t.breakerHalfOpen() && probing.add(t.id())) {
        trials.add(t.id());
      }
    }
    return trials;
  }

  /** The round carrying these trial calls ended: their breakers have decided. */
  void endTrials(List<String> trials) {
    probing.removeAll(trials);
  }

  /**
   * Whether a repair write to {@code slot} would reach it now: not refused by its breaker or as
   * stuck, and, while half-open, not behind another round already carrying the trial call.
   */
  boolean takesRepairs(Slot slot) {
    return slot.acceptsWrites() && !(probing.contains(slot.id()) && slot.breakerHalfOpen());
  }

  /**
   * The destinations that take repair writes now, a bit each, with every bit past the last
   * destination set (a transaction with no destination to wait for can always go).
   */
  long takingMask() {
    long mask = slots.size() >= Long.SIZE ? 0 : -1L << slots.size();
    for (int i = 0; i < Math.min(slots.size(), Long.SIZE); i++) {
      if (takesRepairs(slots.get(i))) {
        mask |= bit(i);
      }
    }
    return mask;
  }

  /** Whether a destination in {@code targets} takes repair writes now. */
  boolean anyTakesRepairs(long targets) {
    return (targets & takingMask()) != 0;
  }

  /** Whether a destination in {@code targets} saw its breaker close after {@code at}: the transaction need not wait. */
  boolean closedSince(long targets, Instant at) {
    for (int i = 0; i < Math.min(slots.size(), Long.SIZE); i++) {
      if ((targets & bit(i)) != 0 && closedAt[i] != null && closedAt[i].isAfter(at)) {
        return true;
      }
    }
    return false;
  }

  /** The destinations a round of {@code r} would write to: those of its copies not verified. */
  List<Slot> repairTargets(TransactionRecord r) {
    List<Slot> targets = new ArrayList<>(2);
    for (CopyRecord copy : r.copies()) {
      if (copy.status() == CopyStatus.VERIFIED) {
        continue;
      }
      for (Slot slot : slots) {
        if (slot.id().equals(copy.destinationId())) {
          targets.add(slot);
        }
      }
    }
    return targets;
  }

  /** {@link #repairTargets} as a bit per destination index (destinations past the 64th have none). */
  long targets(TransactionRecord r) {
    long mask = 0;
    for (CopyRecord copy : r.copies()) {
      if (copy.status() == CopyStatus.VERIFIED) {
        continue;
      }
      for (int i = 0; i < slots.size(); i++) {
        if (slots.get(i).id().equals(copy.destinationId())) {
          mask |= bit(i);
        }
      }
    }
    return mask;
  }

  private static long bit(int index) {
    return index < Long.SIZE ? 1L << index : 0;
  }
}
