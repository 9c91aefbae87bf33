package io.dualpush.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer to {@link DedupeStore#claim}.
 *
 * @param outcome what the first processing recorded, present for {@link Status#DUPLICATE}
 */
public record DedupeClaim(Status status, Optional<String> outcome) {
  public DedupeClaim {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(outcome, "outcome");
  }

  public static DedupeClaim claimed() {
    return new DedupeClaim(Status.CLAIMED, Optional.empty());
  }

  public static DedupeClaim inProgress() {
    return new DedupeClaim(Status.IN_PROGRESS, Optional.empty());
  }

  public static DedupeClaim duplicate(String outcome) {
    return new DedupeClaim(Status.DUPLICATE, Optional.of(outcome));
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
