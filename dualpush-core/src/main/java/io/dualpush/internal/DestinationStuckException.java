package io.dualpush.internal;

import io.dualpush.DestinationException;
import java.time.Duration;

/**
 * A call on a destination was refused without being made because too many earlier calls there
 * were abandoned and have not returned (a frozen file system, a dead mount): more threads would
 * only pile up behind them (see {@link Bulkhead}). Transient for repair, which may find the
 * destination back later; never retried in line, where it could not be. Immutable.
 */
final class DestinationStuckException extends DestinationException {
  private static final long serialVersionUID = 1L;

  DestinationStuckException(String destinationId, int stuckCalls, Duration oldest) {
    super(destinationId, true, "destination stuck: " + stuckCalls + " call" + (stuckCalls == 1 ? " has" : "s have")
        + " not returned for " + oldest.toSeconds() + " s");
  }

  /** A refusal: the stack of the thread that refused says nothing about the destination. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
