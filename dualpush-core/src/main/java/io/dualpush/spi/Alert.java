package io.dualpush.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * A typed alert.
 *
 * @param type what happened
 * @param severity how urgent, usually the type's {@link Type#defaultSeverity()}
 * @param message a sentence for people, without secrets
 * @param transactionId the transaction concerned, or empty
 * @param destinationId the destination concerned, or empty
 * @param at when it was raised, by the client's clock
 */
public record Alert(Type type, Severity severity, String message, String transactionId,
    String destinationId, Instant at) {
  /**
   * Checks that every component is non-null.
   *
   * @param type what happened
   * @param severity how urgent, usually the type's {@link Type#defaultSeverity()}
   * @param message a sentence for people, without secrets
   * @param transactionId the transaction concerned, or empty
   * @param destinationId the destination concerned, or empty
   * @param at when it was raised, by the client's clock
   */
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
    /** A push's ack policy did not hold; the caller got {@code PushFailedException}. */
    PUSH_FAILURE(Severity.HIGH),
    /** A copy the log says was written is missing, or could not be read back, when verified. */
    VERIFICATION_FAILURE(Severity.HIGH),
    /** A copy holds bytes whose MD5 differs from the source MD5 in the log. */
    DATA_INCONSISTENCY(Severity.CRITICAL),
    /** A destination cannot be reached; reserved for adapters and health monitors. */
    CONNECTION_FAILURE(Severity.HIGH),
    /** Repair gave up on a transaction after its last round; it is dead-lettered. */
    DEAD_LETTER(Severity.HIGH),
    /** A repair round failed and another is scheduled; reserved for adapters and monitors. */
    RETRY_FAILURE(Severity.MEDIUM),
    /** A destination is slow enough to threaten the push rate; reserved for monitors. */
    PERFORMANCE_DEGRADATION(Severity.LOW),
    /**
     * This process lost the active-region lease it held (a renewal refused, failed or too late): it stopped
     * acting, and another region may take over. High, as a push failure: a person should look at why.
     */
    LEASE_LOST(Severity.HIGH),
    /**
     * A destination's oldest copy not yet verified is older than its recovery-point budget: what was written since
     * then exists in fewer places than required. Raised when the budget is first exceeded, resolved when the
     * oldest pending copy is younger than the budget again.
     */
    RECOVERY_POINT_EXCEEDED(Severity.HIGH),
    /** This process became the active region after another holder: the switchover the seed's watchdog alerts on. */
    FAILOVER(Severity.HIGH),
    /** A user-supplied failover action (such as switching a Service Bus alias) failed; its cause is logged. */
    FAILOVER_ACTION_FAILURE(Severity.HIGH);

    private final Severity defaultSeverity;

    Type(Severity defaultSeverity) {
      this.defaultSeverity = defaultSeverity;
    }

    /**
     * The severity an alert of this type is raised with unless its raiser says otherwise.
     *
     * @return the default severity
     */
    public Severity defaultSeverity() {
      return defaultSeverity;
    }
  }

  /** How urgent. */
  public enum Severity {
    /** Worth a look: performance is degrading. */
    LOW,
    /** Something failed and will be retried. */
    MEDIUM,
    /** Something failed for good, or a copy is missing: a person should act. */
    HIGH,
    /** Data is wrong now: a copy differs from its source. */
    CRITICAL
  }
}
