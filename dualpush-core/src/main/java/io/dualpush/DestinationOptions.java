package io.dualpush;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How the engine treats one destination: its id, region, priority (lower reads first), whether it
 * is required for the ack policy, and the timeout of one write attempt. Immutable.
 *
 * <pre>{@code
 * DestinationOptions.builder("edge-asia").region("southeastasia").priority(3)
 *     .required(false).timeout(Duration.ofMinutes(2)).build();
 * }</pre>
 */
public final class DestinationOptions {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  /** The seed's default timeout for one write. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** The default recovery-point budget: a copy pending here longer than this raises an alert. */
  public static final Duration DEFAULT_RECOVERY_POINT_BUDGET = Duration.ofMinutes(5);

  private final String id;
  private final String region;
  private final int priority;
  private final boolean required;
  private final Duration timeout;
  private final @Nullable Duration recoveryPointBudget;
  private final @Nullable Duration slowCopyThreshold;

  private DestinationOptions(Builder b) {
    this.id = b.id;
    this.region = b.region;
    this.priority = b.priority;
    this.required = b.required;
    this.timeout = b.timeout;
    this.recoveryPointBudget = b.recoveryPointBudget;
    this.slowCopyThreshold = b.slowCopyThreshold;
  }

  /**
   * A required destination with default priority, region and timeout.
   *
   * @param id the destination's id: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit
   * @return the options
   * @throws InvalidInputException naming {@code id} when it is null or malformed
   */
  public static DestinationOptions of(String id) {
    return builder(id).build();
  }

  /**
   * Starts options for the destination {@code id}: required, priority 1, no region, a {@link
   * #DEFAULT_TIMEOUT} per write.
   *
   * @param id the destination's id: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or
   *     digit; it names the destination in receipts, the log and messages
   * @return a new builder
   * @throws InvalidInputException naming {@code id} when it is null or malformed
   */
  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * The destination's id, unique within one client; it names the destination in receipts, the log and
   * messages.
   *
   * @return the id
   */
  public String id() {
    return id;
  }

  /**
   * The region label, e.g. {@code eastus2}; empty when not given.
   *
   * @return the region, or an empty string
   */
  public String region() {
    return region;
  }

  /**
   * The read priority: readers try lower numbers first.
   *
   * @return the priority, 0 or more (default 1)
   */
  public int priority() {
    return priority;
  }

  /**
   * Whether the destination counts for the ack policy; an optional one never fails a push and is repaired in
   * the background.
   *
   * @return true when required (the default)
   */
  public boolean required() {
    return required;
  }

  /**
   * How long one write attempt at this destination may take before it fails as timed out.
   *
   * @return the timeout, positive
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * How old the oldest copy not yet verified here may grow before a
   * {@link io.dualpush.spi.Alert.Type#RECOVERY_POINT_EXCEEDED} alert is raised (and resolved once it is younger
   * again); see {@link DestinationLag}.
   *
   * @return the budget (default {@link #DEFAULT_RECOVERY_POINT_BUDGET}), or empty when none is set
   */
  public Optional<Duration> recoveryPointBudget() {
    return Optional.ofNullable(recoveryPointBudget);
  }

  /**
   * How long a copy written here may take (its attempts and their backoff, from the first attempt to the
   * destination's answer) before a {@link io.dualpush.spi.Alert.Type#PERFORMANCE_DEGRADATION} alert is raised for
   * it. Only copies that were written count: a failed copy is reported as a failure, not as slow.
   *
   * @return the threshold given, or by default half of {@link #timeout()}; positive
   */
  public Duration slowCopyThreshold() {
    return slowCopyThreshold != null ? slowCopyThreshold : timeout.dividedBy(2);
  }

  @Override
  public String toString() {
    return "DestinationOptions{id=" + id + ", region=" + region + ", priority=" + priority
        + ", required=" + required + ", timeout=" + timeout + ", recoveryPointBudget=" + recoveryPointBudget
        + ", slowCopyThreshold=" + slowCopyThreshold() + "}";
  }

  /** Builder; each setter validates its argument and names it in the error. */
  public static final class Builder {
    private final String id;
    private String region = "";
    private int priority = 1;
    private boolean required = true;
    private Duration timeout = DEFAULT_TIMEOUT;
    private @Nullable Duration recoveryPointBudget = DEFAULT_RECOVERY_POINT_BUDGET;
    private @Nullable Duration slowCopyThreshold;

    private Builder(String id) {
      InvalidInputException.requireNonNull(id, "id");
      if (!ID.matcher(id).matches()) {
        throw new InvalidInputException("id", "'id' must be 1-63 letters, digits, '.', '_' or '-', "
            + "starting with a letter or digit; got '" + id + "'.");
      }
      this.id = id;
    }

    /**
     * Sets the region label, shown in receipts and health output.
     *
     * @param region a label such as {@code eastus2}; empty for none
     * @return this builder
     * @throws InvalidInputException naming {@code region} when it is null
     */
    public Builder region(String region) {
      this.region = InvalidInputException.requireNonNull(region, "region");
      return this;
    }

    /**
     * Sets the read priority; readers try lower numbers first.
     *
     * @param priority 0 or more (default 1)
     * @return this builder
     * @throws InvalidInputException naming {@code priority} when it is negative
     */
    public Builder priority(int priority) {
      if (priority < 0) {
        throw new InvalidInputException("priority", "'priority' cannot be negative; got " + priority + ".");
      }
      this.priority = priority;
      return this;
    }

    /**
     * Sets whether this destination counts for the ack policy. An optional destination never fails a push;
     * its failures are repaired in the background.
     *
     * @param required true (the default) to require a verified copy here
     * @return this builder
     */
    public Builder required(boolean required) {
      this.required = required;
      return this;
    }

    /**
     * Sets how long one write attempt may take; at the deadline the attempt fails as timed out, whether or
     * not its thread returns.
     *
     * @param timeout a positive duration (default 60 s)
     * @return this builder
     * @throws InvalidInputException naming {@code timeout} when it is null, zero or negative
     */
    public Builder timeout(Duration timeout) {
      InvalidInputException.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InvalidInputException("timeout", "'timeout' must be positive; got " + timeout + ".");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Sets how old the oldest copy not yet verified here may grow before an alert is raised: the destination's
     * recovery-point objective.
     *
     * @param budget a positive duration (default 5 minutes)
     * @return this builder
     * @throws InvalidInputException naming {@code recoveryPointBudget} when it is null, zero or negative
     */
    public Builder recoveryPointBudget(Duration budget) {
      InvalidInputException.requireNonNull(budget, "recoveryPointBudget");
      if (budget.isNegative() || budget.isZero()) {
        throw new InvalidInputException("recoveryPointBudget", "'recoveryPointBudget' must be positive; got "
            + budget + ".");
      }
      this.recoveryPointBudget = budget;
      return this;
    }

    /**
     * Sets how long a copy written here may take before a
     * {@link io.dualpush.spi.Alert.Type#PERFORMANCE_DEGRADATION} alert is raised for it (see
     * {@link DestinationOptions#slowCopyThreshold()}).
     *
     * @param slowCopyThreshold a positive duration (default: half the timeout)
     * @return this builder
     * @throws InvalidInputException naming {@code slowCopyThreshold} when it is null, zero or negative
     */
    public Builder slowCopyThreshold(Duration slowCopyThreshold) {
      InvalidInputException.requireNonNull(slowCopyThreshold, "slowCopyThreshold");
      if (slowCopyThreshold.isNegative() || slowCopyThreshold.isZero()) {
        throw new InvalidInputException("slowCopyThreshold", "'slowCopyThreshold' must be positive; got "
            + slowCopyThreshold + ".");
      }
      this.slowCopyThreshold = slowCopyThreshold;
      return this;
    }

    /**
     * Sets no recovery-point budget: the lag is still reported, but never alerted on.
     *
     * @return this builder
     */
    public Builder noRecoveryPointBudget() {
      this.recoveryPointBudget = null;
      return this;
    }

    /**
     * Snapshots the settings.
     *
     * @return the immutable options
     */
    public DestinationOptions build() {
      return new DestinationOptions(this);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DestinationOptions d && d.id.equals(id) && d.region.equals(region)
        && d.priority == priority && d.required == required && d.timeout.equals(timeout)
        && Objects.equals(d.recoveryPointBudget, recoveryPointBudget)
        && d.slowCopyThreshold().equals(slowCopyThreshold());
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, region, priority, required, timeout, recoveryPointBudget, slowCopyThreshold());
  }
}
