package io.dualpush.internal;

import io.dualpush.DestinationException;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The whole story of a copy that failed: its message names the first cause (the first attempt's
 * error, or the refusal when no attempt could be made) and what happened after, e.g.
 * {@code transient: Cannot write 'k' in file:/x: IOException No space left on device (3 attempts;
 * then circuit breaker open)}. {@link #getCause()} is the first attempt's exception (or the
 * refusal), later attempts' errors and a final refusal are {@linkplain #getSuppressed() suppressed}.
 * Messages are built only from what destinations reported, which never holds a secret. Immutable
 * once thrown.
 */
final class CopyFailedException extends DestinationException {
  private static final long serialVersionUID = 1L;
  private final int attempts;
  private final transient @Nullable Throwable refusal;

  CopyFailedException(String destinationId, boolean transientFailure, String message, Throwable first,
      List<Throwable> later, int attempts, @Nullable Throwable refusal) {
    super(destinationId, transientFailure, message, first);
    this.attempts = attempts;
    this.refusal = refusal;
    for (Throwable t : later) {
      if (t != first) {
        addSuppressed(t);
      }
    }
    if (refusal != null && refusal != first) {
      addSuppressed(refusal);
    }
  }

  /** Calls actually made on the destination; 0 when the first one was refused. */
  int attempts() {
    return attempts;
  }

  /** What stopped the copy without a call: an open breaker, a stuck destination, a closed client. */
  Optional<Throwable> refusal() {
    return Optional.ofNullable(refusal);
  }

  /** Built after the fact from other exceptions, whose stacks are the ones that matter. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
