package io.dualpush.internal;

import io.dualpush.spi.OpenPage;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open transactions that only the log holds, and the passes that read them back into the
 * {@link RepairQueue}: the part of repair scheduling that keeps the queue bounded however large the
 * backlog. It remembers which destinations such transactions wait for ({@link #miss}); once one of
 * them takes writes, a pass reads the log's open transactions a page per tick
 * ({@link TransactionLog#openPage}) into the room left in the queue, keeping {@code reserve} of it
 * free so that a pass never crowds out the failures of new pushes. A transaction open for the whole
 * of a pass is either taken into the queue or remembered again, so none is ever forgotten; one
 * turned away during a pass is read by the next. Recovery is a pass whose every transaction is due
 * at once.
 *
 * <p>{@link #miss} is thread-safe; everything else runs under the {@link RepairScheduler}'s lock
 * (its tick, or recovery), which is why the pass's position and flags need no more.
 */
final class RepairPass {
  /** The scheduler's logger: the split into classes does not change where operators find these lines. */
  private static final Logger LOG = LoggerFactory.getLogger(RepairScheduler.class);
  /** The most open transactions one page of a pass reads. */
  static final int PAGE = 4096;

  private final TransactionLog log;
  private final RepairQueue queue;
  private final RepairGate gate;
  /** Room a pass leaves free in the queue, for the failures of new pushes. */
  private final int reserve;
  /** Transactions a pass must skip: held by the queue already, or being pushed or repaired. */
  private final Predicate<String> busy;
  /** When a transaction's next round is due by its backoff. */
  private final Function<TransactionRecord, Instant> dueAt;
  /**
   * The destinations (a bit each; every bit for a transaction with none) of open transactions that
   * only the log holds: turned away by a full queue, or skipped by a pass as their destinations
   * refused writes. A pass starts once one of them takes writes.
   */
  private final AtomicLong missed = new AtomicLong();
  /** Where the pass under way continues. */
  private long position;
  private boolean active;
  /** The pass under way is recovery's: what it reads is due at once. */
  private boolean recovery;

  RepairPass(TransactionLog log, RepairQueue queue, RepairGate gate, int reserve, Predicate<String> busy,
      Function<TransactionRecord, Instant> dueAt) {
    this.log = log;
    this.queue = queue;
    this.gate = gate;
    this.reserve = reserve;
    this.busy = busy;
    this.dueAt = dueAt;
  }

  /** Starts recovery's pass: every open transaction in the log is due now, read a page at a time. */
  void recover() {
    active = true;
    recovery = true;
    position = 0;
  }

  /** Whether a pass is under way. */
  boolean active() {
    return active;
  }

  /** Whether a pass is under way and has room to read into: the next tick need not wait. */
  boolean wantsTick() {
    return active && queue.room() > reserve;
  }

  /** A transaction only the log holds now waits for these destinations ({@code 0}: for any). */
  void miss(long targets) {
    long bits = targets == 0 ? -1L : targets;
    missed.getAndUpdate(m -> m | bits);
  }

  /**
   * Reads one page of the log's open transactions into the queue's room, keeping {@code reserve}
   * free; starts a pass when transactions only the log holds wait for a destination that takes
   * writes now. A tick reads one page at most: its cost is bounded by {@link #PAGE}, not the log.
   */
  void refill(Instant now) {
    if (!active) {
      long waiting = missed.get();
      if (waiting == 0 || (waiting & gate.takingMask()) == 0) {
        return;
      }
      // Cleared before the pass reads anything: what is turned away from here on is read by the next pass.
      missed.set(0);
      active = true;
      position = 0;
    }
    // Recovery's pass too: pushes start while it runs, and their failures must find room.
    int room = queue.room() - reserve;
    if (room < Math.max(1, Math.min(PAGE, reserve / 2))) {
      return;
    }
    OpenPage page = log.openPage(position, Math.min(PAGE, room));
    int added = 0;
    for (TransactionRecord r : page.transactions()) {
      String id = r.transactionId();
      if (busy.test(id)) {
        continue;
      }
      long targets = gate.targets(r);
      if (targets != 0 && !gate.anyTakesRepairs(targets)) {
        // It would only be parked: the pass that follows its destination's return reads it then.
        miss(targets);
        continue;
      }
      Instant due = recovery || gate.closedSince(targets, r.updatedAt()) ? now : dueAt.apply(r);
      if (queue.schedule(id, due, r.repairRounds(), targets)) {
        added++;
      } else {
        miss(targets);
      }
    }
    position = page.next();
    if (page.last()) {
      active = false;
      recovery = false;
    }
    if (added > 0) {
      LOG.debug("Repair pass read {} open transaction(s) from the log{}", added, page.last() ? "; pass ended" : "");
    }
  }
}
