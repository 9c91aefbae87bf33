package io.dualpush.log;

import io.dualpush.spi.LogEntry;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * When the group-commit writer waits for a batch to grow before it syncs, and for how long. Only
 * the writer thread uses it.
 *
 * <p>Waiting pays when other appenders are active: their durable appends then share one sync
 * instead of paying for one each. The sync is most of what a durable append costs (a
 * {@code Started} record per push), so this is where a log under concurrent pushes saves CPU. It
 * never pays for a single appender, whose next append comes only after this one returns. And the
 * wait is added to the push that waits: a job with a fixed number of pushes in flight goes only as
 * fast as each push, so a wait must be small beside the push. The rule is PostgreSQL's
 * {@code commit_delay} / {@code commit_siblings}, with the siblings and the delay measured rather than
 * configured:
 *
 * <ul>
 *   <li><b>Siblings.</b> The writer waits only when durable appends came from at least two threads
 *       recently (within four copy times, or 10 ms). One thread pushing object after object never
 *       waits.
 *   <li><b>How long.</b> By default at most an eighth of the time a copy takes, measured in the log
 *       itself as the time from a transaction's {@code Started} record to its first copy outcome (an
 *       EWMA), and never longer than 5 ms. A push to a remote destination (tens of milliseconds) waits
 *       a few milliseconds; one whose copies take under 8 ms, as to a local directory, does not wait
 *       (a wait under a millisecond is not made); none waits before a copy time is known. A window the application set is waited in
 *       full (still only with siblings), also by a batch of buffered records only, so that the
 *       durable ones arriving meanwhile share its sync: the fixed window a PostgreSQL-style
 *       {@code commit_delay} is. By default only a batch that holds a durable append waits: a
 *       buffered one needs no sync, and its appender would wait for nothing.
 *   <li><b>Stopping early.</b> The wait ends once every recently active thread has an append in the
 *       batch: nobody else can come.
 *   <li><b>Backing off.</b> A wait during which nothing joined the batch is wasted. That happens to
 *       pushes that are sequential but run on different threads (a pool taking one push at a time),
 *       which look like siblings. After a wasted wait the writer skips the next 2, 4, ... up to 64
 *       batches before it tries again, so such a job pays for at most one wait in 64 batches. The
 *       first useful wait resets this.
 * </ul>
 *
 * <p>A window of zero turns waiting off entirely.
 */
final class CommitWindow {
  /** A thread that appended within this long counts as active, however quick the copies. */
  private static final long MIN_ACTIVE_NANOS = 10_000_000L;
  /** Longer times from a start to its first copy are outages, not how long a copy takes. */
  private static final long MAX_COPY_NANOS = 1_000_000_000L;
  /** The wait is at most this fraction of the time a copy takes. */
  private static final long COPY_FRACTION = 8;
  /** Starts remembered at most while their first copy outcome is awaited. */
  private static final int MAX_STARTS = 4096;
  /**
   * No shorter wait: the writer waits on a monitor, whose timed wait rounds up to whole
   * milliseconds, so a shorter one would hold the batch a millisecond anyway.
   */
  private static final long MIN_WAIT_NANOS = 1_000_000L;
  private static final int MAX_BACKOFF_SHIFT = 6;
  /** Threads remembered at most; beyond it the idle ones are forgotten. */
  private static final int MAX_THREADS = 512;

  private final long maxNanos;
  private final boolean scaled;
  /** Each thread's last durable append (its submission time). */
  private final Map<Thread, Long> lastDurable = new HashMap<>();
  /** When each recent transaction's start was appended, until its first copy outcome arrives. */
  private final Map<String, Long> startedAt = new HashMap<>();
  /** EWMA of the time from a transaction's start to its first copy outcome (a copy's write); 0 before the first. */
  private long copyNanos;
  private int skip;
  private int backoffShift;
  private long waits;
  private long wasted;

  /**
   * @param maxNanos the longest wait; zero for none
   * @param scaled whether the wait is held to an eighth of a copy's time and only batches with a
   *     durable append wait (the default window), or the whole {@code maxNanos} is waited by any
   *     batch (a window the application set)
   */
  CommitWindow(long maxNanos, boolean scaled) {
    this.maxNanos = maxNanos;
    this.scaled = scaled;
  }

  /** Notes an append the writer took from the queue. */
  void observe(GroupCommit.Pending p) {
    if (maxNanos == 0) {
      return;
    }
    if (p.entry instanceof LogEntry.Started) {
      if (startedAt.size() >= MAX_STARTS) {
        startedAt.clear(); // starts whose copies never reported (failed pushes): begin again
      }
      startedAt.put(p.entry.transactionId(), p.submitted);
    } else if (p.entry instanceof LogEntry.CopyUpdated) {
      Long start = startedAt.remove(p.entry.transactionId());
      if (start != null) {
        long copy = Math.min(p.submitted - start, MAX_COPY_NANOS);
        if (copy > 0) {
          copyNanos = copyNanos == 0 ? copy : copyNanos + (copy - copyNanos) / 8;
        }
      }
    }
    if (!p.durable) {
      return;
    }
    if (lastDurable.put(p.thread, p.submitted) == null && lastDurable.size() > MAX_THREADS) {
      forgetIdle(System.nanoTime());
    }
  }

  /**
   * How long to wait for {@code batch} to grow, in nanoseconds from now; zero for not at all.
   * Counts one batch against a back-off.
   */
  long waitFor(List<GroupCommit.Pending> batch) {
    if (maxNanos == 0 || (scaled && !anyDurable(batch))) {
      return 0;
    }
    if (skip > 0) {
      skip--;
      return 0;
    }
    long now = System.nanoTime();
    if (active(now) < 2) {
      return 0;
    }
    long wait = scaled ? Math.min(maxNanos, copyNanos / COPY_FRACTION) : maxNanos;
    if (wait < MIN_WAIT_NANOS) {
      return 0;
    }
    waits++;
    return wait;
  }

  /** Whether every thread active just now already has an append in {@code batch}, so nobody else is coming. */
  boolean everyoneIn(List<GroupCommit.Pending> batch) {
    long now = System.nanoTime();
    int active = active(now);
    if (batch.size() < active) {
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
    return now - last <= Math.max(MIN_ACTIVE_NANOS, 4 * copyNanos);
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

  private static boolean anyDurable(List<GroupCommit.Pending> batch) {
    for (GroupCommit.Pending p : batch) {
      if (p.durable) {
        return true;
      }
    }
    return false;
  }
}
