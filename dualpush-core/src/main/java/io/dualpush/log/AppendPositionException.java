package io.dualpush.log;

import java.io.IOException;

/**
 * A conditional {@link SegmentStore#append} found the segment not ending where the log expected:
 * something else appended to it (a second writer that took the log over, a tool), or it was cut.
 * Nothing of this append was written. The log refuses every further write until it is reopened,
 * since its view of the segment is wrong.
 */
public class AppendPositionException extends IOException {
  private static final long serialVersionUID = 1L;
  /** Where the log expected the segment to end, as {@link #expected()} returns it. */
  private final long expected;
  /** The length the store found, as {@link #actual()} returns it. */
  private final long actual;

  /**
   * A failed conditional append.
   *
   * @param message what happened, naming the segment
   * @param expected the offset the log expected the segment to end at
   * @param actual the length the store found, or -1 when it did not learn it
   */
  public AppendPositionException(String message, long expected, long actual) {
    super(message);
    this.expected = expected;
    this.actual = actual;
  }

  /**
   * The offset the log expected the segment to end at.
   *
   * @return the expected offset
   */
  public long expected() {
    return expected;
  }

  /**
   * The length the store found.
   *
   * @return the segment's length, or -1 when not known
   */
  public long actual() {
    return actual;
  }
}
