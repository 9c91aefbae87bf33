package io.dualpush;

import io.dualpush.spi.Alert;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry of an {@link EventHistory}: an engine event ({@link EventEntry}) or an alert raised
 * ({@link AlertEntry}), stamped with the client's clock and a sequence number. Sequence numbers start at 1
 * for each client and increase by one per entry recorded, so they order the entries and serve as the cursor
 * of a {@link HistoryQuery}. Both kinds are immutable records of plain components (strings, numbers,
 * {@link Instant}s, {@link java.time.Duration}s and enums), so that a host's JSON library renders a page in
 * one call; an event entry has an {@code event} property, an alert entry an {@code alert} property. Nothing
 * in either holds a secret: events' details and alerts' messages never do.
 *
 * <pre>{@code
 * if (entry instanceof HistoryEntry.EventEntry e && e.event().type() == DualPushEvent.Type.COPY_FAILED) {
 *   log.warn("{} failed at {}: {}", e.key(), e.destinationId(), e.event().detail());
 * }
 * }</pre>
 */
public sealed interface HistoryEntry permits HistoryEntry.EventEntry, HistoryEntry.AlertEntry {

  /**
   * The entry's place in its history: 1 for the first entry a client recorded, one more for each after it.
   *
   * @return at least 1
   */
  long sequence();

  /**
   * When the entry was recorded, by the client's clock. Entries recorded on different threads at nearly the
   * same time may be stamped slightly out of sequence order.
   *
   * @return the instant it was recorded
   */
  Instant at();

  /**
   * The transaction concerned.
   *
   * @return its id, or empty when none applies (a destination's state change)
   */
  String transactionId();

  /**
   * The object's key.
   *
   * @return the key, or empty when none applies or, for an alert, the history did not find it
   */
  String key();

  /**
   * The destination concerned.
   *
   * @return its id, or empty when none applies
   */
  String destinationId();

  /**
   * Whether this entry is a state change: a destination going down or coming back up, or an alert raised.
   *
   * @return true for {@link DualPushEvent.Type#DESTINATION_DOWN}, {@link DualPushEvent.Type#DESTINATION_UP} and
   *     every alert
   */
  boolean stateChange();

  /**
   * An engine event, as the client's {@link DualPushListener}s received it.
   *
   * @param sequence the entry's sequence number, at least 1
   * @param at when it was recorded, by the client's clock
   * @param event the event
   */
  record EventEntry(long sequence, Instant at, DualPushEvent event) implements HistoryEntry {
    /**
     * Checks that no component is null and the sequence is positive.
     *
     * @param sequence the entry's sequence number, at least 1
     * @param at when it was recorded, by the client's clock
     * @param event the event
     */
    public EventEntry {
      checkSequence(sequence);
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(event, "event");
    }

    /**
     * The event's transaction.
     *
     * @return {@code event().transactionId()}
     */
    @Override
    public String transactionId() {
      return event.transactionId();
    }

    /**
     * The event's key.
     *
     * @return {@code event().key()}
     */
    @Override
    public String key() {
      return event.key();
    }

    /**
     * The event's destination.
     *
     * @return {@code event().destinationId()}
     */
    @Override
    public String destinationId() {
      return event.destinationId();
    }

    /**
     * Whether a destination went down or came back up.
     *
     * @return true for {@link DualPushEvent.Type#DESTINATION_DOWN} and {@link DualPushEvent.Type#DESTINATION_UP}
     */
    @Override
    public boolean stateChange() {
      return event.type() == DualPushEvent.Type.DESTINATION_DOWN || event.type() == DualPushEvent.Type.DESTINATION_UP;
    }
  }

  /**
   * An alert, as the engine raised it: before any {@link AlertCoalescer} merged it with others, so every alert
   * of a storm has its entry.
   *
   * @param sequence the entry's sequence number, at least 1
   * @param at when it was recorded, by the client's clock
   * @param alert the alert
   * @param key the key of the alert's transaction, as the most recent entries of that transaction name it; empty
   *     when the alert concerns no transaction or those entries have fallen off
   */
  record AlertEntry(long sequence, Instant at, Alert alert, String key) implements HistoryEntry {
    /**
     * Checks that no component is null and the sequence is positive.
     *
     * @param sequence the entry's sequence number, at least 1
     * @param at when it was recorded, by the client's clock
     * @param alert the alert
     * @param key the key of the alert's transaction, or empty
     */
    public AlertEntry {
      checkSequence(sequence);
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(alert, "alert");
      Objects.requireNonNull(key, "key");
    }

    /**
     * The alert's transaction.
     *
     * @return {@code alert().transactionId()}
     */
    @Override
    public String transactionId() {
      return alert.transactionId();
    }

    /**
     * The alert's destination.
     *
     * @return {@code alert().destinationId()}
     */
    @Override
    public String destinationId() {
      return alert.destinationId();
    }

    /**
     * Every alert is a state change.
     *
     * @return true
     */
    @Override
    public boolean stateChange() {
      return true;
    }
  }

  private static void checkSequence(long sequence) {
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence must be at least 1; got " + sequence);
    }
  }
}
