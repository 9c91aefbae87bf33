package io.dualpush.internal;

import io.dualpush.DualPushEvent;
import io.dualpush.DualPushListener;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listeners and the alert sink, called so that a throwing one never breaks the push path: what it
 * throws is logged and dropped. Thread-safe (the listeners must be too).
 */
final class Events {
  private static final Logger LOG = LoggerFactory.getLogger(Events.class);
  private final List<DualPushListener> listeners;
  private final AlertSink alerts;
  private final Clock clock;
  private volatile @Nullable LagTracker lag;
  private volatile @Nullable HealthTracker health;

  Events(List<DualPushListener> listeners, AlertSink alerts, Clock clock) {
    this.listeners = listeners;
    this.alerts = alerts;
    this.clock = clock;
  }

  /** Feeds every event to {@code lag} too, before the listeners, without building an event object for it. */
  void lagTracker(LagTracker lag) {
    this.lag = lag;
  }

  /** Feeds every event to {@code health} too, before the listeners, without building an event object for it. */
  void healthTracker(HealthTracker health) {
    this.health = health;
  }

  void emit(DualPushEvent.Type type, String id, String key, String destination, long bytes, Duration elapsed, String detail) {
    LagTracker lag = this.lag;
    if (lag != null) {
      try {
        lag.observe(type, id, key, destination, bytes);
      } catch (RuntimeException e) {
        LOG.warn("Lag tracking failed on {}", type, e);
      }
    }
    HealthTracker health = this.health;
    if (health != null) {
      try {
        health.observe(type, destination, detail);
      } catch (RuntimeException e) {
        LOG.warn("Health tracking failed on {}", type, e);
      }
    }
    if (listeners.isEmpty()) {
      return;
    }
    DualPushEvent event = new DualPushEvent(type, id, key, destination, bytes, elapsed, detail);
    for (DualPushListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("Listener {} threw on {}", l, type, e);
      }
    }
  }

  void alert(Alert.Type type, String message, String transactionId, String destinationId) {
    try {
      alerts.raise(new Alert(type, type.defaultSeverity(), message, transactionId, destinationId, clock.instant()));
    } catch (RuntimeException e) {
      LOG.warn("Alert sink threw on {}", type, e);
    }
  }

  /** The condition of {@code type} at {@code destinationId} has cleared: the sink hears it now (see AlertSink#resolve). */
  void resolve(Alert.Type type, String message, String destinationId) {
    try {
      alerts.resolve(new Alert(type, type.defaultSeverity(), message, "", destinationId, clock.instant()));
    } catch (RuntimeException e) {
      LOG.warn("Alert sink threw on the resolve of {}", type, e);
    }
  }
}
