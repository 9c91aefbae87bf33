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
    /**
     * A push's ack policy did not hold; the caller got {@code PushFailedException}. The alert's destination is the
     * first required destination whose copy was not verified.
     */
    PUSH_FAILURE(Severity.HIGH),
    /** A copy the log says was written is missing, or could not be read back, when verified. */
    VERIFICATION_FAILURE(Severity.HIGH),
    /** A copy holds bytes whose MD5 differs from the source MD5 in the log. */
    DATA_INCONSISTENCY(Severity.CRITICAL),
    /**
     * A destination is down: its circuit breaker opened after consecutive failed calls; the message names the
     * cause. One per outage, and {@linkplain AlertSink#resolve resolved} at once when the destination is back.
     */
    CONNECTION_FAILURE(Severity.HIGH),
    /**
     * Repair gave up on a transaction after its last round; it is dead-lettered. The alert's destination is the
     * first destination whose copy is still not verified.
     */
    DEAD_LETTER(Severity.HIGH),
    /** A repair round of a transaction failed at a destination and another round is scheduled. */
    RETRY_FAILURE(Severity.MEDIUM),
    /**
     * A copy at a destination took longer than the destination's
     * {@linkplain io.dualpush.DestinationOptions#slowCopyThreshold() slow-copy threshold}; the message gives how long.
     */
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

    /**
     * Whether a condition of this type ends with an explicit {@link AlertSink#resolve} (a destination back up, a
     * lag back within its budget) rather than by going quiet: {@link #CONNECTION_FAILURE} and
     * {@link #RECOVERY_POINT_EXCEEDED}. A coalescing sink must not declare such a condition resolved because no
     * new alert of it came for a while: a destination down for an hour raises one alert, then nothing.
     *
     * @return true when only a resolve ends the condition
     */
    public boolean clearedByResolve() {
      return this == CONNECTION_FAILURE || this == RECOVERY_POINT_EXCEEDED;
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
