package io.dualpush.internal;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.util.EnumMap;
import java.util.Map;

/**
 * The client's severity map in front of its alert sink: an alert (or resolve) of a type the builder gave a
 * severity for ({@code DualPushClientBuilder.alertSeverity}) reaches the sink with that severity; other types keep
 * the severity they were raised with (their {@link Alert.Type#defaultSeverity()}). It sits in front of the whole
 * sink, so the engine's alerts and the coordinator's both follow the map. Immutable and thread-safe when the sink
 * is.
 */
public final class SeverityOverridingSink implements AlertSink {
  private final AlertSink sink;
  private final Map<Alert.Type, Alert.Severity> severities;

  /**
   * Wraps {@code sink}.
   *
   * @param sink where alerts go
   * @param severities the overrides, copied
   */
  public SeverityOverridingSink(AlertSink sink, Map<Alert.Type, Alert.Severity> severities) {
    this.sink = sink;
    this.severities = severities.isEmpty() ? Map.of() : new EnumMap<>(severities);
  }

  /**
   * {@code sink} behind the overrides, or {@code sink} itself when there are none.
   *
   * @param sink where alerts go
   * @param severities the overrides
   * @return the sink to hand the engine
   */
  public static AlertSink wrap(AlertSink sink, Map<Alert.Type, Alert.Severity> severities) {
    return severities.isEmpty() ? sink : new SeverityOverridingSink(sink, severities);
  }

  @Override
  public void raise(Alert alert) {
    sink.raise(apply(alert));
  }

  @Override
  public void resolve(Alert resolved) {
    sink.resolve(apply(resolved));
  }

  private Alert apply(Alert a) {
    Alert.Severity s = severities.get(a.type());
    return s == null || s == a.severity() ? a
        : new Alert(a.type(), s, a.message(), a.transactionId(), a.destinationId(), a.at());
  }
}
