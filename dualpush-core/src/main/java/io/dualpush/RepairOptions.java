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

  /**
   * 5 retries, 1 s doubling to 5 min, 20 % jitter, scanning every second.
   *
   * @return the default options
   */
  public static RepairOptions ofDefaults() {
    return DEFAULTS;
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
   * How many repair rounds a transaction gets before it is dead-lettered.
   *
   * @return the number of rounds, 0 or more
   */
  public int maxRetries() {
    return maxRetries;
  }

  /**
   * The delay before the first repair round; each later round doubles it.
   *
   * @return the initial delay, positive
   */
  public Duration initialDelay() {
    return initialDelay;
  }

  /**
   * The longest delay between two repair rounds.
   *
   * @return the cap, positive
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * How much each delay is varied at random, as a fraction of it, so that repairs of many transactions spread
   * out.
   *
   * @return a fraction from 0 to 1
   */
  public double jitter() {
    return jitter;
  }

  /**
   * How often the repairer looks for transactions whose next round is due.
   *
   * @return the scan interval, positive
   */
  public Duration scanInterval() {
    return scanInterval;
  }

  /**
   * Whether the background repairer runs; {@code retryFailed} works either way.
   *
   * @return true when the background repairer runs (the default)
   */
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

    /**
     * Sets how many repair rounds a transaction gets before it is dead-lettered; 0 dead-letters at the first
     * failure.
     *
     * @param maxRetries 0 or more (default 5)
     * @return this builder
     * @throws InvalidInputException naming {@code maxRetries} when it is negative
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new InvalidInputException("maxRetries", "'maxRetries' cannot be negative; got " + maxRetries + ".");
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * Sets the delay before the first repair round.
     *
     * @param initialDelay a positive duration (default 1 s)
     * @return this builder
     * @throws InvalidInputException naming {@code initialDelay} when it is null or not positive
     */
    public Builder initialDelay(Duration initialDelay) {
      this.initialDelay = Durations.positive(initialDelay, "initialDelay");
      return this;
    }

    /**
     * Sets the longest delay between two rounds.
     *
     * @param maxDelay a positive duration (default 5 min)
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
     * @param jitter a fraction from 0 to 1 (default 0.2)
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
     * Sets how often the repairer looks for due work.
     *
     * @param scanInterval a positive duration (default 1 s)
     * @return this builder
     * @throws InvalidInputException naming {@code scanInterval} when it is null or not positive
     */
    public Builder scanInterval(Duration scanInterval) {
      this.scanInterval = Durations.positive(scanInterval, "scanInterval");
      return this;
    }

    /**
     * Sets whether the background repairer runs; with {@code false}, only {@code retryFailed} and {@code
     * repairAll} repair.
     *
     * @param enabled true (the default) to repair in the background
     * @return this builder
     */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /**
     * Snapshots the settings.
     *
     * @return the immutable options
     */
    public RepairOptions build() {
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new InvalidInputException("maxDelay", "'maxDelay' (" + maxDelay
            + ") cannot be shorter than 'initialDelay' (" + initialDelay + ").");
      }
      return new RepairOptions(this);
    }
  }
}
