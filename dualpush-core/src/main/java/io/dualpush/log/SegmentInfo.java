package io.dualpush.log;

import java.util.Objects;

/**
 * One segment as a {@link SegmentStore} lists or creates it. A snapshot: the log tracks the length
 * itself once it appends; the store does not update this value.
 *
 * <p>Immutable and thread-safe.
 *
 * @param number the segment's number, which orders segments and names them in the store (see
 *     {@link SegmentStore.Numbering} for what it counts)
 * @param name the segment's name in the store, for messages and warnings (a file name, a blob name)
 * @param length how many bytes of the segment are readable as log: its size, or for a store that
 *     cannot truncate, the valid length a {@link SegmentStore#dropTail} recorded
 */
public record SegmentInfo(long number, String name, long length) {
  /**
   * Checks the components.
   *
   * @param number the segment's number, 0 or more
   * @param name the segment's name in the store
   * @param length its readable length in bytes, 0 or more
   * @throws IllegalArgumentException when {@code number} or {@code length} is negative
   */
  public SegmentInfo {
    Objects.requireNonNull(name, "name");
    if (number < 0 || length < 0) {
      throw new IllegalArgumentException("number and length must not be negative; got " + number + ", " + length);
    }
  }

  /**
   * The same segment with another length.
   *
   * @param newLength the length, 0 or more
   * @return a new descriptor
   */
  public SegmentInfo withLength(long newLength) {
    return new SegmentInfo(number, name, newLength);
  }
}
