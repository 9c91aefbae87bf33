package io.dualpush.internal;

import io.dualpush.ClientClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The engine's own threads, and every future it has handed to a caller.
 *
 * <ul>
 *   <li>{@link #timer}: deadlines and in-line retry backoff; never runs blocking work.</li>
 *   <li>{@link #work}: hashing, log appends, and what follows a copy's outcome.</li>
 *   <li>{@link #repair}: the repair scheduler's ticks.</li>
 * </ul>
 *
 * <p>Why futures are tracked: stopping an executor drops the tasks queued on it, and a future that
 * one of them would have completed then never completes, so a caller blocked on it hangs for ever.
 * Every future returned to a caller goes through {@link #track}; {@link #failPending} completes
 * the ones still pending with a {@link ClientClosedException}. Thread-safe.
 */
final class EngineExecutors {
  final ScheduledThreadPoolExecutor timer;
  final ThreadPoolExecutor work;
  final ScheduledThreadPoolExecutor repair;
  /** Futures handed out and not complete, each with what it is for: a String, or an {@link Op}. */
  private final Map<CompletableFuture<?>, Object> pending = new ConcurrentHashMap<>();

  /** An operation's name in two parts, joined only if a failure needs it (not once per push). */
  record Op(String what, String subject) {
    @Override
    public String toString() {
      return what + " '" + subject + "'";
    }
  }
  private volatile boolean closing;

  EngineExecutors(int workThreads) {
    this.timer = new ScheduledThreadPoolExecutor(1, threads("dualpush-timer"));
    // Cancelled wake-ups of the watchdog must not pile up in the queue until their time.
    this.timer.setRemoveOnCancelPolicy(true);
    this.work = new ThreadPoolExecutor(workThreads, workThreads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        threads("dualpush-push"));
    this.work.allowCoreThreadTimeOut(true);
    this.repair = new ScheduledThreadPoolExecutor(1, threads("dualpush-repair"));
  }

  /**
   * Registers {@code inner}, a future the engine hands to a caller, until it completes; if the
   * client closes first, {@link #failPending} completes it with a {@link ClientClosedException}
   * naming {@code operation}. Returns {@code inner} itself, not a copy: a wrapper per push cost a
   * future and a completion more on the push path. {@code inner} must be a future no part of the
   * engine completes by hand (a dependent stage, such as the result of {@code thenCompose}), so that
   * a caller completing it affects nothing but the caller.
   */
  <T> CompletableFuture<T> track(CompletableFuture<T> inner, Object operation) {
    if (inner.isDone()) {
      return inner;
    }
    pending.put(inner, operation);
    inner.whenComplete((v, e) -> pending.remove(inner));
    if (closing) {
      // Tracked after failPending() ran: nobody else would fail it.
      fail(inner, operation);
    }
    return inner;
  }

  /**
   * Runs {@code body} on the work threads; fails with {@link ClientClosedException} naming
   * {@code operation} (a String, or an {@link Op}) once they are stopped.
   */
  <T> CompletableFuture<T> supply(Supplier<T> body, Object operation) {
    try {
      return CompletableFuture.supplyAsync(body, work);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new ClientClosedException(operation.toString()));
    }
  }

  /** Futures handed out and not yet complete, for tests and diagnostics. */
  int pendingCount() {
    return pending.size();
  }

  /** Completes every tracked future still pending with a {@link ClientClosedException}; later ones too. */
  void failPending() {
    closing = true;
    for (Map.Entry<CompletableFuture<?>, Object> e : new ArrayList<>(pending.entrySet())) {
      fail(e.getKey(), e.getValue());
    }
  }

  private static void fail(CompletableFuture<?> f, Object operation) {
    f.completeExceptionally(new ClientClosedException(operation.toString()));
  }

  /** Stops the repair scheduler from starting ticks; the one running finishes. */
  void stopRepair() {
    repair.shutdown();
  }

  /** Stops every thread: queued tasks are dropped (their futures are failed by {@link #failPending}). */
  void shutdownNow() {
    repair.shutdownNow();
    work.shutdownNow();
    timer.shutdownNow();
  }

  /** Waits until {@code deadline} (on {@link System#nanoTime()}) for the threads to end. */
  boolean awaitTermination(long deadline) throws InterruptedException {
    boolean stopped = true;
    for (ExecutorService e : List.of(repair, work, timer)) {
      stopped &= e.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    return stopped;
  }

  /** Daemon threads named {@code prefix-N}: a client the host forgot to close never keeps the JVM alive. */
  static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
