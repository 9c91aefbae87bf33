package io.dualpush.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices calls that run past their deadline: one timer scan every few milliseconds over the calls
 * it watches, instead of a scheduled task per call, which at tens of thousands of writes a second
 * made the scheduler's queue the bottleneck. What happens to an overdue call is the call's business
 * ({@link Overdue#expire()}); the watchdog only guarantees that {@code expire()} runs at most once
 * per {@link #watch}, on the timer's thread, soon after the deadline. Thread-safe.
 */
final class Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);
  static final Duration RESOLUTION = Duration.ofMillis(5);

  private final Set<Overdue> watched = ConcurrentHashMap.newKeySet();

  /** Something with a deadline on {@link System#nanoTime()}'s scale. */
  interface Overdue {
    long deadlineNanos();

    /** Called once, on the timer's thread, when the deadline has passed; must not block. */
    void expire();
  }

  Watchdog(ScheduledExecutorService timer) {
    long every = RESOLUTION.toNanos();
    timer.scheduleWithFixedDelay(this::scan, every, every, TimeUnit.NANOSECONDS);
  }

  void watch(Overdue call) {
    watched.add(call);
  }

  void unwatch(Overdue call) {
    watched.remove(call);
  }

  private void scan() {
    long now = System.nanoTime();
    for (Overdue call : watched) {
      // Removing first makes expire() once-only even if unwatch() races with the scan.
      if (now - call.deadlineNanos() >= 0 && watched.remove(call)) {
        try {
          call.expire();
        } catch (RuntimeException e) {
          // A scan that threw would cancel every later scan: no timeout would ever fire again.
          LOG.error("Expiring an overdue call failed", e);
        }
      }
    }
  }
}
