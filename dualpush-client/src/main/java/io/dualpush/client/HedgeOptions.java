package io.dualpush.client;

import io.dualpush.InvalidInputException;
import java.time.Duration;

/**
 * When a read is hedged: if the first endpoint has not answered after a delay, a second read goes to the next
 * endpoint and the first good answer wins; the other is cancelled. The delay adapts to the first endpoint's recent
 * latency (its {@link #percentile()}, 95th by default) within {@link #minDelay()} and {@link #maxDelay()}. A budget
 * caps hedges to a fraction of reads so that an outage cannot double the load. An endpoint whose read lost to a hedge
 * goes behind the others for a {@link #penalty()}, so that reads route around a slow endpoint. Immutable.
 *
 * <pre>{@code
 * HedgeOptions.builder().minDelay(Duration.ofMillis(5)).budget(0.05).build();
 * }</pre>
 */
public final class HedgeOptions {
  private static final HedgeOptions DEFAULTS = builder().build();
  private static final HedgeOptions DISABLED = builder().budget(0).build();

  private final Duration minDelay;
  private final Duration maxDelay;
  private final double percentile;
  private final double budget;
  private final int burst;
  private final Duration penalty;

  private HedgeOptions(Builder b) {
    this.penalty = b.penalty;
    this.minDelay = b.minDelay;
    this.maxDelay = b.maxDelay;
    this.percentile = b.percentile;
    this.budget = b.budget;
    this.burst = b.burst;
  }

  /**
   * Hedging after the 95th percentile, at least 10 ms and at most 1 s, for at most 10% of reads.
   *
   * @return the defaults
   */
  public static HedgeOptions ofDefaults() {
    return DEFAULTS;
  }

  /**
   * No hedged reads (failover on errors still happens).
   *
   * @return options that never hedge
   */
  public static HedgeOptions disabled() {
    return DISABLED;
  }

  /**
   * A builder starting from the defaults.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The shortest hedge delay.
   *
   * @return the floor of the delay
   */
  public Duration minDelay() {
    return minDelay;
  }

  /**
   * The longest hedge delay.
   *
   * @return the ceiling of the delay
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * The percentile of the first endpoint's recent latencies after which a read is hedged.
   *
   * @return a percentile between 0 and 1 (exclusive)
   */
  public double percentile() {
    return percentile;
  }

  /**
   * The most hedges per read, on average: each read earns this much of a hedge.
   *
   * @return a fraction between 0 and 1; 0 disables hedging
   */
  public double budget() {
    return budget;
  }

  /**
   * How many hedges may be saved up for a burst of slow reads.
   *
   * @return 1 or more
   */
  public int burst() {
    return burst;
  }

  /**
   * How long an endpoint whose read lost to a hedge goes behind the endpoints that have not been slow or failed,
   * whatever its priority: reads route around a slow endpoint instead of waiting for its hedge delay each time.
   *
   * @return the penalty; zero keeps slow endpoints in their place
   */
  public Duration penalty() {
    return penalty;
  }

  /**
   * Whether reads are ever hedged.
   *
   * @return false when the budget is 0
   */
  public boolean enabled() {
    return budget > 0;
  }

  @Override
  public String toString() {
    return enabled()
        ? "HedgeOptions{p" + Math.round(percentile * 100) + " in [" + minDelay + ", " + maxDelay + "], budget "
            + budget + ", burst " + burst + ", penalty " + penalty + "}"
        : "HedgeOptions{disabled}";
  }

  /** Builds {@link HedgeOptions}; not thread-safe. */
  public static final class Builder {
    private Duration minDelay = Duration.ofMillis(10);
    private Duration maxDelay = Duration.ofSeconds(1);
    private double percentile = 0.95;
    private double budget = 0.1;
    private int burst = 10;
    private Duration penalty = Duration.ofSeconds(1);

    private Builder() {}

    /**
     * How long an endpoint whose read lost to a hedge goes behind the others; 1 s by default.
     *
     * @param penalty 0 or more; 0 keeps a slow endpoint in its place
     * @return this builder
     */
    public Builder penalty(Duration penalty) {
      InvalidInputException.requireNonNull(penalty, "penalty");
      if (penalty.isNegative()) {
        throw new InvalidInputException("penalty", "'penalty' must not be negative; got " + penalty);
      }
      this.penalty = penalty;
      return this;
    }

    /**
     * The shortest hedge delay, however fast the endpoint has been.
     *
     * @param minDelay 0 or more
     * @return this builder
     */
    public Builder minDelay(Duration minDelay) {
      InvalidInputException.requireNonNull(minDelay, "minDelay");
      if (minDelay.isNegative()) {
        throw new InvalidInputException("minDelay", "'minDelay' must not be negative; got " + minDelay);
      }
      this.minDelay = minDelay;
      return this;
    }

    /**
     * The longest hedge delay, however slow the endpoint has been.
     *
     * @param maxDelay more than 0
     * @return this builder
     */
    public Builder maxDelay(Duration maxDelay) {
      InvalidInputException.requireNonNull(maxDelay, "maxDelay");
      if (maxDelay.isNegative() || maxDelay.isZero()) {
        throw new InvalidInputException("maxDelay", "'maxDelay' must be positive; got " + maxDelay);
      }
      this.maxDelay = maxDelay;
      return this;
    }

    /**
     * The percentile of recent latency after which to hedge.
     *
     * @param percentile between 0 and 1, exclusive
     * @return this builder
     */
    public Builder percentile(double percentile) {
      if (!(percentile > 0 && percentile < 1)) {
        throw new InvalidInputException("percentile", "'percentile' must be between 0 and 1, exclusive; got "
            + percentile);
      }
      this.percentile = percentile;
      return this;
    }

    /**
     * The most hedges per read on average.
     *
     * @param budget between 0 (never hedge) and 1
     * @return this builder
     */
    public Builder budget(double budget) {
      if (!(budget >= 0 && budget <= 1)) {
        throw new InvalidInputException("budget", "'budget' must be between 0 and 1; got " + budget);
      }
      this.budget = budget;
      return this;
    }

    /**
     * How many hedges may be saved up for a burst of slow reads.
     *
     * @param burst 1 or more
     * @return this builder
     */
    public Builder burst(int burst) {
      if (burst < 1) {
        throw new InvalidInputException("burst", "'burst' must be at least 1; got " + burst);
      }
      this.burst = burst;
      return this;
    }

    /**
     * The options.
     *
     * @return immutable options
     * @throws InvalidInputException when the minimum delay exceeds the maximum
     */
    public HedgeOptions build() {
      if (minDelay.compareTo(maxDelay) > 0) {
        throw new InvalidInputException("minDelay", "'minDelay' (" + minDelay + ") must not exceed 'maxDelay' ("
            + maxDelay + ")");
      }
      return new HedgeOptions(this);
    }
  }
}
