package io.dualpush.testkit;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link AlertSink} that keeps every alert raised, in order, for assertions. Thread-safe: alerts
 * may arrive from engine threads while a test reads them.
 *
 * <pre>{@code
 * RecordingAlertSink alerts = new RecordingAlertSink();
 * assertThat(alerts.alertsOfType(Alert.Type.DEAD_LETTER)).hasSize(1);
 * }</pre>
 */
public final class RecordingAlertSink implements AlertSink {
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();

  @Override
  public void raise(Alert alert) {
    alerts.add(Objects.requireNonNull(alert, "'alert' cannot be null."));
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

  /** Forgets every alert recorded so far. */
  public void clear() {
    alerts.clear();
  }
}
