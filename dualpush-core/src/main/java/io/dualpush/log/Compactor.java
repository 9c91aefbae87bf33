package io.dualpush.log;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the segments compaction gave up, oldest first, on a thread of its own: a delete (with
 * its directory sync, or its network round trip) never holds up a group commit. Each deletion is
 * durable before the next starts, so what remains is always a suffix of the log. A deletion that
 * fails, or a claim found lost, fails the log (appends are refused until it is reopened): after a
 * failed sync the store's state is unknown, and a writer that lost its claim must not act.
 *
 * <p>Thread-safe.
 */
final class Compactor {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedTransactionLog.class);

  private final LogCore core;
  private final ArrayDeque<LogSegment> queue = new ArrayDeque<>();
  private boolean busy;
  private boolean stopping;
  private Thread thread;

  Compactor(LogCore core) {
    this.core = core;
  }

  /** Queues segments for deletion, oldest first. */
  synchronized void delete(List<LogSegment> segments) {
    if (segments.isEmpty() || stopping) {
      return;
    }
    queue.addAll(segments);
    if (thread == null) {
      thread = new Thread(this::loop, "dualpush-log-compactor " + core.description);
      thread.setDaemon(true);
      thread.start();
    }
    notifyAll();
  }

  /** Waits until every queued deletion is done (or the log failed, or the compactor stopped). */
  synchronized void awaitIdle() {
    boolean interrupted = false;
    while ((busy || !queue.isEmpty()) && !stopping && core.failure == null) {
      try {
        wait();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    while (true) {
      LogSegment next;
      synchronized (this) {
        while (queue.isEmpty() && !stopping) {
          try {
            wait();
          } catch (InterruptedException e) {
            // only stop() ends the loop
          }
        }
        if (stopping) {
          queue.clear();
          notifyAll();
          return;
        }
        next = queue.poll();
        busy = true;
      }
      try {
        if (core.failure == null) {
          core.ensureClaim();
          core.store.delete(next.current());
          synchronized (core.segments) {
            core.segments.remove(next.number());
          }
          LOG.debug("Transaction log {}: compacted {}", core.description, next.name());
        }
      } catch (IOException | RuntimeException e) {
        core.fail(e);
        LOG.error("Transaction log {}: deleting {} failed; refusing further appends until the log is reopened",
            core.description, next.name(), e);
      } finally {
        synchronized (this) {
          busy = false;
          if (core.failure != null) {
            queue.clear();
          }
          notifyAll();
        }
      }
    }
  }

  /**
   * Stops the thread, waiting at most {@code timeoutNanos} in all. With {@code finish}, deletions
   * already queued are done first; without (a simulated crash, or a close that gave up on the
   * writer), they are dropped as a killed process would drop them. A thread still stuck in the store
   * after the timeout is left to end by itself (it is a daemon and deletes nothing more).
   */
  void stop(boolean finish, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    Thread t;
    boolean interrupted = false;
    synchronized (this) {
      long left;
      while (finish && (busy || !queue.isEmpty()) && core.failure == null
          && (left = deadline - System.nanoTime()) > 0) {
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      stopping = true;
      queue.clear();
      notifyAll();
      t = thread;
    }
    long left;
    while (t != null && t.isAlive() && (left = deadline - System.nanoTime()) > 0) {
      try {
        t.join(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
