package io.dualpush;

import java.time.Duration;

/**
 * Background repair of copies that failed or do not verify: at most {@code maxRetries} repair
 * rounds per transaction, the n-th after {@code initialDelay * 2^(n-1)} (capped at
 * {@code maxDelay}, varied by {@code jitter}), measured on the client's clock; the repairer looks
 * for due work every {@code scanInterval}. After the last round the transaction is dead-lettered
 * and a {@link io.dualpush.spi.Alert.Severity#HIGH} alert is raised. Only rounds that reached a
 * destination count: a round whose every write was refused without a call (an open circuit
 * breaker, a stuck destination) is not an attempt, and the transaction waits for the destination
 * instead (see {@link CircuitBreakerState.State#OPEN}). Immutable.
 */
public final class RepairOptions {
  private static final RepairOptions DEFAULTS = builder().build();

  private final int maxRetries;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double jitter;
  private final Duration scanInterval;
  private final boolean enabled;

  private RepairOptions(Builder b) {
    this.maxRetries = b.maxRetries;
    this.initialDelay = b.initialDelay;
    this.maxDelay = b.maxDelay;
    this.jitter = b.jitter;
    this.scanInterval = b.scanInterval;
    this.enabled = b.enabled;
  }

  /** 5 retries, 1 s doubling to 5 min, 20 % jitter, scanning every second. */
  public static RepairOptions ofDefaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public int maxRetries() {
    return maxRetries;
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

  public Duration scanInterval() {
    return scanInterval;
  }

  /** Whether the background repairer runs; {@code retryFailed} works either way. */
  public boolean enabled() {
    return enabled;
  }

  @Override
  public String toString() {
    return "RepairOptions{maxRetries=" + maxRetries + ", initialDelay=" + initialDelay + ", maxDelay="
        + maxDelay + ", jitter=" + jitter + ", scanInterval=" + scanInterval + ", enabled=" + enabled + "}";
  }

  /** Builder; {@link #build()} snapshots the settings. */
  public static final class Builder {
    private int maxRetries = 5;
    private Duration initialDelay = Duration.ofSeconds(1);
    private Duration maxDelay = Duration.ofMinutes(5);
    private double jitter = 0.2;
    private Duration scanInterval = Duration.ofSeconds(1);
    private boolean enabled = true;

    private Builder() {}

    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new InvalidInputException("maxRetries", "'maxRetries' cannot be negative; got " + maxRetries + ".");
      }
      this.maxRetries = maxRetries;
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

    public Builder scanInterval(Duration scanInterval) {
      this.scanInterval = Durations.positive(scanInterval, "scanInterval");
      return this;
    }

    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    public RepairOptions build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new InvalidInputException("maxDelay", "'maxDelay' (" + maxDelay
            + ") cannot be shorter than 'initialDelay' (" + initialDelay + ").");
      }
      return new RepairOptions(this);
    }
  }
}
