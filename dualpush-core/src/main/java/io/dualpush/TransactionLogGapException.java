package io.dualpush;

import java.util.Objects;

/**
 * Segments are missing between two segments the transaction log still holds: one was deleted or
 * lost. A log's own compaction only ever deletes its oldest segments, so a gap in the middle is
 * never its doing, and replaying around it could silently revert a key to an older version (its
 * newer version was in the missing segment) or forget transactions. The open stops instead.
 *
 * <p>{@link #segment()} is the segment after the gap, {@link #previousSegment()} the one before it,
 * and {@link #firstMissing()}..{@link #lastMissing()} the missing range, in the numbering of the
 * log's segment names: record sequence numbers for the file log, segment numbers for the Azure log.
 *
 * <p>Immutable, so safe to share between threads.
 */
public class TransactionLogGapException extends TransactionLogCorruptedException {
  private static final long serialVersionUID = 1L;
  /** The segment before the gap, as {@link #previousSegment()} returns it. */
  private final String previousSegment;
  /** The first missing number, as {@link #firstMissing()} returns it. */
  private final long firstMissing;
  /** The last missing number, as {@link #lastMissing()} returns it. */
  private final long lastMissing;

  /**
   * @param message the whole message: the facts and what to do
   * @param log the log, as its implementation describes it
   * @param previousSegment the segment before the gap
   * @param segment the segment after the gap
   * @param firstMissing the first missing number (in the numbering of the segment names)
   * @param lastMissing the last missing number, at least {@code firstMissing}
   * @param reason what is missing, e.g. {@code records 57..106 are missing}
   */
  public TransactionLogGapException(String message, String log, String previousSegment, String segment,
      long firstMissing, long lastMissing, String reason) {
    super(message, log, segment, 0, reason);
    if (lastMissing < firstMissing) {
      throw new IllegalArgumentException("lastMissing " + lastMissing + " < firstMissing " + firstMissing);
    }
    this.previousSegment = Objects.requireNonNull(previousSegment, "previousSegment");
    this.firstMissing = firstMissing;
    this.lastMissing = lastMissing;
  }

  /**
   * The segment the log holds just before the gap (a file or blob name, like {@link #segment()}).
   *
   * @return the segment's name
   */
  public String previousSegment() {
    return previousSegment;
  }

  /**
   * The first missing number: a record sequence number for the file log, a segment number for the Azure log.
   *
   * @return the first missing number
   */
  public long firstMissing() {
    return firstMissing;
  }

  /**
   * The last missing number, inclusive; at least {@link #firstMissing()}.
   *
   * @return the last missing number
   */
  public long lastMissing() {
    return lastMissing;
  }
}
