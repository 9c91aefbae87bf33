package io.dualpush;

/**
 * The client was closed: a call made after {@link DualPushClient#close()}, or a push, verification,
 * repair or probe that was queued or still running when {@code close()} gave up waiting for it.
 *
 * <p>A push failed this way may still be in the transaction log (if its start was appended) and is
 * then resumed by the next client opened on that log; one that failed before its start was
 * appended left nothing behind. Either way it is not acknowledged.
 */
public class ClientClosedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** What was refused or cut short, such as {@code "push of 'gold/a.csv'"}. */
  private final String operation;

  /**
   * A refusal of {@code operation} because the client is closed.
   *
   * @param operation what was refused or cut short, in a few words without secrets
   */
  public ClientClosedException(String operation) {
    super("The client is closed: " + operation + " did not complete");
    this.operation = operation;
  }

  /**
   * What was refused or cut short.
   *
   * @return the operation, such as {@code "push of 'gold/a.csv'"}
   */
  public String operation() {
    return operation;
  }
}
