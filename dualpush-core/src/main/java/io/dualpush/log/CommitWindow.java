package io.dualpush.log;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * When the group-commit writer waits for a batch to grow before it syncs. Only the writer thread
 * uses it.
 *
 * <p>Waiting pays when other appenders are active: their durable appends then share one sync
 * instead of paying for one each. The sync is most of what a durable append costs (a
 * {@code Started} record per push), so this is where a log under concurrent pushes to slow
 * (remote) destinations saves CPU. It never pays for a single appender, whose next append comes only
 * after this one returns, and a wait is added to the push that waits. So there is no window unless
 * the application sets one ({@link SegmentedTransactionLogBuilder#groupCommitWindow}), as with
 * PostgreSQL's {@code commit_delay}, and a window that is set applies itself only with company, in
 * the spirit of {@code commit_siblings}, with the siblings measured rather than configured:
 *
 * <ul>
 *   <li><b>Siblings.</b> The writer waits only when durable appends came from at least two threads
 *       recently (within two of a thread's typical times between them, or 10 ms). One thread
 *       pushing object after object never waits.
 *   <li><b>Which batches.</b> Any batch, also one of buffered records only (copy outcomes): the
 *       {@code Started} records that arrive meanwhile then share its sync. Waiting only for batches
 *       that already hold a durable append saved fewer syncs (0.51 fsyncs per object against 0.41
 *       in the Azure benchmark).
 *   <li><b>Stopping early.</b> The wait ends once every recently active thread has an append in the
 *       batch: nobody else can come.
 *   <li><b>Backing off.</b> A wait during which nothing joined the batch is wasted. That happens to
 *       pushes that are sequential but run on different threads (a pool taking one push at a time),
 *       which look like siblings. After a wasted wait the writer skips the next 2, 4, ... up to 64
 *       batches before it tries again, so such a job pays for at most one wait in 64 batches. The
 *       first useful wait resets this.
 * </ul>
 *
 * <p>A window of zero (the default) turns waiting off entirely.
 */
final class CommitWindow {
  /** A thread that appended within this long counts as active, however short its cycle. */
  private static final long MIN_ACTIVE_NANOS = 10_000_000L;
  /** Longer gaps between one thread's durable appends are pauses, not its cycle. */
  private static final long MAX_CYCLE_NANOS = 1_000_000_000L;
  private static final int MAX_BACKOFF_SHIFT = 6;
  /** Threads remembered at most; beyond it the idle ones are forgotten. */
  private static final int MAX_THREADS = 512;

  private final long maxNanos;
  /** Each thread's last durable append (its submission time). */
  private final Map<Thread, Long> lastDurable = new HashMap<>();
  /** EWMA of the time between two durable appends of one thread; 0 before the first pair. */
  private long cycleNanos;
  private int skip;
  private int backoffShift;
  private long waits;
  private long wasted;

  /** A window of {@code maxNanos}; zero for none. */
  CommitWindow(long maxNanos) {
    this.maxNanos = maxNanos;
  }

  /** Notes an append the writer took from the queue. */
  void observe(GroupCommit.Pending p) {
    if (maxNanos == 0 || !p.durable) {
      return;
    }
    Long previous = lastDurable.put(p.thread, p.submitted);
    if (previous != null) {
      long cycle = Math.min(p.submitted - previous, MAX_CYCLE_NANOS);
      if (cycle > 0) {
        cycleNanos = cycleNanos == 0 ? cycle : cycleNanos + (cycle - cycleNanos) / 8;
      }
    } else if (lastDurable.size() > MAX_THREADS) {
      forgetIdle(System.nanoTime());
    }
  }

  /**
   * How long to wait for {@code batch} to grow, in nanoseconds from now; zero for not at all.
   * Counts one batch against a back-off.
   */
  long waitFor(List<GroupCommit.Pending> batch) {
    if (maxNanos == 0) {
      return 0;
    }
    if (skip > 0) {
      skip--;
      return 0;
    }
    if (active(System.nanoTime()) < 2) {
      return 0;
    }
    waits++;
    return maxNanos;
  }

  /** Whether every thread active just now already has an append in {@code batch}, so nobody else is coming. */
  boolean everyoneIn(List<GroupCommit.Pending> batch) {
    long now = System.nanoTime();
    if (batch.size() < active(now)) {
      return false;
    }
    Map<Thread, Boolean> in = new IdentityHashMap<>();
    for (GroupCommit.Pending p : batch) {
      in.put(p.thread, Boolean.TRUE);
    }
    for (Map.Entry<Thread, Long> e : lastDurable.entrySet()) {
      if (recent(now, e.getValue()) && !in.containsKey(e.getKey())) {
        return false;
      }
    }
    return true;
  }

  /** The outcome of a wait {@link #waitFor} asked for: whether anything joined the batch during it. */
  void waited(boolean joined) {
    if (joined) {
      backoffShift = 0;
      return;
    }
    wasted++;
    backoffShift = Math.min(MAX_BACKOFF_SHIFT, backoffShift + 1);
    skip = 1 << backoffShift;
  }

  /** How many waits the writer made, for tests and diagnostics. */
  long waits() {
    return waits;
  }

  /** How many of them nothing joined. */
  long wasted() {
    return wasted;
  }

  private int active(long now) {
    int n = 0;
    for (Long last : lastDurable.values()) {
      if (recent(now, last)) {
        n++;
      }
    }
    return n;
  }

  private boolean recent(long now, long last) {
    return now - last <= Math.max(MIN_ACTIVE_NANOS, 2 * cycleNanos);
  }

  private void forgetIdle(long now) {
    for (Iterator<Long> it = lastDurable.values().iterator(); it.hasNext(); ) {
      if (!recent(now, it.next())) {
        it.remove();
      }
    }
    if (lastDurable.size() > MAX_THREADS) {
      lastDurable.clear(); // all active: a pool larger than any batch; start counting again
    }
  }
}
