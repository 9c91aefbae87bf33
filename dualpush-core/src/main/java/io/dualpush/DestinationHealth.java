package io.dualpush;

import io.dualpush.spi.HealthStatus;
import java.util.Objects;

/**
 * The health of one destination, as {@link DualPushClient#health()} reports it: the probe it has
 * just made, the destination's circuit breaker, and the calls stuck there. Nothing here holds a
 * secret: details are built from what the destination reported. Immutable and thread-safe.
 *
 * <pre>{@code
 * DestinationHealth dr = client.health().get("secondary");
 * if (!dr.healthy()) log.warn("{}: {}, breaker {}", dr.destinationId(), dr.probe().detail(), dr.circuitBreaker());
 * }</pre>
 *
 * @param destinationId the destination's id, as given to the builder
 * @param probe the outcome of the probe made for this report, bounded by the destination's
 *     {@code timeout} (a probe that did not finish in time is reported unhealthy)
 * @param circuitBreaker the destination's circuit breaker, read after the probe
 * @param stuckCalls calls on the destination abandoned at their deadline that have not returned
 *     (a frozen file system, a dead mount); while as many are stuck as the destination has
 *     threads, its calls are refused at once
 */
public record DestinationHealth(String destinationId, HealthStatus probe, CircuitBreakerState circuitBreaker, int stuckCalls) {

  /**
   * Checks that no component is null and that {@code stuckCalls} is not negative.
   *
   * @param destinationId the destination's id
   * @param probe the outcome of the probe made for this report
   * @param circuitBreaker the destination's circuit breaker, read after the probe
   * @param stuckCalls calls abandoned at their deadline that have not returned
   * @throws NullPointerException naming the component that is null
   * @throws IllegalArgumentException when {@code stuckCalls} is negative
   */
  public DestinationHealth {
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(probe, "probe");
    Objects.requireNonNull(circuitBreaker, "circuitBreaker");
    if (stuckCalls < 0) {
      throw new IllegalArgumentException("stuckCalls cannot be negative; got " + stuckCalls);
    }
  }

  /**
   * Whether the destination takes writes now, as far as dualpush knows: the probe succeeded, its
   * circuit breaker is not open (a half-open breaker lets the next write through as its trial),
   * and no call is stuck there.
   *
   * @return whether the probe succeeded, the breaker is not {@link CircuitBreakerState.State#OPEN}
   *     and {@link #stuckCalls()} is 0
   */
  public boolean healthy() {
    return probe.healthy() && circuitBreaker.state() != CircuitBreakerState.State.OPEN && stuckCalls == 0;
  }
}
