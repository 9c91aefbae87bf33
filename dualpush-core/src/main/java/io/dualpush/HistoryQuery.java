package io.dualpush;

import io.dualpush.spi.Alert;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which entries of an {@link EventHistory} to read, and from where: filters (a transaction, a key, a
 * destination, kinds of event or alert, a time window) that an entry must all pass, a cursor ({@link #after()})
 * and a page size ({@link #limit()}). Pages run oldest first, in sequence order. Immutable and thread-safe.
 *
 * <pre>{@code
 * // What happened to one object, oldest first:
 * HistoryQuery q = HistoryQuery.builder().key("gold/sales.csv").build();
 * // What changed in the last minute: destinations down or up, and alerts:
 * HistoryQuery changes = HistoryQuery.builder().stateChanges().since(Instant.now().minusSeconds(60)).build();
 * }</pre>
 */
public final class HistoryQuery {
  /** The most entries one page can hold. */
  public static final int MAX_LIMIT = 1000;
  /** The page size when none is set. */
  public static final int DEFAULT_LIMIT = 100;
  private static final HistoryQuery ALL = builder().build();

  private final @Nullable String transactionId;
  private final @Nullable String key;
  private final @Nullable String destinationId;
  private final Set<DualPushEvent.Type> eventTypes;
  private final Set<Alert.Type> alertTypes;
  private final boolean kindsFiltered;
  private final @Nullable Instant since;
  private final @Nullable Instant until;
  private final int limit;
  private final long after;

  private HistoryQuery(Builder b, long after) {
    this.transactionId = b.transactionId;
    this.key = b.key;
    this.destinationId = b.destinationId;
    this.eventTypes = b.eventTypes == null ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(b.eventTypes));
    this.alertTypes = b.alertTypes == null ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(b.alertTypes));
    this.kindsFiltered = b.eventTypes != null || b.alertTypes != null;
    this.since = b.since;
    this.until = b.until;
    this.limit = b.limit;
    this.after = after;
  }

  private HistoryQuery(HistoryQuery q, long after) {
    this.transactionId = q.transactionId;
    this.key = q.key;
    this.destinationId = q.destinationId;
    this.eventTypes = q.eventTypes;
    this.alertTypes = q.alertTypes;
    this.kindsFiltered = q.kindsFiltered;
    this.since = q.since;
    this.until = q.until;
    this.limit = q.limit;
    this.after = after;
  }

  /**
   * Every entry, from the first, {@value #DEFAULT_LIMIT} a page.
   *
   * @return the query with no filter
   */
  public static HistoryQuery all() {
    return ALL;
  }

  /**
   * A builder with no filter, no cursor and a limit of {@value #DEFAULT_LIMIT}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * This query, continuing after {@code page}: the next page of the same entries. When {@code page} was the
   * last for now ({@link HistoryPage#more()} false), the query returns what is recorded after it, so that a
   * reader can poll with it to follow the history.
   *
   * @param page a page this query (or an earlier page of it) returned
   * @return the same filters and limit, with {@code page.next()} as the cursor
   * @throws InvalidInputException naming {@code page} when it is null
   */
  public HistoryQuery nextPage(HistoryPage page) {
    InvalidInputException.requireNonNull(page, "page");
    return new HistoryQuery(this, page.next());
  }

  /**
   * The transaction whose entries are wanted.
   *
   * @return its id, or empty for any
   */
  public Optional<String> transactionId() {
    return Optional.ofNullable(transactionId);
  }

  /**
   * The key whose entries are wanted: events of every push of that key, and the alerts of those pushes.
   *
   * @return the key, or empty for any
   */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }

  /**
   * The destination whose entries are wanted.
   *
   * @return its id, or empty for any
   */
  public Optional<String> destinationId() {
    return Optional.ofNullable(destinationId);
  }

  /**
   * The kinds of event wanted. When either this or {@link #alertTypes()} is set, an entry passes only when its
   * event or alert type is in one of them; when neither is, every entry passes.
   *
   * @return the event types wanted; empty when no event type was set
   */
  public Set<DualPushEvent.Type> eventTypes() {
    return eventTypes;
  }

  /**
   * The kinds of alert wanted; see {@link #eventTypes()}.
   *
   * @return the alert types wanted; empty when no alert type was set
   */
  public Set<Alert.Type> alertTypes() {
    return alertTypes;
  }

  /**
   * The earliest time of the entries wanted, inclusive, by the client's clock.
   *
   * @return the instant, or empty for no lower bound
   */
  public Optional<Instant> since() {
    return Optional.ofNullable(since);
  }

  /**
   * The time before which the entries wanted were recorded, exclusive, by the client's clock.
   *
   * @return the instant, or empty for no upper bound
   */
  public Optional<Instant> until() {
    return Optional.ofNullable(until);
  }

  /**
   * The most entries a page holds.
   *
   * @return 1 to {@value #MAX_LIMIT}
   */
  public int limit() {
    return limit;
  }

  /**
   * The cursor: a page holds entries with a greater sequence number only.
   *
   * @return a sequence number; 0 to start from the first entry
   */
  public long after() {
    return after;
  }

  /** Whether {@code entry} passes every filter (the cursor and limit aside). */
  boolean matches(HistoryEntry entry) {
    if (transactionId != null && !transactionId.equals(entry.transactionId())) {
      return false;
    }
    if (key != null && !key.equals(entry.key())) {
      return false;
    }
    if (destinationId != null && !destinationId.equals(entry.destinationId())) {
      return false;
    }
    if (kindsFiltered) {
      boolean wanted = entry instanceof HistoryEntry.EventEntry e
          ? eventTypes.contains(e.event().type())
          : alertTypes.contains(((HistoryEntry.AlertEntry) entry).alert().type());
      if (!wanted) {
        return false;
      }
    }
    if (since != null && entry.at().isBefore(since)) {
      return false;
    }
    return until == null || entry.at().isBefore(until);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("HistoryQuery{");
    if (transactionId != null) {
      s.append("transactionId=").append(transactionId).append(", ");
    }
    if (key != null) {
      s.append("key=").append(key).append(", ");
    }
    if (destinationId != null) {
      s.append("destinationId=").append(destinationId).append(", ");
    }
    if (kindsFiltered) {
      s.append("eventTypes=").append(eventTypes).append(", alertTypes=").append(alertTypes).append(", ");
    }
    if (since != null) {
      s.append("since=").append(since).append(", ");
    }
    if (until != null) {
      s.append("until=").append(until).append(", ");
    }
    return s.append("limit=").append(limit).append(", after=").append(after).append('}').toString();
  }

  /**
   * Builds a {@link HistoryQuery}. Setters validate on entry and name the field; a filter set twice fails at
   * once. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable String transactionId;
    private @Nullable String key;
    private @Nullable String destinationId;
    private @Nullable Set<DualPushEvent.Type> eventTypes;
    private @Nullable Set<Alert.Type> alertTypes;
    private @Nullable Instant since;
    private @Nullable Instant until;
    private int limit = DEFAULT_LIMIT;
    private long after;

    private Builder() {}

    /**
     * Only the entries of one transaction: its events and alerts.
     *
     * @param transactionId the transaction's id, as in {@link PushReceipt#transactionId()}
     * @return this builder
     * @throws InvalidInputException naming {@code transactionId} when it is null, empty or already set
     */
    public Builder transactionId(String transactionId) {
      checkUnset(this.transactionId, "transactionId");
      this.transactionId = nonEmpty(transactionId, "transactionId");
      return this;
    }

    /**
     * Only the entries of one key: the events of every push of it and, where the history could tell the key,
     * their alerts.
     *
     * @param key the object's key, such as {@code gold/sales.csv}
     * @return this builder
     * @throws InvalidInputException naming {@code key} when it is null, empty or already set
     */
    public Builder key(String key) {
      checkUnset(this.key, "key");
      this.key = nonEmpty(key, "key");
      return this;
    }

    /**
     * Only the entries of one destination: its copies, its state changes and its alerts.
     *
     * @param destinationId the destination's id, as given to the client's builder
     * @return this builder
     * @throws InvalidInputException naming {@code destinationId} when it is null, empty or already set
     */
    public Builder destinationId(String destinationId) {
      checkUnset(this.destinationId, "destinationId");
      this.destinationId = nonEmpty(destinationId, "destinationId");
      return this;
    }

    /**
     * Only events of these types, and alerts only if {@link #alertTypes} is set too.
     *
     * @param types one or more event types
     * @return this builder
     * @throws InvalidInputException naming {@code eventTypes} when none is given, one is null, or event types
     *     were already set (by this or {@link #stateChanges()})
     */
    public Builder eventTypes(DualPushEvent.Type... types) {
      checkUnset(eventTypes, "eventTypes");
      this.eventTypes = typeSet(types, DualPushEvent.Type.class, "eventTypes");
      return this;
    }

    /**
     * Only alerts of these types, and events only if {@link #eventTypes} is set too.
     *
     * @param types one or more alert types
     * @return this builder
     * @throws InvalidInputException naming {@code alertTypes} when none is given, one is null, or alert types
     *     were already set (by this or {@link #stateChanges()})
     */
    public Builder alertTypes(Alert.Type... types) {
      checkUnset(alertTypes, "alertTypes");
      this.alertTypes = typeSet(types, Alert.Type.class, "alertTypes");
      return this;
    }

    /**
     * Only state changes: destinations going down ({@link DualPushEvent.Type#DESTINATION_DOWN}) and coming back
     * up ({@link DualPushEvent.Type#DESTINATION_UP}), and every alert. The same as {@code eventTypes(DESTINATION_DOWN,
     * DESTINATION_UP)} with {@code alertTypes} set to every alert type.
     *
     * @return this builder
     * @throws InvalidInputException naming {@code eventTypes} or {@code alertTypes} when either was already set
     */
    public Builder stateChanges() {
      checkUnset(eventTypes, "eventTypes");
      checkUnset(alertTypes, "alertTypes");
      this.eventTypes = EnumSet.of(DualPushEvent.Type.DESTINATION_DOWN, DualPushEvent.Type.DESTINATION_UP);
      this.alertTypes = EnumSet.allOf(Alert.Type.class);
      return this;
    }

    /**
     * Only entries recorded at or after {@code since}, by the client's clock.
     *
     * @param since the earliest time wanted, inclusive
     * @return this builder
     * @throws InvalidInputException naming {@code since} when it is null or already set
     */
    public Builder since(Instant since) {
      InvalidInputException.requireNonNull(since, "since");
      checkUnset(this.since, "since");
      this.since = since;
      return this;
    }

    /**
     * Only entries recorded before {@code until}, by the client's clock.
     *
     * @param until the end of the window, exclusive; after {@link #since} when both are set
     * @return this builder
     * @throws InvalidInputException naming {@code until} when it is null or already set
     */
    public Builder until(Instant until) {
      InvalidInputException.requireNonNull(until, "until");
      checkUnset(this.until, "until");
      this.until = until;
      return this;
    }

    /**
     * The most entries a page holds; default {@value #DEFAULT_LIMIT}.
     *
     * @param limit 1 to {@value #MAX_LIMIT}
     * @return this builder
     * @throws InvalidInputException naming {@code limit} when it is outside 1 to {@value #MAX_LIMIT}
     */
    public Builder limit(int limit) {
      if (limit < 1 || limit > MAX_LIMIT) {
        throw new InvalidInputException("limit", "'limit' must be between 1 and " + MAX_LIMIT + "; got " + limit + ".");
      }
      this.limit = limit;
      return this;
    }

    /**
     * The cursor: only entries with a sequence number greater than {@code sequence}; default 0, from the first
     * entry. Pass {@link HistoryPage#next()} here (or use {@link HistoryQuery#nextPage}) to read the next page.
     *
     * @param sequence a sequence number of the same client's history, 0 or more
     * @return this builder
     * @throws InvalidInputException naming {@code after} when it is negative
     */
    public Builder after(long sequence) {
      if (sequence < 0) {
        throw new InvalidInputException("after", "'after' cannot be negative; got " + sequence + ".");
      }
      this.after = sequence;
      return this;
    }

    /**
     * Snapshots the settings.
     *
     * @return the immutable query
     * @throws InvalidInputException naming {@code until} when it is not after {@code since}
     */
    public HistoryQuery build() {
      if (since != null && until != null && !until.isAfter(since)) {
        throw new InvalidInputException("until", "'until' (" + until + ") must be after 'since' (" + since + ").");
      }
      return new HistoryQuery(this, after);
    }

    private static String nonEmpty(String value, String field) {
      InvalidInputException.requireNonNull(value, field);
      if (value.isEmpty()) {
        throw new InvalidInputException(field, "'" + field + "' cannot be empty.");
      }
      return value;
    }

    private static void checkUnset(@Nullable Object current, String field) {
      if (current != null) {
        throw new InvalidInputException(field, field + " was already set to " + current);
      }
    }

    private static <E extends Enum<E>> Set<E> typeSet(E @Nullable [] types, Class<E> type, String field) {
      if (types == null || types.length == 0) {
        throw new InvalidInputException(field, "'" + field + "' needs at least one type.");
      }
      Set<E> set = EnumSet.noneOf(type);
      for (E t : types) {
        set.add(InvalidInputException.requireNonNull(t, field));
      }
      return set;
    }
  }
}
