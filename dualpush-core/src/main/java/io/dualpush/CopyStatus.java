package io.dualpush;

/** Where one destination's copy of a pushed object stands. */
public enum CopyStatus {
  /** Not attempted yet. */
  PENDING,
  /** A write is under way. */
  IN_PROGRESS,
  /** The destination accepted the write; its digest has not been checked yet. */
  COMPLETED,
  /** The digest the destination holds equals the source MD5 recorded in the log. */
  VERIFIED,
  /** The write failed, or the stored digest differs from the source (see {@code mismatch}). */
  FAILED;

  /**
   * Whether no further write is under way or due for this copy in the current attempt.
   *
   * @return true for {@link #VERIFIED} and {@link #FAILED}
   */
  public boolean isSettled() {
    return this == VERIFIED || this == FAILED;
  }
}
