package io.dualpush.client;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/** Runs a blocking endpoint call on the client's read pool, as a future whose cancellation interrupts the call. */
final class BlockingCalls {
  private BlockingCalls() {}

  static <T> CompletableFuture<T> submit(ExecutorService pool, Callable<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Future<?> task;
    try {
      task = pool.submit(() -> {
        try {
          T value = work.call();
          if (!result.complete(value) && value instanceof Fetched fetched) {
            // Cancelled meanwhile (a hedge that lost, a timeout): an open stream would hold its connection.
            fetched.discard();
          }
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new IllegalStateException("the read pool is full or closed", e));
      return result;
    }
    // A cancelled call stops its thread where the call answers interrupts (java.net.http's send aborts the
    // exchange; a destination's SDK call usually stops).
    result.whenComplete((v, e) -> {
      if (result.isCancelled()) {
        task.cancel(true);
      }
    });
    return result;
  }
}
