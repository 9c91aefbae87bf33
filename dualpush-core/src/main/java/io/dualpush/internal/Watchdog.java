package io.dualpush.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices calls that run past their deadline: one timer scan over the calls it watches, at the
 * earliest of their deadlines (never sooner than {@link #RESOLUTION} after the previous scan),
 * instead of a scheduled task per call, which at tens of thousands of writes a second made the
 * scheduler's queue the bottleneck. With nothing watched nothing is scheduled: an idle client's
 * timer sleeps. What happens to an overdue call is the call's business ({@link Overdue#expire()});
 * the watchdog only guarantees that {@code expire()} runs at most once per {@link #watch}, on the
 * timer's thread, soon after the deadline. Thread-safe.
 */
final class Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
  static final Duration RESOLUTION = Duration.ofMillis(5);

  private final Set<Overdue> watched = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  // Guarded by this; read without it on the fast path of watch(), hence volatile.
  private volatile boolean scheduled;
  private volatile long wakeAt;
  private @Nullable ScheduledFuture<?> pending;
  private long scans;

  /** Something with a deadline on {@link System#nanoTime()}'s scale. */
  interface Overdue {
    long deadlineNanos();

    /** Called once, on the timer's thread, when the deadline has passed; must not block. */
    void expire();
  }

  Watchdog(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  void watch(Overdue call) {
    watched.add(call);
    long deadline = call.deadlineNanos();
    // Almost every call: a scan is already due no later than this deadline. A scan that starts
    // after the add sees the call (see scan()), so skipping the lock here loses nothing.
    if (scheduled && deadline - wakeAt >= 0) {
      return;
    }
    synchronized (this) {
      if (!scheduled || deadline - wakeAt < 0) {
        wakeAt(deadline);
      }
    }
  }

  void unwatch(Overdue call) {
    watched.remove(call);
  }

  /** Scans run so far, for tests: an idle watchdog runs none. */
  synchronized long scans() {
    return scans;
  }

  /** Schedules the next scan at {@code deadline}, replacing a later one. Called with the lock held. */
  private void wakeAt(long deadline) {
    if (pending != null) {
      pending.cancel(false);
    }
    long delay = Math.max(0, deadline - System.nanoTime());
    try {
      pending = timer.schedule(this::scan, delay, TimeUnit.NANOSECONDS);
      wakeAt = deadline;
      scheduled = true;
    } catch (RejectedExecutionException e) {
      // Closing: the calls still watched are failed by their bulkhead's shutdown.
      pending = null;
      scheduled = false;
    }
  }

  private void scan() {
    synchronized (this) {
      // From here on a watch() schedules its own scan unless this one has done so: this scan's
      // iteration may not see calls added while it runs.
      scheduled = false;
      pending = null;
      scans++;
    }
    long now = System.nanoTime();
    boolean any = false;
    long earliest = 0;
    for (Overdue call : watched) {
      long deadline = call.deadlineNanos();
      // Removing first makes expire() once-only even if unwatch() races with the scan.
      if (now - deadline >= 0) {
        if (watched.remove(call)) {
          try {
            call.expire();
          } catch (RuntimeException e) {
            LOG.error("Expiring an overdue call failed", e);
          }
        }
      } else if (!any || deadline - earliest < 0) {
        any = true;
        earliest = deadline;
      }
    }
    if (!any) {
      return;
    }
    long next = Math.max(earliest - now, RESOLUTION.toNanos()) + now;
    synchronized (this) {
      if (!scheduled || next - wakeAt < 0) {
        wakeAt(next);
      }
    }
  }
}
