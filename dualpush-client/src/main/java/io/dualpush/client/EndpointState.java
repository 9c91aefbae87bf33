package io.dualpush.client;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.CircuitBreakerState.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One endpoint's health, shared by every read: latency, a circuit breaker and counters. Thread-safe.
 *
 * <p>The breaker opens after {@code failureThreshold} consecutive failures and, once its open delay has passed (or
 * a background health check reached the endpoint), lets exactly one read through as a probe. The probe's permit is
 * taken only when the read is actually sent, and handed back untouched if that read is cancelled before it answers
 * (a hedge that lost): a probe always reaches the endpoint, and only its answer closes or re-opens the breaker.
 */
final class EndpointState {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointState.class);

  /** How a read may use the endpoint. */
  enum Permit {
    /** The breaker is closed. */
    NORMAL,
    /** The one read let through a half-open breaker. */
    PROBE,
    /** Every better endpoint failed: the breaker is open, but a last try costs less than no answer. */
    LAST_RESORT
  }

  final ReadEndpoint endpoint;
  final EndpointReader reader;
  private final CircuitBreakerOptions breakerOptions;
  private final Clock clock;
  private final LongSupplier ticker;
  private final LatencyWindow latency = new LatencyWindow();
  final LongAdder reads = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder hedges = new LongAdder();

  private volatile boolean active = true;
  private State state = State.CLOSED;
  private Instant since;
  private int consecutiveFailures;
  private @Nullable String openingCause;
  private long openedAtNanos;
  private long lastFailureNanos;
  private boolean failedEver;
  private boolean probeInFlight;
  private long slowUntilNanos;
  private boolean slowEver;
  private @Nullable Instant lastSuccess;
  private @Nullable Instant lastFailure;
  private @Nullable String lastFailureCause;
  private volatile @Nullable Instant lastChecked;

  EndpointState(ReadEndpoint endpoint, EndpointReader reader, CircuitBreakerOptions breakerOptions, Clock clock,
      LongSupplier ticker) {
    this.endpoint = endpoint;
    this.reader = reader;
    this.breakerOptions = breakerOptions;
    this.clock = clock;
    this.ticker = ticker;
    this.since = clock.instant();
  }

  String id() {
    return endpoint.id();
  }

  boolean isActive() {
    return active;
  }

  void setActive(boolean active) {
    if (this.active != active) {
      this.active = active;
      LOG.info("Read endpoint {} ({}) {}", id(), endpoint.describe(), active ? "activated" : "deactivated");
    }
  }

  /**
   * How good a first choice the endpoint is now: 0 when it has not failed recently or its breaker is ready for a
   * probe (which must reach it to close the breaker again), 1 when it failed within the breaker's open delay (behind
   * every endpoint that has not), 2 when its breaker is open and not ready for a probe.
   */
  synchronized int rank() {
    long now = ticker.getAsLong();
    switch (state) {
      case OPEN:
        return now - openedAtNanos >= breakerOptions.openDelay().toNanos() ? 0 : 2;
      case HALF_OPEN:
        return probeInFlight ? 2 : 0;
      default:
        return failedEver && now - lastFailureNanos < breakerOptions.openDelay().toNanos()
            || slowEver && now - slowUntilNanos < 0 ? 1 : 0;
    }
  }

  long ewmaNanos() {
    return latency.ewmaNanos();
  }

  long percentileNanos(double p) {
    return latency.percentileNanos(p);
  }

  int samples() {
    return latency.count();
  }

  /** A permit for one read, or null when the breaker refuses and {@code lastResort} is false. */
  synchronized @Nullable Permit tryAcquire(boolean lastResort) {
    switch (state) {
      case CLOSED:
        return Permit.NORMAL;
      case OPEN:
        if (ticker.getAsLong() - openedAtNanos >= breakerOptions.openDelay().toNanos()) {
          transition(State.HALF_OPEN);
          probeInFlight = true;
          return Permit.PROBE;
        }
        return lastResort ? Permit.LAST_RESORT : null;
      default:
        if (!probeInFlight) {
          probeInFlight = true;
          return Permit.PROBE;
        }
        return lastResort ? Permit.LAST_RESORT : null;
    }
  }

  /** The endpoint answered (with the object, or that it has none). */
  synchronized void onAnswer(long latencyNanos, Permit permit) {
    latency.record(latencyNanos);
    lastSuccess = clock.instant();
    consecutiveFailures = 0;
    if (permit == Permit.PROBE) {
      probeInFlight = false;
    }
    if (state != State.CLOSED) {
      transition(State.CLOSED);
      openingCause = null;
      LOG.info("Read endpoint {} ({}) answers again: circuit closed", id(), endpoint.describe());
    }
  }

  /** The endpoint failed, timed out, or returned a corrupt copy. */
  synchronized void onFailure(String cause, Permit permit) {
    failures.increment();
    failedEver = true;
    lastFailureNanos = ticker.getAsLong();
    lastFailure = clock.instant();
    lastFailureCause = cause;
    consecutiveFailures++;
    if (permit == Permit.PROBE) {
      probeInFlight = false;
    }
    if (state == State.HALF_OPEN && permit == Permit.PROBE
        || state == State.CLOSED && consecutiveFailures >= breakerOptions.failureThreshold()) {
      openedAtNanos = ticker.getAsLong();
      openingCause = cause;
      transition(State.OPEN);
      LOG.warn("Read endpoint {} ({}) failed {} time(s) in a row, circuit open for {}: {}", id(),
          endpoint.describe(), consecutiveFailures, breakerOptions.openDelay(), cause);
    } else {
      LOG.debug("Read endpoint {} failed: {}", id(), cause);
    }
  }

  /**
   * A read here was still running when a hedge to another endpoint answered: the endpoint goes behind the others
   * for the penalty, and the time it had taken counts as a latency (at least that slow).
   */
  synchronized void onLostHedge(long elapsedNanos, long penaltyNanos, Permit permit) {
    latency.record(elapsedNanos);
    if (permit == Permit.PROBE) {
      probeInFlight = false;
    }
    if (penaltyNanos > 0) {
      slowEver = true;
      slowUntilNanos = ticker.getAsLong() + penaltyNanos;
      LOG.debug("Read endpoint {} lost a hedge after {} ms: behind the others for {} ms", id(),
          elapsedNanos / 1_000_000, penaltyNanos / 1_000_000);
    }
  }

  /** A read that was cancelled before it answered: it tells nothing about the endpoint. */
  synchronized void onCancelled(Permit permit) {
    if (permit == Permit.PROBE) {
      probeInFlight = false;
    }
  }

  /** The background health check reached the endpoint: an open breaker may let a probe through at once. */
  void onCheckPassed() {
    lastChecked = clock.instant();
    synchronized (this) {
      if (state == State.OPEN) {
        openedAtNanos = ticker.getAsLong() - breakerOptions.openDelay().toNanos();
      }
    }
  }

  void onCheckFailed(String cause) {
    lastChecked = clock.instant();
    onFailure("health check: " + cause, Permit.NORMAL);
  }

  private void transition(State to) {
    state = to;
    since = clock.instant();
  }

  synchronized EndpointHealth health() {
    CircuitBreakerState breaker = new CircuitBreakerState(state, since, consecutiveFailures,
        Optional.ofNullable(openingCause));
    int rank = rank();
    EndpointHealth.Status status = !active || state == State.OPEN ? EndpointHealth.Status.DOWN
        : rank > 0 || state == State.HALF_OPEN ? EndpointHealth.Status.DEGRADED : EndpointHealth.Status.UP;
    return new EndpointHealth(id(), endpoint.describe(), endpoint.kind(), endpoint.priority(), active, status, breaker,
        Duration.ofNanos(latency.ewmaNanos()), Duration.ofNanos(latency.percentileNanos(0.50)),
        Duration.ofNanos(latency.percentileNanos(0.95)), Duration.ofNanos(latency.percentileNanos(0.99)),
        reads.sum(), failures.sum(), hedges.sum(), Optional.ofNullable(lastSuccess), Optional.ofNullable(lastFailure),
        Optional.ofNullable(lastFailureCause), Optional.ofNullable(lastChecked));
  }
}
