package io.dualpush.internal;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One destination's own threads, on which every call the engine makes there runs (put, head and
 * get, probe): a slow or failing destination cannot starve the others, and no call can hold up
 * the engine past its deadline.
 *
 * <p>A thread blocked in the kernel (a frozen file system, a dead NFS mount) ignores interrupts,
 * so a deadline cannot be enforced by interrupting and waiting. Instead, when a call's deadline
 * passes its future fails at once with a {@link CallTimedOutException} ("timed out after N ms"),
 * and the call is <em>abandoned</em>: its thread is interrupted (which ends calls that do respond)
 * and left to return whenever it can; what it returns then is discarded, never recorded.
 *
 * <p>Abandoned calls are bounded both ways. Each abandoned thread is replaced, so the bulkhead
 * keeps its capacity, up to as many replacements as it has threads. While that many calls are
 * abandoned and not yet returned, new calls fail at once with a {@link DestinationStuckException}
 * ("destination stuck: 4 calls have not returned for 37 s") instead of queueing behind them. Live
 * threads therefore never exceed twice the bulkhead's size (the count of abandoned calls may pass
 * the cap by calls that started before it was reached and were abandoned after). When an abandoned
 * call returns, its thread goes back and the pool shrinks to size again. Threads are daemons:
 * {@link #awaitTermination} never waits for abandoned ones, so closing never hangs on them.
 *
 * <p>Thread-safe. A call's future completes on the bulkhead's thread that ran it, or, when it
 * times out, on the {@code completions} executor (never on the watchdog's timer thread, which
 * must stay free to notice the next deadline).
 */
final class Bulkhead {
  private static final Logger LOG = LoggerFactory.getLogger(Bulkhead.class);

  private final String destinationId;
  private final int threads;
  private final int maxAbandoned;
  private final ThreadPoolExecutor pool;
  private final Watchdog watchdog;
  private final Executor completions;

  // Guarded by this.
  private final Set<Call<?>> abandoned = new LinkedHashSet<>();
  /** abandoned.size(), readable without the lock: every call checks it, and it is almost always 0. */
  private volatile int abandonedCount;
  /** Calls started that have neither returned nor been abandoned. */
  private final AtomicInteger running = new AtomicInteger();

  /**
   * @param threadNames prefix of the threads' names, e.g. {@code dualpush-io-primary}
   * @param completions where a timed-out call's failure is delivered
   */
  Bulkhead(String destinationId, String threadNames, int threads, Watchdog watchdog, Executor completions) {
    this.destinationId = destinationId;
    this.threads = threads;
    this.maxAbandoned = threads;
    this.watchdog = watchdog;
    this.completions = completions;
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        EngineExecutors.threads(threadNames));
    this.pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code body} on one of this bulkhead's threads within {@code timeout} from when it
   * starts. The future fails with a {@link DestinationStuckException} without running the body
   * when too many calls are abandoned, with a {@link CallTimedOutException} at the deadline, and
   * with a {@link RejectedExecutionException} once the bulkhead is shut down.
   */
  <T> CompletableFuture<T> submit(Duration timeout, Supplier<T> body) {
    Call<T> call = new Call<>(timeout, body);
    try {
      pool.execute(call);
    } catch (RejectedExecutionException e) {
      call.result.completeExceptionally(e);
    }
    return call.result;
  }

  /**
   * Whether a call submitted now would be refused as stuck: as many calls as the bulkhead has
   * threads are abandoned and have not returned.
   */
  boolean isStuck() {
    return refusal() != null;
  }

  /** Calls abandoned at their deadline that have not returned yet. */
  synchronized int abandonedCalls() {
    return abandoned.size();
  }

  /** Stops taking calls, interrupts the running ones, and fails the queued ones with a rejection. */
  void shutdown() {
    List<Runnable> dropped = pool.shutdownNow();
    for (Runnable r : dropped) {
      if (r instanceof Call<?> call) {
        call.result.completeExceptionally(new RejectedExecutionException("client closed"));
      }
    }
  }

  /**
   * Waits until {@code deadline} (on {@link System#nanoTime()}) for the calls still running to end
   * and the threads to stop, but not for abandoned calls, whose daemon threads are left behind.
   * Returns whether every thread stopped.
   */
  boolean awaitTermination(long deadline) throws InterruptedException {
    // Polling: closing is rare, and it spares every call a notification.
    while (running.get() > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 10));
    }
    synchronized (this) {
      if (!abandoned.isEmpty()) {
        LOG.warn("Closing {}: {} call(s) abandoned at their deadline have not returned; leaving their daemon threads behind",
            destinationId, abandoned.size());
        return false;
      }
    }
    return pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private @Nullable DestinationStuckException refusal() {
    if (abandonedCount < maxAbandoned) {
      return null;
    }
    synchronized (this) {
      return abandoned.size() >= maxAbandoned ? stuck() : null;
    }
  }

  private DestinationStuckException stuck() {
    long oldest = System.nanoTime();
    for (Call<?> c : abandoned) {
      oldest = Math.min(oldest, c.startNanos);
    }
    return new DestinationStuckException(destinationId, abandoned.size(), Duration.ofNanos(System.nanoTime() - oldest));
  }

  /** Called with the call's lock held, before its thread is interrupted. */
  private synchronized void abandon(Call<?> call) {
    running.decrementAndGet();
    abandoned.add(call);
    abandonedCount = abandoned.size();
    resize();
  }

  private synchronized void returnedLate(Call<?> call) {
    abandoned.remove(call);
    abandonedCount = abandoned.size();
    resize();
  }

  /**
   * One replacement thread per abandoned call, up to the cap. Growing raises the maximum first and
   * shrinking lowers the core size first, as the pool refuses a core size above its maximum; a
   * shrunk pool retires its surplus threads as they fall idle.
   */
  private void resize() {
    int size = threads + Math.min(abandoned.size(), maxAbandoned);
    if (size > pool.getMaximumPoolSize()) {
      pool.setMaximumPoolSize(size);
      pool.setCorePoolSize(size);
    } else if (size < pool.getMaximumPoolSize()) {
      pool.setCorePoolSize(size);
      pool.setMaximumPoolSize(size);
    }
  }

  /** One call: runs once on a bulkhead thread, and either returns in time or is abandoned. */
  private final class Call<T> implements Runnable, Watchdog.Overdue {
    final CompletableFuture<T> result = new CompletableFuture<>();
    private final Duration timeout;
    private final Supplier<T> body;
    // Written before the call is watched, so before expire() or stuck() can read them.
    private volatile long startNanos;
    private volatile long deadlineNanos;
    private volatile @Nullable Thread thread;
    // Guarded by this call: which of returning and abandoning came first.
    private boolean returned;
    private boolean abandonedAtDeadline;

    Call(Duration timeout, Supplier<T> body) {
      this.timeout = timeout;
      this.body = body;
    }

    @Override
    public long deadlineNanos() {
      return deadlineNanos;
    }

    @Override
    public void run() {
      DestinationStuckException stuck = refusal();
      if (stuck != null) {
        result.completeExceptionally(stuck);
        return;
      }
      // Set before watch(): what a thread puts in the watchdog's concurrent set is visible to its scan.
      thread = Thread.currentThread();
      startNanos = System.nanoTime();
      deadlineNanos = startNanos + timeout.toNanos();
      running.incrementAndGet();
      watchdog.watch(this);
      T value = null;
      Throwable failure = null;
      try {
        value = body.get();
      } catch (Throwable t) {
        failure = t;
      }
      watchdog.unwatch(this);
      boolean late;
      synchronized (this) {
        returned = true;
        late = abandonedAtDeadline;
      }
      if (late) {
        // The interrupt was ours, not the pool's: clear it so the thread's next call is unaffected.
        Thread.interrupted();
        returnedLate(this);
        LOG.debug("A call at {} abandoned after {} ms returned after {} ms; its {} is discarded", destinationId,
            timeout.toMillis(), Duration.ofNanos(System.nanoTime() - startNanos).toMillis(),
            failure == null ? "result" : "failure");
        return;
      }
      running.decrementAndGet();
      if (failure != null) {
        result.completeExceptionally(failure);
        if (failure instanceof VirtualMachineError fatal) {
          // Recorded as the call's failure, and still the JVM's: the host's uncaught-exception
          // handler (a CLI that exits on OutOfMemoryError, say) must see it too.
          throw fatal;
        }
      } else {
        result.complete(value);
      }
    }

    @Override
    public void expire() {
      synchronized (this) {
        Thread running = thread;
        if (returned || abandonedAtDeadline || running == null) {
          return;
        }
        abandonedAtDeadline = true;
        abandon(this);
        running.interrupt();
      }
      CallTimedOutException timedOut = new CallTimedOutException(destinationId, timeout);
      try {
        completions.execute(() -> result.completeExceptionally(timedOut));
      } catch (RejectedExecutionException e) {
        // Closing: nobody else will deliver it.
        result.completeExceptionally(timedOut);
      }
    }
  }

  /** For diagnostics: calls running and abandoned, threads alive. */
  @Override
  public synchronized String toString() {
    return "Bulkhead{" + destinationId + ", running=" + running.get() + ", abandoned=" + abandoned.size()
        + ", threads=" + pool.getPoolSize() + "}";
  }
}
