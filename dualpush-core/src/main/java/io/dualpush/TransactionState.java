package io.dualpush;

/**
 * The state of one push transaction, derived from its copies and the ack policy recorded when it
 * started.
 */
public enum TransactionState {
  /** Copies are still being written and the ack policy is not decided yet. */
  IN_PROGRESS,
  /** The ack policy holds (every required copy verified) but some optional copy is not verified yet. */
  COMPLETED,
  /** Some copies are verified but the ack policy does not hold; repair is scheduled. */
  PARTIALLY_COMPLETED,
  /** No copy is verified. */
  FAILED,
  /** Every copy is verified against the source MD5. Terminal. */
  VERIFIED,
  /** A copy holds bytes whose MD5 differs from the source; repair is scheduled. */
  INCONSISTENT,
  /** Repair gave up after its last retry; an alert was raised. Terminal until retried by hand. */
  DEAD_LETTERED,
  /** A later push of the same key replaced this one before it finished; nothing more is done. Terminal. */
  SUPERSEDED;

  /**
   * Whether nothing more will happen to this transaction without a new request.
   *
   * @return true for {@link #VERIFIED}, {@link #DEAD_LETTERED} and {@link #SUPERSEDED}
   */
  public boolean isTerminal() {
    return this == VERIFIED || this == DEAD_LETTERED || this == SUPERSEDED;
  }
}
