package io.dualpush.internal;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationException;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Destination;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One destination with its own threads (a bulkhead: a slow or failing region cannot starve the
 * others) and its resilience policies: a per-attempt timeout that interrupts the attempt, retry with
 * exponential backoff and jitter for transient failures, and a circuit breaker. Failsafe stays in
 * here; nothing outside the engine sees its types.
 */
final class Slot {
  final DestinationOptions options;
  final Destination destination;
  final ThreadPoolExecutor pool;
  private final Watchdog watchdog;
  private final CircuitBreaker<PutResult> breaker;
  private final FailsafeExecutor<PutResult> writer;

  Slot(DestinationOptions options, Destination destination, RetryOptions retry, CircuitBreakerOptions cb,
      int threads, Watchdog watchdog) {
    this.options = options;
    this.destination = destination;
    this.watchdog = watchdog;
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        PushEngine.threads("dualpush-io-" + options.id()));
    this.pool.allowCoreThreadTimeOut(true);
    RetryPolicy<PutResult> retryPolicy = RetryPolicy.<PutResult>builder()
        .handleIf(Slot::isTransient)
        .withMaxAttempts(retry.maxAttempts())
        .withBackoff(retry.initialDelay().toNanos(), Math.max(retry.initialDelay().toNanos() + 1, retry.maxDelay().toNanos()), ChronoUnit.NANOS)
        .withJitter(retry.jitter())
        .build();
    this.breaker = CircuitBreaker.<PutResult>builder()
        .handleIf(e -> !(e instanceof CircuitBreakerOpenException))
        .withFailureThreshold(cb.failureThreshold())
        .withDelay(cb.openDelay())
        .build();
    this.writer = Failsafe.with(retryPolicy, breaker);
  }

  String id() {
    return options.id();
  }

  /** Writes on this destination's threads with timeout, retries and circuit breaker. */
  CompletableFuture<PutResult> put(WriteRequest request) {
    return supply(() -> writer.get(() -> watchdog.call(options.timeout(), () -> destination.put(request))));
  }

  /** Runs {@code call} on this destination's threads, bounded by its timeout. */
  <T> CompletableFuture<T> supply(Supplier<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      pool.execute(() -> {
        try {
          result.complete(call.get());
        } catch (Throwable t) {
          result.completeExceptionally(unwrap(t));
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  boolean circuitOpen() {
    return breaker.isOpen();
  }

  static boolean isTransient(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof DestinationException d) {
      return d.isTransient();
    }
    return t instanceof Watchdog.AttemptTimedOutException || t instanceof IOException || t instanceof UncheckedIOException;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException
        || t instanceof dev.failsafe.FailsafeException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** A one-line reason for a failed copy, for the log and receipts; never a secret. */
  String describeFailure(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof Watchdog.AttemptTimedOutException) {
      return "timed out after " + options.timeout().toMillis() + " ms";
    }
    if (t instanceof CircuitBreakerOpenException) {
      return "circuit breaker open";
    }
    if (t instanceof RejectedExecutionException) {
      return "client closed";
    }
    if (t instanceof DestinationException d) {
      return (d.isTransient() ? "transient: " : "permanent: ") + d.getMessage();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
