package io.dualpush;

import java.util.List;

/**
 * Thrown by {@link MessageProcessor#processAll} when the handler threw for one message of a batch. The batch stopped
 * there: the messages handled before it were marked done, and the failed message's claim and those of every message
 * of the batch not yet handled were released, so that they are handled again by the next attempt. Retrying the whole
 * batch is safe: the messages already processed come back as {@link ProcessResult.Status#DUPLICATE}. The cause is
 * the handler's exception. Immutable.
 */
public class BatchHandlerException extends MessageHandlerException {
  private static final long serialVersionUID = 1L;
  /** Where the failed message is in the batch. */
  private final int index;
  /** What happened to the messages before it. */
  private final List<ProcessResult> completed;
  /** How many handler runs of the batch returned before the failure. */
  private final int processedBefore;

  /**
   * A handler's failure in the middle of a batch.
   *
   * @param messageId the failed message's id
   * @param index the failed message's position in the batch (its first occurrence)
   * @param batchSize how many messages the batch held
   * @param completed the results of the messages before {@code index}, in input order
   * @param processedBefore how many messages of the batch were handled and marked done before the failure
   * @param released how many claims were released (the failed message's and those not yet handled)
   * @param cause what the handler threw
   */
  public BatchHandlerException(String messageId, int index, int batchSize, List<ProcessResult> completed,
      int processedBefore, int released, Throwable cause) {
    super(messageId, "The handler of message '" + messageId + "' (index " + index + " of a batch of " + batchSize
        + ") failed after " + processedBefore + " message(s) of the batch were processed and marked done; its claim "
        + "and those of the messages not yet handled (" + released + " in all) were released for a retry: " + cause,
        cause);
    this.index = index;
    this.completed = List.copyOf(completed);
    this.processedBefore = processedBefore;
  }

  /**
   * The failed message's position in the batch given to {@link MessageProcessor#processAll}.
   *
   * @return its index, from 0
   */
  public int index() {
    return index;
  }

  /**
   * What happened to the messages before the failed one, in input order: processed now, a duplicate, or in progress
   * elsewhere. The messages after it were not handled (unless they were duplicates or in progress elsewhere).
   *
   * @return the results of the first {@link #index()} messages
   */
  public List<ProcessResult> completed() {
    return completed;
  }

  /**
   * How many messages of the batch the handler processed (and were marked done) before it failed.
   *
   * @return the count, at most {@link #index()}
   */
  public int processedBefore() {
    return processedBefore;
  }
}
