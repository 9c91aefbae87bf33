package io.dualpush.internal;

import io.dualpush.CircuitBreakerOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One destination's circuit breaker, on the engine's injected {@link Clock} so that tests moving a
 * manual clock, and operators reading its state, see the same time the rest of the engine does.
 *
 * <p>Closed, it lets every call through and counts consecutive failures; after
 * {@link CircuitBreakerOptions#failureThreshold()} of them it opens, remembering when and the
 * failure that opened it. Open, it refuses every call with a {@link CircuitOpenException} naming
 * that cause, until {@link CircuitBreakerOptions#openDelay()} has passed on the clock; it is then
 * half-open and lets one trial call through (others are refused while it runs): success closes it,
 * failure opens it again from now. {@link #reset()} closes it at once.
 *
 * <p>Every call let through by {@link #acquire()} must be followed by exactly one
 * {@link #onSuccess()} or {@link #onFailure}; a call abandoned at its deadline is a failure. A
 * success reported while open (a call let through before the breaker opened) changes nothing.
 *
 * <p>Thread-safe: every method synchronizes on the breaker; none blocks.
 */
final class CircuitBreaker {
  /** Where the breaker stands. */
  enum State { CLOSED, OPEN, HALF_OPEN }

  /**
   * The breaker at one instant: its state and since when, the consecutive failures counted, and
   * for an open or half-open breaker the failure that opened it (its description, never a secret,
   * and its exception).
   */
  record Snapshot(State state, Instant since, int consecutiveFailures, String openingCause,
      Optional<Throwable> openingException) {}

  /**
   * Told of the breaker's changes that matter to operators: it opened from closed (the destination is
   * down), or it closed after being open or half-open (the destination is back). Called with the
   * breaker's lock held, so that changes arrive in the order they happened; it must return quickly
   * and must not call back into the breaker from another thread.
   */
  interface StateListener {
    /**
     * @param down whether the breaker has just opened (else it has just closed)
     * @param after the breaker after the change
     * @param downFor for a closing, how long since it opened; zero for an opening
     */
    void changed(boolean down, Snapshot after, Duration downFor);
  }

  private static final StateListener NO_LISTENER = (down, after, downFor) -> { };

  private final String destinationId;
  private final int failureThreshold;
  private final Duration openDelay;
  private final Clock clock;

  private State state = State.CLOSED;
  private Instant since;
  private int failures;
  private int failuresWhenOpened;
  private String openingCause = "";
  private @Nullable Throwable openingException;
  private boolean trialRunning;
  private long closings;
  /** When the breaker last opened from closed: a closing reports how long the destination was down. */
  private Instant downSince;
  private volatile StateListener listener = NO_LISTENER;

  CircuitBreaker(String destinationId, CircuitBreakerOptions options, Clock clock) {
    this.destinationId = destinationId;
    this.failureThreshold = options.failureThreshold();
    this.openDelay = options.openDelay();
    this.clock = clock;
    this.since = clock.instant();
    this.downSince = since;
  }

  /** Sets who is told of openings and closings (see {@link StateListener}); replaces the previous one. */
  void onStateChange(StateListener listener) {
    this.listener = listener;
  }

  /** Lets one call through, or refuses it with a {@link CircuitOpenException}. */
  synchronized void acquire() {
    halfOpenIfDue();
    switch (state) {
      case CLOSED -> {
        return;
      }
      case HALF_OPEN -> {
        if (!trialRunning) {
          trialRunning = true;
          return;
        }
        throw refusal();
      }
      default -> throw refusal();
    }
  }

  /** A call let through succeeded. */
  synchronized void onSuccess() {
    switch (state) {
      case CLOSED -> failures = 0;
      case HALF_OPEN -> close();
      default -> {
        // Let through before the breaker opened: the failures since are the fresher news.
      }
    }
  }

  /**
   * A call let through failed with {@code error}, described (for the refusals' messages) as
   * {@code description}, which must hold no secret.
   */
  synchronized void onFailure(Throwable error, String description) {
    failures++;
    switch (state) {
      case CLOSED -> {
        if (failures >= failureThreshold) {
          open(error, description);
        }
      }
      case HALF_OPEN -> open(error, description);
      default -> {
        // Already open: the cause that opened it stays the one reported.
      }
    }
  }

  /** Closes the breaker now, whatever its state, forgetting the failures counted. */
  synchronized void reset() {
    if (state == State.CLOSED) {
      // Still news for work waiting on a stuck destination, say: a reset always counts as a closing.
      closings++;
    }
    close();
  }

  /**
   * Whether {@link #acquire()} would refuse a call now: the breaker is open, or half-open with its
   * one trial call running. Work that would only be refused can wait instead of being tried.
   */
  synchronized boolean refusesNow() {
    halfOpenIfDue();
    return state == State.OPEN || (state == State.HALF_OPEN && trialRunning);
  }

  /** Whether the breaker is half-open now, with or without its trial call running. */
  synchronized boolean isHalfOpen() {
    halfOpenIfDue();
    return state == State.HALF_OPEN;
  }

  /**
   * How many times the breaker has closed after being open or half-open (its trial call
   * succeeded), or been {@linkplain #reset() reset}: a change tells work held back by the breaker
   * that it may go now.
   */
  synchronized long closings() {
    return closings;
  }

  synchronized Snapshot snapshot() {
    halfOpenIfDue();
    return new Snapshot(state, since, failures, openingCause, Optional.ofNullable(openingException));
  }

  synchronized boolean isOpen() {
    halfOpenIfDue();
    return state == State.OPEN;
  }

  private void halfOpenIfDue() {
    if (state == State.OPEN) {
      Instant due = since.plus(openDelay);
      if (!clock.instant().isBefore(due)) {
        state = State.HALF_OPEN;
        since = due;
        trialRunning = false;
      }
    }
  }

  private void open(Throwable error, String description) {
    boolean wasClosed = state == State.CLOSED;
    state = State.OPEN;
    since = clock.instant();
    failuresWhenOpened = failures;
    openingCause = description;
    openingException = error;
    trialRunning = false;
    if (wasClosed) {
      downSince = since;
      notifyListener(true, Duration.ZERO);
    }
  }

  private void close() {
    boolean wasDown = state != State.CLOSED;
    if (wasDown) {
      closings++;
    }
    state = State.CLOSED;
    since = clock.instant();
    failures = 0;
    failuresWhenOpened = 0;
    openingCause = "";
    openingException = null;
    trialRunning = false;
    if (wasDown) {
      Duration downFor = Duration.between(downSince, since);
      notifyListener(false, downFor.isNegative() ? Duration.ZERO : downFor);
    }
  }

  private void notifyListener(boolean down, Duration downFor) {
    try {
      listener.changed(down, new Snapshot(state, since, failures, openingCause, Optional.ofNullable(openingException)),
          downFor);
    } catch (RuntimeException e) {
      // The breaker's own state is already changed; a listener's failure must not undo a call's outcome.
      org.slf4j.LoggerFactory.getLogger(CircuitBreaker.class).warn("State listener of {} threw", destinationId, e);
    }
  }

  private CircuitOpenException refusal() {
    // A half-open breaker was last opened openDelay before it turned half-open.
    Instant openedAt = state == State.HALF_OPEN ? since.minus(openDelay) : since;
    return new CircuitOpenException(destinationId, openedAt, failuresWhenOpened, openingCause, openingException,
        state == State.HALF_OPEN);
  }
}
