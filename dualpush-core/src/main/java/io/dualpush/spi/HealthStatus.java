package io.dualpush.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of a health probe: whether the target is usable, how long the probe took, and a
 * short detail that never contains a secret.
 */
public record HealthStatus(boolean healthy, Duration latency, String detail) {
  public HealthStatus {
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(detail, "detail");
  }

  public static HealthStatus healthy(Duration latency) {
    return new HealthStatus(true, latency, "ok");
  }

  public static HealthStatus unhealthy(Duration latency, String detail) {
    return new HealthStatus(false, latency, detail);
  }
}
