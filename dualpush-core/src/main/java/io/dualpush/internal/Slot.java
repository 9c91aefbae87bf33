package io.dualpush.internal;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.Timeout;
import dev.failsafe.TimeoutExceededException;
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
import java.util.concurrent.ScheduledExecutorService;

/**
 * One destination with its resilience policies: per-attempt timeout (interrupting the attempt),
 * retry with exponential backoff and jitter for transient failures, and a circuit breaker. Failsafe
 * stays in here; nothing outside the engine sees its types.
 */
final class Slot {
  final DestinationOptions options;
  final Destination destination;
  private final CircuitBreaker<PutResult> breaker;
  private final FailsafeExecutor<PutResult> writer;

  Slot(DestinationOptions options, Destination destination, RetryOptions retry,
      CircuitBreakerOptions cb, ScheduledExecutorService scheduler) {
    this.options = options;
    this.destination = destination;
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
    Timeout<PutResult> timeout = Timeout.<PutResult>builder(options.timeout()).withInterrupt().build();
    this.writer = Failsafe.with(retryPolicy, breaker, timeout).with(scheduler);
  }

  String id() {
    return options.id();
  }

  /** Writes with timeout, retries and circuit breaker; completes with the last outcome. */
  CompletableFuture<PutResult> put(WriteRequest request) {
    return writer.getAsync(() -> destination.put(request));
  }

  boolean circuitOpen() {
    return breaker.isOpen();
  }

  static boolean isTransient(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof DestinationException d) {
      return d.isTransient();
    }
    return t instanceof TimeoutExceededException || t instanceof IOException || t instanceof UncheckedIOException;
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
    if (t instanceof TimeoutExceededException) {
      return "timed out after " + options.timeout().toMillis() + " ms";
    }
    if (t instanceof CircuitBreakerOpenException) {
      return "circuit breaker open";
    }
    if (t instanceof DestinationException d) {
      return (d.isTransient() ? "transient: " : "permanent: ") + d.getMessage();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
