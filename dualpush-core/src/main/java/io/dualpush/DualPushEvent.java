package io.dualpush;

import java.time.Duration;
import java.util.Objects;

/**
 * Something the engine did, for metrics and tracing. Strings that do not apply are empty.
 *
 * @param bytes payload bytes concerned, or 0
 * @param elapsed how long the step took, or zero
 */
public record DualPushEvent(Type type, String transactionId, String key, String destinationId,
    long bytes, Duration elapsed, String detail) {
  public DualPushEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(detail, "detail");
  }

  /** Kinds of event. */
  public enum Type {
    PUSH_STARTED,
    DUPLICATE_PUSH,
    COPY_WRITTEN,
    COPY_UNCHANGED,
    COPY_VERIFIED,
    COPY_FAILED,
    COPY_INCONSISTENT,
    PUSH_ACKNOWLEDGED,
    PUSH_NOT_ACKNOWLEDGED,
    REPAIR_STARTED,
    REPAIR_FINISHED,
    DEAD_LETTERED
  }
}
