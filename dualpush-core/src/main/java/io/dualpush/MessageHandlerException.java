package io.dualpush;

/**
 * Thrown by {@link MessageProcessor#process} (and, as a {@link BatchHandlerException}, by {@link
 * MessageProcessor#processAll}) when the message's handler threw: the message's claim was released, so
 * the message is handled again by the next attempt. The cause is the handler's exception.
 */
public class MessageHandlerException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The message's id. */
  private final String messageId;

  /**
   * A handler's failure.
   *
   * @param messageId the message's id
   * @param cause what the handler threw
   */
  public MessageHandlerException(String messageId, Throwable cause) {
    super("The handler of message '" + messageId + "' failed; its claim was released for a retry: " + cause, cause);
    this.messageId = messageId;
  }

  /**
   * A handler's failure described by a subclass.
   *
   * @param messageId the message's id
   * @param message what went wrong, without secrets
   * @param cause what the handler threw
   */
  protected MessageHandlerException(String messageId, String message, Throwable cause) {
    super(message, cause);
    this.messageId = messageId;
  }

  /**
   * The message's id.
   *
   * @return the id
   */
  public String messageId() {
    return messageId;
  }
}
