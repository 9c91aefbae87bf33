package io.dualpush.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Enforces per-attempt timeouts by interrupting the thread running an attempt once its deadline
 * passes. One timer scan every few milliseconds replaces a scheduled task per attempt, which at tens
 * of thousands of writes a second made the scheduler's queue the bottleneck.
 */
final class Watchdog {
  static final Duration RESOLUTION = Duration.ofMillis(5);

  private final Map<Thread, Attempt> running = new ConcurrentHashMap<>();

  /** Thrown when an attempt ran past its deadline and was interrupted. */
  static final class AttemptTimedOutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AttemptTimedOutException(Duration timeout) {
      super("attempt timed out after " + timeout.toMillis() + " ms", null, false, false);
    }
  }

  private static final class Attempt {
    final Thread thread;
    final long deadline;
    boolean timedOut;
    boolean done;

    Attempt(Thread thread, long deadline) {
      this.thread = thread;
      this.deadline = deadline;
    }
  }

  Watchdog(ScheduledExecutorService timer) {
    long every = RESOLUTION.toNanos();
    timer.scheduleWithFixedDelay(this::scan, every, every, TimeUnit.NANOSECONDS);
  }

  /** Runs {@code call} on this thread, interrupting it when it runs past {@code timeout}. */
  <T> T call(Duration timeout, Supplier<T> call) {
    Thread self = Thread.currentThread();
    Attempt attempt = new Attempt(self, System.nanoTime() + timeout.toNanos());
    running.put(self, attempt);
    RuntimeException failure = null;
    T result = null;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      running.remove(self);
      synchronized (attempt) {
        attempt.done = true;
        if (attempt.timedOut) {
          // The interrupt was ours, not the pool's: clear it so the thread's next task is unaffected.
          Thread.interrupted();
        }
      }
    }
    if (attempt.timedOut) {
      throw new AttemptTimedOutException(timeout);
    }
    if (failure != null) {
      throw failure;
    }
    return result;
  }

  private void scan() {
    long now = System.nanoTime();
    for (Attempt a : running.values()) {
      if (now - a.deadline >= 0) {
        synchronized (a) {
          if (!a.done && !a.timedOut) {
            a.timedOut = true;
            a.thread.interrupt();
          }
        }
      }
    }
  }
}
