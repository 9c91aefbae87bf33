package io.dualpush.internal;

import io.dualpush.ClientClosedException;
import io.dualpush.PushQueueFullException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The engine's places in flight ({@code maxInFlight}), handed out without blocking anyone: a
 * place that is free is taken at once; otherwise the caller gets a future that completes when a
 * place is released to it, in arrival order. Waiters are bounded: past {@code maxQueued} the
 * future fails at once with {@link PushQueueFullException}, which is the engine's backpressure.
 *
 * <p>A waiter's future completes on the thread that releases the place, so what is chained on it
 * must hand off to an executor rather than do work there (the engine chains a
 * {@code supplyAsync}). Thread-safe.
 */
final class PermitQueue {
  /**
   * What {@link #acquire()} returns when a place was free: one completed future shared by every
   * such call instead of a new one per push. Callers only chain on it; nothing completes it again.
   */
  static final CompletableFuture<Void> TAKEN = CompletableFuture.completedFuture(null);

  private final int permits;
  private final int maxQueued;
  // Guarded by this.
  private int available;
  private final ArrayDeque<CompletableFuture<Void>> waiters = new ArrayDeque<>();
  private boolean closed;

  PermitQueue(int permits, int maxQueued) {
    this.permits = permits;
    this.maxQueued = maxQueued;
    this.available = permits;
  }

  /**
   * A place in flight: completed at once when one is free, later when one is released, failed
   * with {@link PushQueueFullException} when the queue is full or {@link ClientClosedException}
   * once closed. The caller owes exactly one {@link #release()} for a future that completed normally.
   */
  CompletableFuture<Void> acquire() {
    CompletableFuture<Void> f;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new ClientClosedException("waiting for a place in flight"));
      }
      if (available > 0) {
        available--;
        return TAKEN;
      }
      if (waiters.size() >= maxQueued) {
        return CompletableFuture.failedFuture(new PushQueueFullException(permits, maxQueued));
      }
      f = new CompletableFuture<>();
      waiters.add(f);
    }
    return f;
  }

  /** A place now or not at all; never queues (the repair scheduler tries again at its next tick). */
  synchronized boolean tryAcquire() {
    if (closed || available == 0) {
      return false;
    }
    available--;
    return true;
  }

  /** Gives a place back: to the longest waiter if there is one (completed outside the lock). */
  void release() {
    CompletableFuture<Void> next;
    synchronized (this) {
      next = waiters.poll();
      if (next == null) {
        available++;
        notifyAll();
        return;
      }
    }
    if (!next.complete(null)) {
      // Its waiter was failed by close() meanwhile: the place goes to the next one.
      release();
    }
  }

  /** Places free now: none while pushes wait for one. */
  synchronized int available() {
    return closed ? 0 : available;
  }

  /** Places taken now, for stats. */
  synchronized int inUse() {
    return permits - available;
  }

  /** Waiters now, for tests and diagnostics. */
  synchronized int queued() {
    return waiters.size();
  }

  /**
   * Refuses new waiters and fails the queued ones with {@link ClientClosedException}; places
   * already taken are still released as usual, so {@link #awaitAllFree} can drain.
   */
  void close() {
    List<CompletableFuture<Void>> dropped;
    synchronized (this) {
      closed = true;
      dropped = new ArrayList<>(waiters);
      waiters.clear();
    }
    for (CompletableFuture<Void> f : dropped) {
      f.completeExceptionally(new ClientClosedException("push waiting for a place in flight"));
    }
  }

  /** Waits until {@code deadline} (on {@link System#nanoTime()}) for every place to be free. */
  synchronized boolean awaitAllFree(long deadline) throws InterruptedException {
    while (available < permits) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }
}
