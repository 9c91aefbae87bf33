package io.dualpush;

/**
 * The work done once per message by {@link MessageProcessor#process}: it performs the message's side effect and
 * returns a reference to its result (an order id, a blob key, a row id), which duplicates of the message are answered
 * with. It runs at most once at a time per message id and never again once it has returned; a handler that throws
 * leaves the message to be processed again.
 *
 * <p>Exactly-once is a claim plus an idempotent or fenced side effect: a worker can die after the side effect and
 * before the message is marked done, and the message is then handled again. {@link MessageContext#redelivered()}
 * says when that may have happened, so the handler can check its side effect first, and {@link
 * MessageContext#fencingToken()} lets it fence the side effect against a worker of an older lease.
 */
@FunctionalInterface
public interface MessageHandler {
  /**
   * Handles one message.
   *
   * @param context the message and what is known about earlier attempts
   * @return a reference to the result, kept for duplicates of the message; not null
   * @throws Exception any failure: the message's claim is released so that it is handled again
   */
  String handle(MessageContext context) throws Exception;
}
