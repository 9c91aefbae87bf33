package io.dualpush.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to {@link DedupeStore#claim}.
 *
 * @param status what the claim found
 * @param outcome what the first processing recorded, present for {@link Status#DUPLICATE}
 */
public record DedupeClaim(Status status, Optional<String> outcome) {
  /**
   * Checks that every component is non-null.
   *
   * @param status what the claim found
   * @param outcome what the first processing recorded, present for {@link Status#DUPLICATE}
   */
  public DedupeClaim {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(outcome, "outcome");
  }

  /**
   * The caller won the claim and processes the message.
   *
   * @return a {@link Status#CLAIMED} answer
   */
  public static DedupeClaim claimed() {
    return new DedupeClaim(Status.CLAIMED, Optional.empty());
  }

  /**
   * Another caller holds an unexpired claim and is processing the message now.
   *
   * @return an {@link Status#IN_PROGRESS} answer
   */
  public static DedupeClaim inProgress() {
    return new DedupeClaim(Status.IN_PROGRESS, Optional.empty());
  }

  /**
   * The message was processed already.
   *
   * @param outcome what the first processing recorded
   * @return a {@link Status#DUPLICATE} answer carrying {@code outcome}
   */
  public static DedupeClaim duplicate(String outcome) {
    return new DedupeClaim(Status.DUPLICATE, Optional.of(outcome));
  }

  /**
   * The message was processed already, by the push that recorded {@code outcome}.
   *
   * @param outcome what the first push recorded
   * @return a {@link Status#DUPLICATE} answer carrying the encoded {@code outcome}
   */
  public static DedupeClaim duplicate(DedupeOutcome outcome) {
    return duplicate(outcome.encode());
  }

  /**
   * The outcome as the engine recorded it, read from its stable encoding (or the older
   * {@code txn|md5|size} form).
   *
   * @return the earlier push's outcome; empty when this is no duplicate, or when the outcome was
   *     not written by the engine
   */
  public Optional<DedupeOutcome> pushOutcome() {
    return outcome.flatMap(DedupeOutcome::decode);
  }

  /** What a claim found. */
  public enum Status {
    /** First: the caller processes the message. */
    CLAIMED,
    /** Already processed; {@code outcome} says how. */
    DUPLICATE,
    /** Being processed by another caller now. */
    IN_PROGRESS
  }
}
