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

  /**
   * Opens after 5 consecutive failures, for 30 s.
   *
   * @return the default options: 5 consecutive failures open the breaker for 30 s
   */
  public static CircuitBreakerOptions ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Never opens.
   *
   * @return options whose breaker never opens (a threshold of {@link Integer#MAX_VALUE})
   */
  public static CircuitBreakerOptions disabled() {
    return DISABLED;
  }

  /**
   * Starts from the defaults of {@link #ofDefaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How many consecutive failed writes open the breaker.
   *
   * @return the threshold, at least 1
   */
  public int failureThreshold() {
    return failureThreshold;
  }

  /**
   * How long an open breaker fails writes at once before it lets one trial write through.
   *
   * @return the open delay, positive
   */
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

    /**
     * Sets how many consecutive failed writes open the breaker; a success resets the count.
     *
     * @param failureThreshold at least 1 (default 5)
     * @return this builder
     * @throws InvalidInputException naming {@code failureThreshold} when it is below 1
     */
    public Builder failureThreshold(int failureThreshold) {
      if (failureThreshold < 1) {
        throw new InvalidInputException("failureThreshold",
            "'failureThreshold' must be at least 1; got " + failureThreshold + ".");
      }
      this.failureThreshold = failureThreshold;
      return this;
    }

    /**
     * Sets how long an open breaker refuses writes before a trial write may close it again.
     *
     * @param openDelay a positive duration (default 30 s)
     * @return this builder
     * @throws InvalidInputException naming {@code openDelay} when it is null, zero or negative
     */
    public Builder openDelay(Duration openDelay) {
      this.openDelay = Durations.positive(openDelay, "openDelay");
      return this;
    }

    /**
     * Snapshots the settings; later changes to this builder do not affect the result.
     *
     * @return the immutable options
     */
    public CircuitBreakerOptions build() {
      return new CircuitBreakerOptions(this);
    }
  }
}
