package io.dualpush;

import java.time.Duration;

/**
 * A circuit breaker per destination: after {@code failureThreshold} consecutive failed writes it
 * opens and fails writes at once for {@code openDelay}, measured on the client's clock, then lets
 * one trial through. Repair waits for that trial rather than counting refusals as attempts; its
 * state shows in {@link DualPushClient#health()} and {@link DualPushClient#resetCircuitBreaker}
 * closes it at once. Immutable.
 */
public final class CircuitBreakerOptions {
  private static final CircuitBreakerOptions DEFAULTS = builder().build();
  private static final CircuitBreakerOptions DISABLED = builder().failureThreshold(Integer.MAX_VALUE).build();

  private final int failureThreshold;
  private final Duration openDelay;

  private CircuitBreakerOptions(Builder b) {
    this.failureThreshold = b.failureThreshold;
    this.openDelay = b.openDelay;
  }

  /** Opens after 5 consecutive failures, for 30 s. */
  public static CircuitBreakerOptions ofDefaults() {
    return DEFAULTS;
  }

  /** Never opens. */
  public static CircuitBreakerOptions disabled() {
    return DISABLED;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int failureThreshold() {
    return failureThreshold;
  }

  public Duration openDelay() {
    return openDelay;
  }

  @Override
  public String toString() {
    return "CircuitBreakerOptions{failureThreshold=" + failureThreshold + ", openDelay=" + openDelay + "}";
  }

  /** Builder; {@link #build()} snapshots the settings. */
  public static final class Builder {
    private int failureThreshold = 5;
    private Duration openDelay = Duration.ofSeconds(30);

    private Builder() {}

    public Builder failureThreshold(int failureThreshold) {
      if (failureThreshold < 1) {
        throw new InvalidInputException("failureThreshold",
            "'failureThreshold' must be at least 1; got " + failureThreshold + ".");
      }
      this.failureThreshold = failureThreshold;
      return this;
    }

    public Builder openDelay(Duration openDelay) {
      this.openDelay = Durations.positive(openDelay, "openDelay");
      return this;
    }

    public CircuitBreakerOptions build() {
      return new CircuitBreakerOptions(this);
    }
  }
}
