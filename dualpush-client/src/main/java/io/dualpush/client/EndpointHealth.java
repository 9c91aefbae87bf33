package io.dualpush.client;

import io.dualpush.CircuitBreakerState;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one endpoint's health as the read client sees it, shared by every read: for dashboards and health
 * checks. Free of secrets. Immutable.
 *
 * @param endpointId the endpoint's id
 * @param description where it reads, without secrets
 * @param kind destination or HTTP
 * @param priority its priority
 * @param active whether reads may use it (see {@link FailoverReadClient#deactivate})
 * @param status UP, DEGRADED or DOWN
 * @param breaker its circuit breaker: state, since when, consecutive failures and what opened it
 * @param latencyEwma moving average of successful reads' latency (zero before the first)
 * @param p50 median latency of recent successful reads
 * @param p95 95th percentile of recent successful reads
 * @param p99 99th percentile of recent successful reads
 * @param reads reads started on it
 * @param failures reads that failed, timed out or returned a corrupt copy
 * @param hedges hedged reads sent to it
 * @param lastSuccess when a read or health check last succeeded
 * @param lastFailure when one last failed
 * @param lastFailureCause why it last failed, free of secrets
 * @param lastChecked when the background health check last ran
 */
public record EndpointHealth(
    String endpointId,
    String description,
    ReadEndpoint.Kind kind,
    int priority,
    boolean active,
    Status status,
    CircuitBreakerState breaker,
    Duration latencyEwma,
    Duration p50,
    Duration p95,
    Duration p99,
    long reads,
    long failures,
    long hedges,
    Optional<Instant> lastSuccess,
    Optional<Instant> lastFailure,
    Optional<String> lastFailureCause,
    Optional<Instant> lastChecked) {

  /** An endpoint's status at a glance. */
  public enum Status {
    /** Its breaker is closed and it has not failed recently. */
    UP,
    /** It failed recently, or its breaker is half open. */
    DEGRADED,
    /** Its breaker is open, or it was deactivated. */
    DOWN
  }

  /**
   * Checks the components.
   *
   * @param endpointId the endpoint's id
   * @param description where it reads, without secrets
   * @param kind destination or HTTP
   * @param priority its priority
   * @param active whether reads may use it
   * @param status UP, DEGRADED or DOWN
   * @param breaker its circuit breaker
   * @param latencyEwma moving average of successful reads' latency
   * @param p50 median latency of recent successful reads
   * @param p95 95th percentile of recent successful reads
   * @param p99 99th percentile of recent successful reads
   * @param reads reads started on it
   * @param failures reads that failed
   * @param hedges hedged reads sent to it
   * @param lastSuccess when a read or health check last succeeded
   * @param lastFailure when one last failed
   * @param lastFailureCause why it last failed
   * @param lastChecked when the background health check last ran
   */
  public EndpointHealth {
    Objects.requireNonNull(endpointId, "endpointId");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(breaker, "breaker");
    Objects.requireNonNull(latencyEwma, "latencyEwma");
    Objects.requireNonNull(p50, "p50");
    Objects.requireNonNull(p95, "p95");
    Objects.requireNonNull(p99, "p99");
    Objects.requireNonNull(lastSuccess, "lastSuccess");
    Objects.requireNonNull(lastFailure, "lastFailure");
    Objects.requireNonNull(lastFailureCause, "lastFailureCause");
    Objects.requireNonNull(lastChecked, "lastChecked");
  }
}
