package io.dualpush;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One destination's circuit breaker at one instant, as {@link DualPushClient#health()} reports it
 * (see {@link CircuitBreakerOptions}). Times are on the client's clock (the builder's
 * {@code clock}), the one the breaker itself runs on. Immutable and thread-safe.
 *
 * <pre>{@code
 * CircuitBreakerState breaker = client.health().get("secondary").circuitBreaker();
 * log.info("{} since {}: {}", breaker.state(), breaker.since(), breaker.openingCause().orElse("closed"));
 * }</pre>
 *
 * @param state where the breaker stands
 * @param since when it entered that state: when it opened, when it turned half-open (its open
 *     delay after opening), or when it last closed (when the client started, if it never opened)
 * @param consecutiveFailures failed writes counted since the last success or reset; the breaker
 *     opens when they reach {@link CircuitBreakerOptions#failureThreshold()}
 * @param openingCause for an open or half-open breaker, the failure that opened it, in one line
 *     built from what the destination reported (never a secret); empty for a closed breaker
 */
public record CircuitBreakerState(State state, Instant since, int consecutiveFailures, Optional<String> openingCause) {

  /** Where a circuit breaker stands. */
  public enum State {
    /** Writes go through; consecutive failures are counted. */
    CLOSED,
    /**
     * Writes are refused at once, without a call, until the open delay has passed; reads and
     * probes still go through. Repair of copies at the destination waits; a refusal is never
     * counted as a repair attempt.
     */
    OPEN,
    /**
     * The open delay has passed: the next write goes through as a trial (others are refused while
     * it runs). Its success closes the breaker and lets every repair waiting on the destination go
     * at once; its failure opens the breaker again.
     */
    HALF_OPEN
  }

  /**
   * Checks that no component is null.
   *
   * @param state where the breaker stands
   * @param since when it entered that state
   * @param consecutiveFailures failed writes counted since the last success or reset
   * @param openingCause the failure that opened it, empty for a closed breaker
   * @throws NullPointerException naming the component that is null
   */
  public CircuitBreakerState {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(openingCause, "openingCause");
  }
}
