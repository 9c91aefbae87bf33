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
 * <p>Bounded: at most {@code capacity} transactions are held, and at most half of them parked;
 * past that {@link #schedule} and {@link #park} turn a transaction away and it stays only in the
 * log, which the scheduler reads it back from in a later pass over the log's open transactions.
 * Parking is capped so that a destination down for long cannot fill the queue and keep the
 * repairs of the others out.
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
  private final int parkCapacity;
  private final PriorityQueue<Due> heap = new PriorityQueue<>(ORDER);
  private final Map<String, Due> current = new HashMap<>();
  /** Parked ids by destination index; an id parked on several destinations is in each set. */
  private final Map<Integer, Set<String>> parked = new HashMap<>();
  private final Map<String, Parked> parkedTargets = new HashMap<>();

  private record Parked(int rounds, long targets) {}
  private long seq;

  /** A queue of at most {@code capacity} transactions, scheduled and parked together, half of them parked at most. */
  RepairQueue(int capacity) {
    this.capacity = capacity;
    this.parkCapacity = Math.max(1, capacity / 2);
  }

  /**
   * Schedules {@code id}'s next round at {@code at}, replacing any earlier schedule or parking.
   * Returns false when the queue is full and does not hold {@code id}: the transaction stays open
   * in the log, and the caller must see that a pass over the log reaches it again.
   */
  synchronized boolean schedule(String id, Instant at, int rounds, long targets) {
    if (!current.containsKey(id) && !parkedTargets.containsKey(id) && size() >= capacity) {
      return false;
    }
    unpark(id);
    Due due = new Due(id, at, rounds, targets, seq++);
    current.put(id, due);
    heap.add(due);
    compactIfStale();
    return true;
  }

  /** Room left before transactions are turned away. */
  synchronized int room() {
    return capacity - size();
  }

  /**
   * Parks {@code id} on the destinations in {@code targets} until one of them takes calls again.
   * Returns false, holding nothing for {@code id}, when as many transactions as half the capacity
   * are parked already (or the queue is full): the caller must see that a pass over the log
   * reaches it again once one of those destinations is back.
   */
  synchronized boolean park(String id, int rounds, long targets) {
    boolean held = current.containsKey(id) || parkedTargets.containsKey(id);
    if (!parkedTargets.containsKey(id) && (parkedTargets.size() >= parkCapacity || (!held && size() >= capacity))) {
      current.remove(id);
      return false;
    }
    current.remove(id);
    unpark(id);
    parkedTargets.put(id, new Parked(rounds, targets));
    for (int i = 0; i < Long.SIZE; i++) {
      if ((targets & (1L << i)) != 0) {
        parked.computeIfAbsent(i, k -> new LinkedHashSet<>()).add(id);
      }
    }
    return true;
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

  /** Whether an entry is due at {@code now} (or a superseded one is left at the head: a hint, never a miss). */
  synchronized boolean hasDue(Instant now) {
    Due head = heap.peek();
    return head != null && !head.at().isAfter(now);
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
   * Makes one id parked on destination {@code index} due at {@code now}, the one with the fewest
   * rounds (a half-open breaker lets one trial call through: the others stay parked for its
   * outcome, and a failed trial is charged to the transaction with the most rounds left). Walks the
   * ids parked there, at most half the capacity, once per half-open period. Returns whether one was.
   */
  synchronized boolean releaseOne(int index, Instant now) {
    Set<String> ids = parked.get(index);
    if (ids == null) {
      return false;
    }
    String best = null;
    int fewest = Integer.MAX_VALUE;
    for (String id : ids) {
      Parked p = parkedTargets.get(id);
      if (p != null && p.rounds() < fewest) {
        best = id;
        fewest = p.rounds();
        if (fewest == 0) {
          break;
        }
      }
    }
    if (best == null) {
      return false;
    }
    Parked p = parkedTargets.get(best);
    schedule(best, now, p.rounds(), p.targets());
    return true;
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

  /** Transactions parked. */
  synchronized int parkedCount() {
    return parkedTargets.size();
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
