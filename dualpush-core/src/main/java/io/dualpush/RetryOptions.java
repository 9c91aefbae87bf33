package io.dualpush;

import java.time.Duration;

/**
 * In-line retries of one destination write: up to {@code maxAttempts} attempts in all, waiting an
 * exponentially growing delay from {@code initialDelay} up to {@code maxDelay}, each delay varied
 * by {@code jitter} (a fraction, 0 to 1). Only transient failures and timeouts are retried.
 * Immutable.
 *
 * <pre>{@code
 * RetryOptions.builder().maxAttempts(5).initialDelay(Duration.ofMillis(200)).build();
 * }</pre>
 */
public final class RetryOptions {
  private static final RetryOptions DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double jitter;

  private RetryOptions(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.jitter = b.jitter;
  }

  /**
   * 3 attempts, 100 ms doubling up to 5 s, 25 % jitter.
   *
   * @return the default options
   */
  public static RetryOptions ofDefaults() {
    return DEFAULTS;
  }

  /**
   * A single attempt, no retry.
   *
   * @return options with {@code maxAttempts} 1
   */
  public static RetryOptions none() {
    return builder().maxAttempts(1).build();
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
   * How many attempts one write gets in all, the first included.
   *
   * @return at least 1
   */
  public int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The delay before the second attempt; each later delay doubles.
   *
   * @return the initial delay, positive
   */
  public Duration initialDelay() {
    return initialDelay;
  }

  /**
   * The longest delay between two attempts.
   *
   * @return the cap, positive
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * How much each delay is varied at random, as a fraction of it.
   *
   * @return a fraction from 0 to 1
   */
  public double jitter() {
    return jitter;
  }

  @Override
  public String toString() {
    return "RetryOptions{maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay
        + ", maxDelay=" + maxDelay + ", jitter=" + jitter + "}";
  }

  /** Builder; {@link #build()} snapshots the settings. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialDelay = Duration.ofMillis(100);
    private Duration maxDelay = Duration.ofSeconds(5);
    private double jitter = 0.25;

    private Builder() {}

    /**
     * Sets how many attempts one write gets in all.
     *
     * @param maxAttempts at least 1 (default 3)
     * @return this builder
     * @throws InvalidInputException naming {@code maxAttempts} when it is below 1
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new InvalidInputException("maxAttempts", "'maxAttempts' must be at least 1; got " + maxAttempts + ".");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Sets the delay before the second attempt.
     *
     * @param initialDelay a positive duration (default 100 ms)
     * @return this builder
     * @throws InvalidInputException naming {@code initialDelay} when it is null or not positive
     */
    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay = Durations.positive(initialDelay, "initialDelay");
      return this;
    }

    /**
     * Sets the longest delay between two attempts.
     *
     * @param maxDelay a positive duration (default 5 s)
     * @return this builder
     * @throws InvalidInputException naming {@code maxDelay} when it is null or not positive
     */
    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = Durations.positive(maxDelay, "maxDelay");
      return this;
    }

    /**
     * Sets how much each delay is varied at random.
     *
     * @param jitter a fraction from 0 to 1 (default 0.25)
     * @return this builder
     * @throws InvalidInputException naming {@code jitter} when it is outside 0 to 1
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new InvalidInputException("jitter", "'jitter' must be between 0 and 1; got " + jitter + ".");
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * Snapshots the settings.
     *
     * @return the immutable options
     */
    public RetryOptions build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new InvalidInputException("maxDelay", "'maxDelay' (" + maxDelay
            + ") cannot be shorter than 'initialDelay' (" + initialDelay + ").");
      }
      return new RetryOptions(this);
    }
  }
}
