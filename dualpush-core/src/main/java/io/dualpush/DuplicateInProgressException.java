package io.dualpush;

/** Another push with the same message id is in progress (here or in another process). */
public class DuplicateInProgressException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The message id that is being processed elsewhere. */
  private final String messageId;

  /**
   * Refuses a push whose message id another push holds.
   *
   * @param messageId the message id that is in progress
   */
  public DuplicateInProgressException(String messageId) {
    super("A push with message id '" + messageId + "' is already in progress");
    this.messageId = messageId;
  }

  /**
   * The message id another push is processing; retry later, or wait for that push's outcome.
   *
   * @return the message id
   */
  public String messageId() {
    return messageId;
  }
}
