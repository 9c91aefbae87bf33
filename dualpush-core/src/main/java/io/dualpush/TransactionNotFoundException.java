package io.dualpush;

/** No transaction with that id is in the log. */
public class TransactionNotFoundException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The transaction that was asked for, as {@link #transactionId()} returns it. */
  private final String transactionId;

  /**
   * The log does not hold {@code transactionId}.
   *
   * @param transactionId the id that was asked for
   */
  public TransactionNotFoundException(String transactionId) {
    super("No transaction '" + transactionId + "' in the transaction log");
    this.transactionId = transactionId;
  }

  /**
   * The id that was asked for; the log never held it, or compaction has dropped it.
   *
   * @return the transaction id
   */
  public String transactionId() {
    return transactionId;
  }
}
