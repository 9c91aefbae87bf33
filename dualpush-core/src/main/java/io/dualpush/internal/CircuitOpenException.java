package io.dualpush.internal;

import io.dualpush.DestinationException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * A call on a destination was refused, without being made, by its open {@link CircuitBreaker}.
 * The message says since when the breaker is open, after how many consecutive failures, and the
 * failure that opened it; {@link #getCause()} is that failure's exception. A refusal is not a
 * failure of the destination: it does not count toward the breaker, is not retried in line, and
 * the engine can tell it apart from a call that failed. Immutable.
 */
final class CircuitOpenException extends DestinationException {
  private static final long serialVersionUID = 1L;
  private final Instant openedAt;

  CircuitOpenException(String destinationId, Instant openedAt, int failures, String openingCause,
      @Nullable Throwable cause, boolean trialRunning) {
    super(destinationId, true, "circuit breaker open since " + openedAt.truncatedTo(ChronoUnit.SECONDS) + " after "
        + failures + " failure" + (failures == 1 ? "" : "s") + "; last: " + openingCause
        + (trialRunning ? "; a trial call is running" : ""), cause);
    this.openedAt = openedAt;
  }

  /** When the breaker opened. */
  Instant openedAt() {
    return openedAt;
  }

  /** A refusal: the stack of the thread that refused says nothing about the destination. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
