package io.dualpush.internal;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushEvent;
import io.dualpush.spi.Alert;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a destination going down or coming back means to operators, said once per change rather than once per
 * failed copy: one WARN line when its circuit breaker opens from closed and one INFO line when it closes again, on
 * the logger {@value #LOGGER_NAME}; the {@code DESTINATION_DOWN} / {@code DESTINATION_UP} events; and a
 * {@link Alert.Type#CONNECTION_FAILURE} alert raised when it goes down and resolved at once when it is back. The
 * copies failed in between are logged at DEBUG by the classes that record them. Thread-safe.
 */
final class DestinationStates {
  /** The logger of destinations' state changes. */
  static final String LOGGER_NAME = "io.dualpush.destinations";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  private final Events events;

  DestinationStates(Events events) {
    this.events = events;
  }

  /** The breaker listener of the destination {@code options} describes. */
  CircuitBreaker.StateListener listener(DestinationOptions options) {
    return (down, after, downFor) -> {
      if (down) {
        down(options, after.openingCause());
      } else {
        up(options, downFor);
      }
    };
  }

  private void down(DestinationOptions options, String cause) {
    String id = options.id();
    String what = describe(options) + " is down: " + cause;
    LOG.warn("{}; writes held for repair until it is back", what);
    events.emit(DualPushEvent.Type.DESTINATION_DOWN, "", "", id, 0, Duration.ZERO, cause);
    events.alert(Alert.Type.CONNECTION_FAILURE, what, "", id);
  }

  private void up(DestinationOptions options, Duration downFor) {
    String id = options.id();
    String what = describe(options) + " is back after " + span(downFor);
    LOG.info("{}; repairing the writes held for it", what);
    events.emit(DualPushEvent.Type.DESTINATION_UP, "", "", id, 0, downFor, "");
    events.resolve(Alert.Type.CONNECTION_FAILURE, what, id);
  }

  private static String describe(DestinationOptions options) {
    return "Destination " + options.id() + (options.region().isEmpty() ? "" : " (region " + options.region() + ")");
  }

  /** A human span: milliseconds below a second, else seconds with one decimal. */
  static String span(Duration d) {
    long ms = d.toMillis();
    return ms < 1000 ? ms + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }
}
