package io.dualpush.log;

import java.io.IOException;

/**
 * The store found a segment damaged in a way only it can see (a blob of the wrong type, a
 * valid-length mark that is not a number): not a failure to reach the store, and retrying will not
 * help. The log treats it as damage of that segment: the open stops with a
 * {@code TransactionLogCorruptedException}, or quarantines the segment where allowed.
 */
public class SegmentCorruptedException extends IOException {
  private static final long serialVersionUID = 1L;
  /** The damaged segment's name, as {@link #segment()} returns it. */
  private final String segment;

  /**
   * Damage of one segment.
   *
   * @param message what is wrong, for people
   * @param segment the segment's name in the store
   */
  public SegmentCorruptedException(String message, String segment) {
    super(message);
    this.segment = segment;
  }

  /**
   * The damaged segment's name.
   *
   * @return the segment's name in the store
   */
  public String segment() {
    return segment;
  }
}
