package io.dualpush.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Runs tasks on several threads released together, for the contract suites' race tests. Every
 * thread is ended before returning, whatever happens.
 */
final class Concurrently {
  /** How long a race may take before the test fails instead of hanging. */
  static final Duration BOUND = Duration.ofSeconds(60);

  private Concurrently() {}

  /** Runs {@code task(i)} for i in [0, threads) at once and returns the results in index order. */
  static <T> List<T> run(int threads, IntFunction<Callable<T>> task) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>(threads);
      for (int i = 0; i < threads; i++) {
        Callable<T> c = task.apply(i);
        futures.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return c.call();
        }));
      }
      if (!ready.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("threads did not start within " + BOUND);
      }
      go.countDown();
      List<T> results = new ArrayList<>(threads);
      for (Future<T> f : futures) {
        try {
          results.add(f.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
          throw new AssertionError("a concurrent task failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
          throw new AssertionError("a concurrent task did not finish within " + BOUND, e);
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
