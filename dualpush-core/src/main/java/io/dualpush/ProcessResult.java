package io.dualpush;

import java.util.Objects;
import java.util.Optional;

/**
 * What {@link MessageProcessor#process} (or, per message, {@link MessageProcessor#processAll}) did with a message.
 * Immutable.
 *
 * @param messageId the message's id
 * @param status processed now, a duplicate of a processed message, or being processed elsewhere
 * @param resultReference the handler's result reference: this call's, or the earlier one's for a duplicate; empty
 *     while the message is in progress elsewhere
 */
public record ProcessResult(String messageId, Status status, Optional<String> resultReference) {
  /** What happened to the message. */
  public enum Status {
    /** The handler ran now and returned; the message is marked done. */
    PROCESSED,
    /** The message was processed before (within the dedupe TTL): the handler did not run. */
    DUPLICATE,
    /** Another worker holds the message's claim: the handler did not run; try again later. */
    IN_PROGRESS_ELSEWHERE
  }

  /**
   * Checks the components.
   *
   * @param messageId the message's id
   * @param status what happened
   * @param resultReference the result reference, or empty
   */
  public ProcessResult {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(resultReference, "resultReference");
  }
}
