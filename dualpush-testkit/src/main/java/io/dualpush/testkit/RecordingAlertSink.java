package io.dualpush.testkit;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link AlertSink} that keeps every alert raised and every resolve, in order, for assertions. Thread-safe: alerts
 * may arrive from engine threads while a test reads them.
 *
 * <pre>{@code
 * RecordingAlertSink alerts = new RecordingAlertSink();
 * assertThat(alerts.alertsOfType(Alert.Type.DEAD_LETTER)).hasSize(1);
 * }</pre>
 */
public final class RecordingAlertSink implements AlertSink {
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private final List<Alert> resolves = new CopyOnWriteArrayList<>();
  private final List<Entry> stream = new CopyOnWriteArrayList<>();

  /** Creates an empty recorder. */
  public RecordingAlertSink() { }

  /**
   * One call the sink received, in the order received: an alert raised, or a resolve.
   *
   * @param alert the alert or the resolve
   * @param resolved whether it came through {@link AlertSink#resolve}
   */
  public record Entry(Alert alert, boolean resolved) { }

  @Override
  public void raise(Alert alert) {
    Objects.requireNonNull(alert, "'alert' cannot be null.");
    alerts.add(alert);
    stream.add(new Entry(alert, false));
  }

  /** Records the resolve (see {@link #resolves()}); it is not one of {@link #alerts()}. */
  @Override
  public void resolve(Alert resolved) {
    Objects.requireNonNull(resolved, "'resolved' cannot be null.");
    resolves.add(resolved);
    stream.add(new Entry(resolved, true));
  }

  /**
   * Every resolve received so far, oldest first; a snapshot.
   *
   * @return an unmodifiable copy of the resolves
   */
  public List<Alert> resolves() {
    return List.copyOf(resolves);
  }

  /**
   * Every alert and resolve received so far, in the order received; a snapshot.
   *
   * @return an unmodifiable copy of the stream
   */
  public List<Entry> stream() {
    return List.copyOf(stream);
  }

  /**
   * Every alert raised so far, oldest first; a snapshot.
   *
   * @return an unmodifiable copy of the alerts
   */
  public List<Alert> alerts() {
    return List.copyOf(alerts);
  }

  /**
   * The alerts of {@code type}, oldest first; a snapshot.
   *
   * @param type the alert type to select
   * @return an unmodifiable list, possibly empty
   */
  public List<Alert> alertsOfType(Alert.Type type) {
    Objects.requireNonNull(type, "'type' cannot be null.");
    return alerts.stream().filter(a -> a.type() == type).toList();
  }

  /**
   * The alerts of at least {@code severity}, oldest first; a snapshot.
   *
   * @param severity the lowest severity to select
   * @return an unmodifiable list, possibly empty
   */
  public List<Alert> alertsAtLeast(Alert.Severity severity) {
    Objects.requireNonNull(severity, "'severity' cannot be null.");
    return alerts.stream().filter(a -> a.severity().compareTo(severity) >= 0).toList();
  }

  /** Forgets every alert and resolve recorded so far. */
  public void clear() {
    alerts.clear();
    resolves.clear();
    stream.clear();
  }
}
