package io.dualpush;

/**
 * The state of one push transaction, derived from its copies and the ack policy recorded when it
 * started (never stored: the log records copies, and every reader derives the same state from
 * them). A push is acknowledged as {@link #VERIFIED}, {@link #COMPLETED}, or, under a quorum ack
 * policy, {@link #QUORUM_ACKNOWLEDGED} (or {@link #INCONSISTENT} when the policy holds but some
 * copy's digest differs); a push that fails its ack policy is reported {@link #PARTIALLY_COMPLETED},
 * {@link #FAILED} or {@link #INCONSISTENT}, never {@link #IN_PROGRESS}. Immutable and thread-safe.
 */
public enum TransactionState {
  /**
   * The ack policy is not decided yet: it does not hold, and still can, because a required copy
   * is still being written. Never reported for a push whose required copies have settled short of
   * the policy, even while an optional copy is still writing.
   */
  IN_PROGRESS,
  /**
   * Every required copy is verified (so the ack policy holds) but some optional copy is not
   * verified yet; it is repaired in the background.
   */
  COMPLETED,
  /**
   * The push was acknowledged by a quorum ({@link AckPolicy#quorum(int)}): at least that many
   * required copies are verified, but some required copy is not verified yet (still being written,
   * or failed and due for repair). Never reported under {@link AckPolicy#allRequired()}.
   */
  QUORUM_ACKNOWLEDGED,
  /**
   * The ack policy does not hold and cannot without repair (a required copy failed), but some copy
   * is verified; repair is scheduled.
   */
  PARTIALLY_COMPLETED,
  /** The ack policy does not hold and cannot without repair, and no copy is verified; repair is scheduled. */
  FAILED,
  /** Every copy is verified against the source MD5. Terminal. */
  VERIFIED,
  /** A copy holds bytes whose MD5 differs from the source; repair is scheduled. */
  INCONSISTENT,
  /** Repair gave up after its last retry; an alert was raised. Terminal until retried by hand. */
  DEAD_LETTERED,
  /** A later push of the same key replaced this one before it finished; nothing more is done. Terminal. */
  SUPERSEDED,
  /**
   * Only for a duplicate push ({@link PushReceipt#duplicate()}) whose earlier transaction the log
   * no longer holds: logs compact a transaction away only once it has ended (verified, or
   * superseded by a later push of its key), so it is known to have ended but not how. The receipt
   * carries what the dedupe store remembered (transaction id, source MD5, size) and no copies.
   * Terminal.
   */
  FORGOTTEN;

  /**
   * Whether nothing more will happen to this transaction without a new request.
   *
   * @return true for {@link #VERIFIED}, {@link #DEAD_LETTERED}, {@link #SUPERSEDED} and {@link #FORGOTTEN}
   */
  public boolean isTerminal() {
    return this == VERIFIED || this == DEAD_LETTERED || this == SUPERSEDED || this == FORGOTTEN;
  }
}
