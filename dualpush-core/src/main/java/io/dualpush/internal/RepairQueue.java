package io.dualpush.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The repair schedule: open transactions by the time their next repair round is due, so that a
 * tick takes what is due and touches nothing else. Per transaction it holds its id, due time,
 * rounds so far and the destinations its round would write to (a bit per destination) — never a
 * record or a payload; records are read from the log when due.
 *
 * <p>A transaction whose every destination to repair refuses calls now is <em>parked</em> on those
 * destinations instead: it has no due time, and {@link #release} makes it due when one of them
 * takes calls again. Each transaction is either scheduled, parked, or absent; scheduling it again
 * replaces what was there.
 *
 * <p>Bounded: at most {@code capacity} transactions are held; past that they stay only in the
 * log, which the scheduler reads them back from once there is room (see {@link #overflowed()}).
 *
 * <p>Entries order by due time, then fewest rounds first (a half-open breaker's one trial is then
 * charged to the transaction with the most rounds left), then arrival. Thread-safe.
 */
final class RepairQueue {
  /** One scheduled round; superseded entries stay in the heap and are skipped when polled. */
  record Due(String id, Instant at, int rounds, long targets, long seq) {}

  private static final Comparator<Due> ORDER = Comparator.comparing(Due::at).thenComparingInt(Due::rounds)
      .thenComparingLong(Due::seq);

  private final int capacity;
  /** Set when a transaction was turned away for want of room: the log holds some the queue does not. */
  private boolean overflowed;
  private final PriorityQueue<Due> heap = new PriorityQueue<>(ORDER);
  private final Map<String, Due> current = new HashMap<>();
  /** Parked ids by destination index; an id parked on several destinations is in each set. */
  private final Map<Integer, Set<String>> parked = new HashMap<>();
  private final Map<String, Parked> parkedTargets = new HashMap<>();

  private record Parked(int rounds, long targets) {}
  private long seq;

  /** A queue of at most {@code capacity} transactions, scheduled and parked together. */
  RepairQueue(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Schedules {@code id}'s next round at {@code at}, replacing any earlier schedule or parking.
   * Returns false, and remembers it ({@link #overflowed()}), when the queue is full and does not
   * hold {@code id}: the transaction stays open in the log, and is scheduled again from there once
   * the queue has room.
   */
  synchronized boolean schedule(String id, Instant at, int rounds, long targets) {
    if (!current.containsKey(id) && !parkedTargets.containsKey(id) && size() >= capacity) {
      overflowed = true;
      return false;
    }
    unpark(id);
    Due due = new Due(id, at, rounds, targets, seq++);
    current.put(id, due);
    heap.add(due);
    compactIfStale();
    return true;
  }

  /** Whether a transaction was turned away since {@link #clearOverflow()}. */
  synchronized boolean overflowed() {
    return overflowed;
  }

  synchronized void clearOverflow() {
    overflowed = false;
  }

  /** Room left before transactions are turned away. */
  synchronized int room() {
    return capacity - size();
  }

  /** Parks {@code id} on the destinations in {@code targets} until one of them takes calls again. */
  synchronized void park(String id, int rounds, long targets) {
    current.remove(id);
    unpark(id);
    parkedTargets.put(id, new Parked(rounds, targets));
    for (int i = 0; i < Long.SIZE; i++) {
      if ((targets & (1L << i)) != 0) {
        parked.computeIfAbsent(i, k -> new LinkedHashSet<>()).add(id);
      }
    }
  }

  /** Forgets {@code id} (it ended, or a round for it started elsewhere). */
  synchronized void remove(String id) {
    current.remove(id);
    unpark(id);
  }

  /**
   * Removes and returns, in order, the entries due at {@code now}, at most {@code max} of them.
   * Costs a heap operation per entry returned (plus those found superseded), whatever the size
   * of the schedule.
   */
  synchronized List<Due> pollDue(Instant now, int max) {
    List<Due> out = new ArrayList<>();
    while (out.size() < max) {
      Due head = heap.peek();
      if (head == null || head.at().isAfter(now)) {
        break;
      }
      heap.poll();
      if (current.get(head.id()) == head) {
        current.remove(head.id());
        out.add(head);
      }
    }
    return out;
  }

  /** Makes every id parked on destination {@code index} due at {@code now}; returns how many. */
  synchronized int release(int index, Instant now) {
    Set<String> ids = parked.remove(index);
    if (ids == null) {
      return 0;
    }
    for (String id : new ArrayList<>(ids)) {
      Parked p = parkedTargets.get(id);
      if (p != null) {
        schedule(id, now, p.rounds(), p.targets());
      }
    }
    return ids.size();
  }

  /**
   * Makes every scheduled entry whose targets match {@code targets} due at {@code now}, whatever
   * its backoff (a destination's breaker closed: its repairs need not wait). Walks the schedule,
   * which only such a rare event justifies.
   */
  synchronized int expedite(LongPredicate targets, Instant now) {
    List<Due> hit = new ArrayList<>();
    for (Due d : current.values()) {
      if (targets.test(d.targets()) && d.at().isAfter(now)) {
        hit.add(d);
      }
    }
    for (Due d : hit) {
      Due due = new Due(d.id(), now, d.rounds(), d.targets(), seq++);
      current.put(d.id(), due);
      heap.add(due);
    }
    compactIfStale();
    return hit.size();
  }

  /** Destination indexes with parked transactions. */
  synchronized Set<Integer> parkedOn() {
    return Set.copyOf(parked.keySet());
  }

  synchronized boolean contains(String id) {
    return current.containsKey(id) || parkedTargets.containsKey(id);
  }

  /** Transactions scheduled or parked. */
  synchronized int size() {
    return current.size() + parkedTargets.size();
  }

  private void unpark(String id) {
    Parked p = parkedTargets.remove(id);
    if (p == null) {
      return;
    }
    long targets = p.targets();
    for (int i = 0; i < Long.SIZE; i++) {
      if ((targets & (1L << i)) != 0) {
        Set<String> ids = parked.get(i);
        if (ids != null) {
          ids.remove(id);
          if (ids.isEmpty()) {
            parked.remove(i);
          }
        }
      }
    }
  }

  /** Rebuilds the heap once superseded entries outnumber live ones, so it stays within twice the schedule. */
  private void compactIfStale() {
    if (heap.size() > 64 && heap.size() > 2 * current.size()) {
      heap.clear();
      heap.addAll(current.values());
    }
  }
}
