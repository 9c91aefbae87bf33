package io.dualpush.internal;

import io.dualpush.DestinationException;
import java.time.Duration;

/**
 * A call on a destination ran past its deadline and was abandoned: it failed at the deadline
 * whether or not its thread ever returns (see {@link Bulkhead}). Transient: a later attempt may
 * succeed. Immutable.
 */
final class CallTimedOutException extends DestinationException {
  private static final long serialVersionUID = 1L;

  CallTimedOutException(String destinationId, Duration timeout) {
    super(destinationId, true, "timed out after " + timeout.toMillis() + " ms");
  }

  /** Raised on the watchdog's thread, whose stack says nothing about the call. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
