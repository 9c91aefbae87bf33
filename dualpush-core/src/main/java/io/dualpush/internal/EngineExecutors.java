package io.dualpush.internal;

import io.dualpush.ClientClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * Work given to {@link #supply} that the stopped work threads drop is failed by {@link #failPending}
 * with a {@link ClientClosedException}; so is every future that went through {@link #track}. A push's
 * future is not tracked here (a map entry put and removed per push cost more than anything else the
 * engine does for {@code close()}): its flight is, in the engine's map of pushes in flight, which
 * {@code PushEngine.close()} fails after {@link #failPending}, checking {@link #closing()} for a flight
 * that arrives during it. Thread-safe.
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
  /** The {@link Supply} tasks {@link #shutdownNow} took off the work queue, for {@link #failPending}. Guarded by this. */
  private final List<Supply<?>> dropped = new ArrayList<>();

  /**
   * A task of {@link #supply}: the engine's own, rather than {@code supplyAsync}'s, so that one the
   * stopped work threads drop can be found in the list {@code shutdownNow()} returns and failed.
   */
  private static final class Supply<T> implements Runnable {
    final CompletableFuture<T> future = new CompletableFuture<>();
    private final Supplier<T> body;
    private final Object operation;

    Supply(Supplier<T> body, Object operation) {
      this.body = body;
      this.operation = operation;
    }

    @Override
    public void run() {
      if (future.isDone()) {
        return;
      }
      try {
        future.complete(body.get());
      } catch (Throwable t) {
        // Wrapped as supplyAsync wraps it, so that dependent stages see what they always saw.
        future.completeExceptionally(t instanceof CompletionException ? t : new CompletionException(t));
      }
    }

    void fail() {
      EngineExecutors.fail(future, operation);
    }
  }

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
    Supply<T> task = new Supply<>(body, operation);
    try {
      work.execute(task);
      return task.future;
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new ClientClosedException(operation.toString()));
    }
  }

  /** Futures handed out and not yet complete, for tests and diagnostics. */
  int pendingCount() {
    return pending.size();
  }

  /**
   * Whether {@link #failPending} has begun: a future that joins a set of pending ones after this is
   * true must fail itself, as the sweep may have missed it.
   */
  boolean closing() {
    return closing;
  }

  /**
   * Completes every tracked future still pending, and the futures of work the stopped work threads
   * dropped, with a {@link ClientClosedException}; later tracked ones too.
   */
  void failPending() {
    closing = true;
    List<Supply<?>> never;
    synchronized (this) {
      never = new ArrayList<>(dropped);
      dropped.clear();
    }
    for (Supply<?> task : never) {
      task.fail();
    }
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
    List<Runnable> queued = work.shutdownNow();
    timer.shutdownNow();
    synchronized (this) {
      for (Runnable r : queued) {
        if (r instanceof Supply<?> task) {
          dropped.add(task);
        }
      }
    }
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
