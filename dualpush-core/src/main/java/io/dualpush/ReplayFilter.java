package io.dualpush;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which stored messages or open transactions a {@link Replayer} takes: a time range, a dataset and a key prefix, each
 * optional. For messages the time is when the write-ahead copy was stored, the dataset is the processor's, and the
 * prefix is matched against the message id; for transactions the time is when the push started, and the dataset and
 * prefix are the push's dataset and object key.
 *
 * <pre>{@code
 * ReplayFilter outage = ReplayFilter.builder().since(outageStart).until(outageEnd).keyPrefix("orders/").build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ReplayFilter {
  /** Takes everything. */
  public static final ReplayFilter ALL = builder().build();

  private final @Nullable Instant since;
  private final @Nullable Instant until;
  private final @Nullable String dataset;
  private final String keyPrefix;

  private ReplayFilter(Builder b) {
    this.since = b.since;
    this.until = b.until;
    this.dataset = b.dataset;
    this.keyPrefix = b.keyPrefix;
  }

  /**
   * A builder.
   *
   * @return a new builder that takes everything until narrowed
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The earliest time taken, inclusive.
   *
   * @return the start of the range, empty for no lower bound
   */
  public Optional<Instant> since() {
    return Optional.ofNullable(since);
  }

  /**
   * The end of the range, exclusive.
   *
   * @return the end of the range, empty for no upper bound
   */
  public Optional<Instant> until() {
    return Optional.ofNullable(until);
  }

  /**
   * The only dataset taken.
   *
   * @return the dataset, empty for every dataset
   */
  public Optional<String> dataset() {
    return Optional.ofNullable(dataset);
  }

  /**
   * The start every message id (or object key) taken has; empty for all.
   *
   * @return the prefix
   */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Whether an item with this time, dataset and id or key is taken.
   *
   * @param at when the item was stored or started
   * @param itemDataset its dataset, empty when it records none
   * @param idOrKey its message id or object key
   * @return true when every condition of the filter holds
   */
  public boolean matches(Instant at, String itemDataset, String idOrKey) {
    return (since == null || !at.isBefore(since))
        && (until == null || at.isBefore(until))
        && (dataset == null || dataset.equals(itemDataset))
        && idOrKey.startsWith(keyPrefix);
  }

  @Override
  public String toString() {
    return "ReplayFilter{since=" + since + ", until=" + until + ", dataset=" + dataset + ", keyPrefix='" + keyPrefix
        + "'}";
  }

  /** Builds a {@link ReplayFilter}; not thread-safe. */
  public static final class Builder {
    private @Nullable Instant since;
    private @Nullable Instant until;
    private @Nullable String dataset;
    private String keyPrefix = "";

    private Builder() {}

    /**
     * Takes only items at or after {@code since}.
     *
     * @param since the start of the range
     * @return this builder
     */
    public Builder since(Instant since) {
      this.since = InvalidInputException.requireNonNull(since, "since");
      return this;
    }

    /**
     * Takes only items before {@code until}.
     *
     * @param until the end of the range, exclusive
     * @return this builder
     */
    public Builder until(Instant until) {
      this.until = InvalidInputException.requireNonNull(until, "until");
      return this;
    }

    /**
     * Takes only items of one dataset.
     *
     * @param dataset not blank
     * @return this builder
     */
    public Builder dataset(String dataset) {
      InvalidInputException.requireNonNull(dataset, "dataset");
      if (dataset.isBlank()) {
        throw new InvalidInputException("dataset", "'dataset' must not be blank");
      }
      this.dataset = dataset;
      return this;
    }

    /**
     * Takes only message ids (or object keys) that start with {@code prefix}.
     *
     * @param prefix the start; empty for all
     * @return this builder
     */
    public Builder keyPrefix(String prefix) {
      this.keyPrefix = InvalidInputException.requireNonNull(prefix, "keyPrefix");
      return this;
    }

    /**
     * The filter.
     *
     * @return a new filter
     * @throws InvalidInputException naming {@code until} when the range is empty
     */
    public ReplayFilter build() {
      if (since != null && until != null && !since.isBefore(until)) {
        throw new InvalidInputException("until", "'until' (" + until + ") must be after 'since' (" + since + ")");
      }
      return new ReplayFilter(this);
    }
  }
}
