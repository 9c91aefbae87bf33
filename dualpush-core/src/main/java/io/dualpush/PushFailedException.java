package io.dualpush;

/**
 * The ack policy did not hold for a push: not enough required copies were verified. The
 * transaction is durable in the log and repair goes on in the background; {@link #receipt()} says
 * which copies exist.
 */
public class PushFailedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final transient PushReceipt receipt;

  /**
   * A failed push, its message naming the key, the transaction, the state and every copy.
   *
   * @param receipt the push's receipt as it stood when the ack policy was decided
   */
  public PushFailedException(PushReceipt receipt) {
    super("Push of '" + receipt.key() + "' (transaction " + receipt.transactionId() + ") is "
        + receipt.state() + ": " + receipt.describeCopies());
    this.receipt = receipt;
  }

  /**
   * Per-destination status of the failed push, as it stood when the push returned.
   *
   * @return the receipt; not serialized, so null after deserialization
   */
  public PushReceipt receipt() {
    return receipt;
  }
}
