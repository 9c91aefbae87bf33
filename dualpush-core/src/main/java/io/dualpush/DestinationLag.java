package io.dualpush;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How far one destination is behind, as {@link DualPushClient#lag()} reports it: the copies pushed and not yet
 * verified there (the backlog, including copies still being written), their bytes, the age of the oldest of them,
 * how long copies took to be verified there lately, and what was given up on. Read from the engine's own counts,
 * never from the network: reading it is cheap and never blocks. Immutable and thread-safe.
 *
 * <p>The backlog's oldest age is the destination's real recovery point: what was written less recently than that
 * is there. When it exceeds the destination's {@linkplain DestinationOptions#recoveryPointBudget() recovery-point
 * budget}, a {@link io.dualpush.spi.Alert.Type#RECOVERY_POINT_EXCEEDED} alert is raised, and resolved when it no
 * longer does.
 *
 * <pre>{@code
 * DestinationLag dr = client.lag().get("secondary");
 * if (dr.overBudget()) log.warn("{} is {} behind ({} copies)", dr.destinationId(), dr.oldestPendingAge(), dr.backlogCopies());
 * }</pre>
 *
 * @param destinationId the destination's id
 * @param region the destination's region label, or empty
 * @param backlogCopies copies pushed (or found open in the log at start) and not yet verified at this destination,
 *     nor given up on
 * @param backlogBytes the bytes of those copies
 * @param oldestPendingAge how long the oldest of them has waited, by the client's clock; zero when none
 * @param completionP50 the median time from a push's start to its copy being verified here, over the most recent
 *     copies (at most a few thousand); zero before the first
 * @param completionP99 the 99th percentile of the same
 * @param verifiedCopies copies verified here since the client started (never reset)
 * @param deadLetteredCopies copies here whose transaction repair gave up on (dead-lettered), since the client
 *     started plus those the log held dead-lettered when it started; never reset, even when such a transaction is
 *     later repaired by hand
 * @param abandonedCopies copies that left the backlog without being verified here for another reason: their
 *     transaction was superseded by a newer push of the same key before this copy was verified; never reset
 * @param recoveryPointBudget the budget for {@code oldestPendingAge}, empty when none is set
 * @param overBudget whether {@code oldestPendingAge} exceeds the budget now
 */
public record DestinationLag(String destinationId, String region, long backlogCopies, long backlogBytes,
    Duration oldestPendingAge, Duration completionP50, Duration completionP99, long verifiedCopies,
    long deadLetteredCopies, long abandonedCopies, Optional<Duration> recoveryPointBudget, boolean overBudget) {

  /**
   * Checks that no component is null and no count negative.
   *
   * @param destinationId the destination's id
   * @param region the region label, or empty
   * @param backlogCopies copies not yet verified here
   * @param backlogBytes their bytes
   * @param oldestPendingAge the oldest one's age
   * @param completionP50 median completion time
   * @param completionP99 99th percentile completion time
   * @param verifiedCopies copies verified here
   * @param deadLetteredCopies copies given up on by repair
   * @param abandonedCopies copies superseded before being verified
   * @param recoveryPointBudget the budget, or empty
   * @param overBudget whether the oldest pending copy is older than the budget
   */
  public DestinationLag {
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(oldestPendingAge, "oldestPendingAge");
    Objects.requireNonNull(completionP50, "completionP50");
    Objects.requireNonNull(completionP99, "completionP99");
    Objects.requireNonNull(recoveryPointBudget, "recoveryPointBudget");
    if (backlogCopies < 0 || backlogBytes < 0 || verifiedCopies < 0 || deadLetteredCopies < 0 || abandonedCopies < 0) {
      throw new IllegalArgumentException("counts cannot be negative");
    }
  }
}
