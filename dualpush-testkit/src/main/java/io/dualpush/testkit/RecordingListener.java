package io.dualpush.testkit;

import io.dualpush.DualPushEvent;
import io.dualpush.DualPushListener;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link DualPushListener} that keeps every event, in arrival order, for assertions. Thread-safe:
 * events arrive on engine threads while a test reads them.
 *
 * <pre>{@code
 * RecordingListener events = new RecordingListener();
 * assertThat(events.eventsOfType(DualPushEvent.Type.COPY_WRITTEN)).hasSize(2);
 * }</pre>
 */
public final class RecordingListener implements DualPushListener {
  private final List<DualPushEvent> events = new CopyOnWriteArrayList<>();

  @Override
  public void onEvent(DualPushEvent event) {
    events.add(Objects.requireNonNull(event, "'event' cannot be null."));
  }

  /**
   * Every event received so far, oldest first; a snapshot.
   *
   * @return an unmodifiable copy of the events
   */
  public List<DualPushEvent> events() {
    return List.copyOf(events);
  }

  /**
   * The events of {@code type}, oldest first; a snapshot.
   *
   * @param type the event type to select
   * @return an unmodifiable list, possibly empty
   */
  public List<DualPushEvent> eventsOfType(DualPushEvent.Type type) {
    Objects.requireNonNull(type, "'type' cannot be null.");
    return events.stream().filter(e -> e.type() == type).toList();
  }

  /**
   * The events concerning {@code transactionId}, oldest first; a snapshot.
   *
   * @param transactionId the transaction to select
   * @return an unmodifiable list, possibly empty
   */
  public List<DualPushEvent> eventsOf(String transactionId) {
    Objects.requireNonNull(transactionId, "'transactionId' cannot be null.");
    return events.stream().filter(e -> e.transactionId().equals(transactionId)).toList();
  }

  /** Forgets every event recorded so far. */
  public void clear() {
    events.clear();
  }
}
