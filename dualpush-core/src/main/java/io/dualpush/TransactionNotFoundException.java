package io.dualpush;

/** No transaction with that id is in the log. */
public class TransactionNotFoundException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final String transactionId;

  public TransactionNotFoundException(String transactionId) {
    super("No transaction '" + transactionId + "' in the transaction log");
    this.transactionId = transactionId;
  }

  public String transactionId() {
    return transactionId;
  }
}
