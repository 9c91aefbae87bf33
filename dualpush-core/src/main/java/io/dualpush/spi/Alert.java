package io.dualpush.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A typed alert.
 *
 * @param transactionId the transaction concerned, or empty
 * @param destinationId the destination concerned, or empty
 */
public record Alert(Type type, Severity severity, String message, String transactionId,
    String destinationId, Instant at) {
  public Alert {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(at, "at");
  }

  /** What happened, with the seed's default severities. */
  public enum Type {
    PUSH_FAILURE(Severity.HIGH),
    VERIFICATION_FAILURE(Severity.HIGH),
    DATA_INCONSISTENCY(Severity.CRITICAL),
    CONNECTION_FAILURE(Severity.HIGH),
    DEAD_LETTER(Severity.HIGH),
    RETRY_FAILURE(Severity.MEDIUM),
    PERFORMANCE_DEGRADATION(Severity.LOW);

    private final Severity defaultSeverity;

    Type(Severity defaultSeverity) {
      this.defaultSeverity = defaultSeverity;
    }

    public Severity defaultSeverity() {
      return defaultSeverity;
    }
  }

  /** How urgent. */
  public enum Severity {
    LOW, MEDIUM, HIGH, CRITICAL
  }
}
