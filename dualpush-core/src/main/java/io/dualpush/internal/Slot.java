package io.dualpush.internal;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.DestinationException;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Destination;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One destination and its resilience policies. Every call on it runs in its {@link Bulkhead}
 * (its own threads; a call past the destination's timeout fails at once and is abandoned). A write
 * is retried in line, for transient failures and timeouts, with exponential backoff and jitter
 * per {@link RetryOptions}, waiting on the engine's timer rather than on a thread; each attempt
 * passes the destination's {@link CircuitBreaker} first. A copy that fails is reported with its
 * first cause and what followed ({@link CopyFailedException}). Thread-safe.
 */
final class Slot {
  final DestinationOptions options;
  final Destination destination;
  private final Bulkhead bulkhead;
  private final CircuitBreaker breaker;
  private final RetryOptions retry;
  private final ScheduledExecutorService timer;
  /** Copies waiting on the timer for their next attempt, failed by {@link #shutdown()}. */
  private final Set<Copy> waiting = ConcurrentHashMap.newKeySet();

  Slot(DestinationOptions options, Destination destination, RetryOptions retry, CircuitBreakerOptions cb,
      int threads, Watchdog watchdog, ScheduledExecutorService timer, Clock clock, Executor completions) {
    this.options = options;
    this.destination = destination;
    this.retry = retry;
    this.timer = timer;
    this.bulkhead = new Bulkhead(options.id(), "dualpush-io-" + options.id(), threads, watchdog, completions);
    this.breaker = new CircuitBreaker(options.id(), cb, clock);
  }

  String id() {
    return options.id();
  }

  /**
   * Writes one copy: attempts through the breaker, each bounded by the destination's timeout,
   * retried while transient. Fails with a {@link CopyFailedException}, or a
   * {@link RejectedExecutionException} when the client is closed before any attempt.
   */
  CompletableFuture<PutResult> put(WriteRequest request) {
    Copy copy = new Copy(request);
    copy.attempt();
    return copy.result;
  }

  /**
   * One call on this destination (a head, get or probe) on its threads, bounded by its timeout,
   * without retry or breaker: reads and probes must still reach a destination whose writes the
   * breaker holds off, to tell when it is back.
   */
  <T> CompletableFuture<T> call(Supplier<T> call) {
    return bulkhead.submit(options.timeout(), call);
  }

  /** The breaker's state now, for health and the operator. */
  CircuitBreaker.Snapshot breaker() {
    return breaker.snapshot();
  }

  /** The breaker's state now, as the public API reports it. */
  CircuitBreakerState breakerState() {
    CircuitBreaker.Snapshot s = breaker.snapshot();
    return new CircuitBreakerState(CircuitBreakerState.State.valueOf(s.state().name()), s.since(),
        s.consecutiveFailures(), s.openingCause().isEmpty() ? Optional.empty() : Optional.of(s.openingCause()));
  }

  /**
   * Whether a write submitted now would reach the destination rather than be refused without a
   * call (its breaker open, or half-open with its trial running; the destination stuck). Only a
   * hint: the answer may change before the write runs.
   */
  boolean acceptsWrites() {
    return !breaker.refusesNow() && !bulkhead.isStuck();
  }

  /** Whether the breaker is half-open: the next write is its one trial call. */
  boolean breakerHalfOpen() {
    return breaker.isHalfOpen();
  }

  /** See {@link CircuitBreaker#closings()}. */
  long breakerClosings() {
    return breaker.closings();
  }

  /** Sets who is told when the breaker opens (the destination is down) or closes again. */
  void onStateChange(CircuitBreaker.StateListener listener) {
    breaker.onStateChange(listener);
  }

  /** Closes the breaker now. */
  void resetBreaker() {
    breaker.reset();
  }

  /** Calls abandoned at their deadline that have not returned. */
  int stuckCalls() {
    return bulkhead.abandonedCalls();
  }

  /** Stops taking work; queued calls and copies waiting to retry fail as the client being closed. */
  void shutdown() {
    bulkhead.shutdown();
    for (Copy c : waiting) {
      if (waiting.remove(c)) {
        c.finish(new RejectedExecutionException("client closed"));
      }
    }
  }

  /** See {@link Bulkhead#awaitTermination}. */
  boolean awaitTermination(long deadline) throws InterruptedException {
    return bulkhead.awaitTermination(deadline);
  }

  /**
   * One copy's attempts. Only one thread touches it at a time: each attempt starts after the
   * previous one's outcome was handled, and the hand-offs between them (the bulkhead's pool, the
   * timer, the futures) order their writes.
   */
  private final class Copy {
    final WriteRequest request;
    final CompletableFuture<PutResult> result = new CompletableFuture<>();
    private int attempts;
    private @Nullable Throwable first;
    private final List<Throwable> later = new ArrayList<>(0);

    Copy(WriteRequest request) {
      this.request = request;
    }

    void attempt() {
      // Whether the breaker let this attempt through, so that what it let through is always
      // reported back to it (a half-open breaker waits for its one trial call's outcome).
      AtomicBoolean admitted = new AtomicBoolean();
      bulkhead.submit(options.timeout(), () -> {
        // On the bulkhead's thread, so that a refusal is handled there too, not on the caller's or the timer's.
        breaker.acquire();
        admitted.set(true);
        return destination.put(request);
      }).whenComplete((written, error) -> outcome(written, error, admitted.get()));
    }

    private void outcome(@Nullable PutResult written, @Nullable Throwable error, boolean admitted) {
      if (error == null) {
        breaker.onSuccess();
        result.complete(written);
        return;
      }
      Throwable t = unwrap(error);
      if (!admitted && isRefusal(t)) {
        // No call was made: nothing for the breaker to count.
        finish(t);
        return;
      }
      attempts++;
      if (t instanceof io.dualpush.StaleFencingTokenException) {
        // The destination answered as it should: the writer is stale, not the destination down.
        breaker.onSuccess();
      } else {
        breaker.onFailure(t, describeAttempt(t));
      }
      if (first == null) {
        first = t;
      } else {
        later.add(t);
      }
      if (!isTransient(t) || attempts >= retry.maxAttempts()) {
        finish(null);
        return;
      }
      waiting.add(this);
      try {
        timer.schedule(() -> {
          if (waiting.remove(this)) {
            attempt();
          }
        }, backoff(attempts), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        if (waiting.remove(this)) {
          finish(e);
        }
      }
    }

    /** Fails the copy with its first cause, what followed, and {@code refusal} if one stopped it. */
    void finish(@Nullable Throwable refusal) {
      Throwable cause = first != null ? first : refusal;
      if (cause == null) {
        throw new IllegalStateException("a copy finished without a failure");
      }
      StringBuilder why = new StringBuilder(describeAttempt(cause));
      if (first != null && (attempts > 1 || refusal != null)) {
        List<String> after = new ArrayList<>();
        after.add(attempts + (attempts == 1 ? " attempt" : " attempts"));
        if (!later.isEmpty()) {
          String last = describeAttempt(later.get(later.size() - 1));
          if (!last.equals(describeAttempt(first))) {
            after.add("last: " + last);
          }
        }
        if (refusal != null) {
          after.add("then " + refusalLabel(refusal));
        }
        why.append(" (").append(String.join("; ", after)).append(')');
      }
      boolean transientFailure = cause instanceof DestinationException d ? d.isTransient() : isTransient(cause);
      result.completeExceptionally(new CopyFailedException(id(), transientFailure, why.toString(), cause, later,
          attempts, refusal));
    }
  }

  /** The wait before retry number {@code attempt}: exponential from the initial delay, capped, then jittered. */
  long backoff(int attempt) {
    long initial = retry.initialDelay().toNanos();
    long max = Math.max(initial, retry.maxDelay().toNanos());
    long delay = initial;
    for (int i = 1; i < attempt && delay < max; i++) {
      delay = delay > max / 2 ? max : delay * 2;
    }
    delay = Math.min(delay, max);
    double jitter = retry.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return Math.max(0, (long) (delay * (1 + jitter)));
  }

  /** Whether an in-line retry may help; refusals are never retried in line, where they could not pass. */
  static boolean isTransient(Throwable e) {
    Throwable t = unwrap(e);
    if (isRefusal(t)) {
      return false;
    }
    if (t instanceof DestinationException d) {
      return d.isTransient();
    }
    return t instanceof IOException || t instanceof UncheckedIOException;
  }

  /**
   * Whether a failed write never reached the destination: every attempt it had was refused (by
   * the open breaker, the destination being stuck, the client closing) before any call was made.
   */
  static boolean neverReached(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof CopyFailedException c) {
      return c.attempts() == 0 && c.refusal().isPresent();
    }
    return isRefusal(t);
  }

  /** A call that was never made: refused by an open breaker, a stuck destination, a closed client. */
  static boolean isRefusal(Throwable t) {
    return t instanceof CircuitOpenException || t instanceof DestinationStuckException
        || t instanceof RejectedExecutionException;
  }

  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * A one-line reason for a failed copy or call, for the log and receipts: a copy's whole story
   * ({@link CopyFailedException}), or one attempt's error. Never a secret: it is built only from
   * messages destinations report, which never hold one.
   */
  String describeFailure(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof CopyFailedException c) {
      return c.getMessage();
    }
    return describeAttempt(t);
  }

  private static String describeAttempt(Throwable e) {
    Throwable t = unwrap(e);
    if (t instanceof CallTimedOutException || t instanceof CircuitOpenException || t instanceof DestinationStuckException) {
      return t.getMessage();
    }
    if (t instanceof RejectedExecutionException) {
      return "client closed";
    }
    if (t instanceof DestinationException d) {
      return (d.isTransient() ? "transient: " : "permanent: ") + d.getMessage();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private static String refusalLabel(Throwable refusal) {
    if (refusal instanceof CircuitOpenException) {
      return "circuit breaker open";
    }
    if (refusal instanceof DestinationStuckException) {
      return "destination stuck";
    }
    return "client closed";
  }
}
