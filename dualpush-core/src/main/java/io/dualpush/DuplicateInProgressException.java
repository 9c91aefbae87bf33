package io.dualpush;

/** Another push with the same message id is in progress (here or in another process). */
public class DuplicateInProgressException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final String messageId;

  public DuplicateInProgressException(String messageId) {
    super("A push with message id '" + messageId + "' is already in progress");
    this.messageId = messageId;
  }

  public String messageId() {
    return messageId;
  }
}
