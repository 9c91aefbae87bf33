package io.dualpush.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of a health probe: whether the target is usable, how long the probe took, and a
 * short detail that never contains a secret.
 *
 * @param healthy whether the target is usable
 * @param latency how long the probe took
 * @param detail {@code ok} when healthy, else why not; never a secret
 */
public record HealthStatus(boolean healthy, Duration latency, String detail) {
  /**
   * Checks that every component is non-null.
   *
   * @param healthy whether the target is usable
   * @param latency how long the probe took
   * @param detail {@code ok} when healthy, else why not; never a secret
   */
  public HealthStatus {
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * A successful probe, with the detail {@code ok}.
   *
   * @param latency how long the probe took
   * @return a healthy status
   */
  public static HealthStatus healthy(Duration latency) {
    return new HealthStatus(true, latency, "ok");
  }

  /**
   * A failed probe.
   *
   * @param latency how long the probe took, up to its timeout
   * @param detail why it failed, without secrets
   * @return an unhealthy status
   */
  public static HealthStatus unhealthy(Duration latency, String detail) {
    return new HealthStatus(false, latency, detail);
  }
}
