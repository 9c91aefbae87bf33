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

  /** 3 attempts, 100 ms doubling up to 5 s, 25 % jitter. */
  public static RetryOptions ofDefaults() {
    return DEFAULTS;
  }

  /** One attempt, no retry. */
  public static RetryOptions none() {
    return builder().maxAttempts(1).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialDelay() {
    return initialDelay;
  }

  public Duration maxDelay() {
    return maxDelay;
  }

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

    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new InvalidInputException("maxAttempts", "'maxAttempts' must be at least 1; got " + maxAttempts + ".");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay = Durations.positive(initialDelay, "initialDelay");
      return this;
    }

    public Builder maxDelay(Duration maxDelay) {
      this.maxDelay = Durations.positive(maxDelay, "maxDelay");
      return this;
    }

    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new InvalidInputException("jitter", "'jitter' must be between 0 and 1; got " + jitter + ".");
      }
      this.jitter = jitter;
      return this;
    }

    public RetryOptions build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new InvalidInputException("maxDelay", "'maxDelay' (" + maxDelay
            + ") cannot be shorter than 'initialDelay' (" + initialDelay + ").");
      }
      return new RetryOptions(this);
    }
  }
}
