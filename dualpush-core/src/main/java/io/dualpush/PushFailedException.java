package io.dualpush;

/**
 * The ack policy did not hold for a push: not enough required copies were verified. The
 * transaction is durable in the log and repair goes on in the background; {@link #receipt()} says
 * which copies exist.
 */
public class PushFailedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final transient PushReceipt receipt;

  public PushFailedException(PushReceipt receipt) {
    super("Push of '" + receipt.key() + "' (transaction " + receipt.transactionId() + ") is "
        + receipt.state() + ": " + receipt.describeCopies());
    this.receipt = receipt;
  }

  /** Per-destination status of the failed push, as it stood when the push returned. */
  public PushReceipt receipt() {
    return receipt;
  }
}
