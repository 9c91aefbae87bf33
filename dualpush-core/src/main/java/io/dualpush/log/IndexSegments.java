package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which log segments hold each transaction a {@link TransactionIndex} holds, the view
 * {@link SegmentCompaction} plans from: it notes durable records, forgets deleted segments, and finds
 * the oldest segment an unfinished transaction needs and the unfinished transactions to copy forward.
 * The {@link Tracking} triples themselves live beside each transaction (in its holder, or in its
 * arena record); this class is the operations over all of them, kept apart from the index's fold so
 * that the compaction's needs can be read in one place. Every method holds the index's lock, as the
 * index's own methods do; {@link SegmentCompaction} calls them holding the log's I/O lock.
 */
final class IndexSegments {
  private final Object lock;
  /** The index's map of every transaction it holds as an object. */
  private final Map<String, HeldTransaction> held;
  private final FinishedTransactions finished;
  private final RecentRing ring;
  private final OpenArena arena;
  private final long[] scratch = Tracking.untracked();

  /** The view over an index's parts; {@code lock} is the index. */
  IndexSegments(Object lock, Map<String, HeldTransaction> held, FinishedTransactions finished, RecentRing ring,
      OpenArena arena) {
    this.lock = lock;
    this.held = held;
    this.finished = finished;
    this.ring = ring;
    this.arena = arena;
  }

  private @Nullable HeldTransaction object(String id) {
    return held.get(id);
  }

  /** Notes that {@code segment} holds a durable record of {@code id} (a start when {@code start}), if held. */
  void recorded(String id, long segment, boolean start) {
    synchronized (lock) {
      HeldTransaction h = object(id);
      if (h != null) {
        Tracking.recorded(h.tracking, segment, start);
      } else if (arena.count() > 0 && arena.tracking(id, scratch) && Tracking.recorded(scratch, segment, start)) {
        arena.setTracking(id, scratch);
      }
    }
  }

  /** Whether a segment still held holds a start of {@code id}. */
  boolean hasStart(String id) {
    synchronized (lock) {
      HeldTransaction h = object(id);
      if (h != null) {
        return h.tracking[2] != Tracking.NONE;
      }
      return arena.count() > 0 && arena.tracking(id, scratch) && scratch[2] != Tracking.NONE;
    }
  }

  /** Applies the deletion of the {@code gone} segments (sorted) to every transaction's tracking. */
  void forgetSegments(long[] gone) {
    synchronized (lock) {
      for (HeldTransaction h : held.values()) {
        Tracking.forget(h.tracking, gone);
      }
      arena.forgetSegments(gone);
    }
  }

  /** Forgets every transaction's tracking. */
  void clearTracking() {
    synchronized (lock) {
      for (HeldTransaction h : held.values()) {
        h.tracking[0] = Tracking.NONE;
        h.tracking[1] = Tracking.NONE;
        h.tracking[2] = Tracking.NONE;
      }
      long[] none = Tracking.untracked();
      List<String> ids = new ArrayList<>();
      arena.ids(ids);
      for (String id : ids) {
        arena.setTracking(id, none);
      }
    }
  }

  /**
   * For a compaction plan: the oldest segment any unfinished (open or dead-lettered) transaction has
   * a record in, {@link Tracking#NONE} when none is tracked.
   */
  long oldestUnfinishedSegment() {
    synchronized (lock) {
      long min = Long.MAX_VALUE;
      for (HeldTransaction h : held.values()) {
        if (h.where == HeldTransaction.OPEN && h.tracking[0] != Tracking.NONE) {
          min = Math.min(min, h.tracking[0]);
        }
      }
      for (HeldTransaction h : finished.dead()) {
        if (h.tracking[0] != Tracking.NONE) {
          min = Math.min(min, h.tracking[0]);
        }
      }
      min = Math.min(min, arena.oldestTracked());
      return min == Long.MAX_VALUE ? Tracking.NONE : min;
    }
  }

  /**
   * For a compaction plan: every unfinished transaction with a record in a segment up to {@code last}
   * (its oldest tracked segment is at most {@code last}); open ones first, then dead-lettered ones.
   * Null when there are more than {@code limit}: the plan then copies nothing rather than hold them
   * all as objects at once.
   */
  @Nullable List<TransactionRecord> unfinishedUpTo(long last, int limit) {
    synchronized (lock) {
      List<TransactionRecord> out = new ArrayList<>();
      if (!arena.trackedUpTo(last, out, limit) || !ring.openTrackedUpTo(last, out, limit)) {
        return null;
      }
      for (HeldTransaction h : finished.dead()) {
        if (h.tracking[0] != Tracking.NONE && h.tracking[0] <= last) {
          if (out.size() == limit) {
            return null;
          }
          out.add(h.record);
        }
      }
      return out;
    }
  }
}
