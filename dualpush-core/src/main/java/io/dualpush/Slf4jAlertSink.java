package io.dualpush;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs each alert under the logger named {@value #LOGGER_NAME}, so that alerts can be routed or filtered
 * apart from the engine's own log lines: CRITICAL and HIGH at ERROR, MEDIUM at WARN, LOW at INFO. A line
 * reads {@code ALERT PUSH_FAILURE [HIGH] message destination=east transaction=tx-1}, the destination and
 * transaction only when the alert names them. The client's default sink is this one behind an
 * {@link AlertCoalescer}.
 *
 * <p>Never blocks beyond the logging backend and never throws. Thread-safe and stateless.
 *
 * <pre>{@code
 * builder.alertSink(AlertCoalescer.builder().sink(new Slf4jAlertSink()).build());
 * }</pre>
 */
public final class Slf4jAlertSink implements AlertSink {
  /** The name of the logger alerts are written under. */
  public static final String LOGGER_NAME = "io.dualpush.alerts";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

  /** Creates the sink; all instances share the one alerts logger. */
  public Slf4jAlertSink() { }

  @Override
  public void raise(Alert alert) {
    String where = where(alert);
    switch (alert.severity()) {
      case CRITICAL, HIGH -> LOG.error("ALERT {} [{}] {}{}", alert.type(), alert.severity(), alert.message(), where);
      case MEDIUM -> LOG.warn("ALERT {} [{}] {}{}", alert.type(), alert.severity(), alert.message(), where);
      default -> LOG.info("ALERT {} [{}] {}{}", alert.type(), alert.severity(), alert.message(), where);
    }
  }

  /**
   * Logs the resolve at INFO, whatever its severity: {@code RESOLVED CONNECTION_FAILURE [HIGH] Destination east
   * is back after 12.0 s destination=east}.
   */
  @Override
  public void resolve(Alert resolved) {
    LOG.info("RESOLVED {} [{}] {}{}", resolved.type(), resolved.severity(), resolved.message(), where(resolved));
  }

  private static String where(Alert alert) {
    return (alert.destinationId().isEmpty() ? "" : " destination=" + alert.destinationId())
        + (alert.transactionId().isEmpty() ? "" : " transaction=" + alert.transactionId());
  }
}
