package io.dualpush.spi;

import java.util.Objects;

/**
 * Something a {@link TransactionLog} found when it opened and worked around instead of failing, which
 * a reader must know because what the log now shows may not be everything that was written: a torn
 * tail dropped or left unread, a damaged segment moved aside, a gap the user accepted. Listed by
 * {@link TransactionLog#openWarnings()}; a status tool that reports states from a log should show
 * them, since a state it reports may be older than the record that was lost or not read.
 *
 * <pre>{@code
 * for (LogOpenWarning w : log.openWarnings()) err.println("warning: " + w.message());
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind what was found
 * @param segment the segment it was found in (a file name, a blob name); for {@link Kind#GAP_ACCEPTED},
 *     the segment after the gap
 * @param offset the byte offset in {@code segment} where it starts; 0 for {@link Kind#GAP_ACCEPTED}
 * @param message a whole sentence for people: the facts, what the reader misses and what to do
 */
public record LogOpenWarning(Kind kind, String segment, long offset, String message) {

  /** What an open found. */
  public enum Kind {
    /**
     * A writer's open found the last segment ending in a partial or damaged record with nothing
     * valid after it (the process died while appending) and dropped it. The record was never
     * acknowledged, so nothing acknowledged is lost.
     */
    TORN_TAIL_DROPPED,
    /**
     * A read-only open found the last segment ending in a partial record that was still there,
     * unchanged, when read again a moment later, so it is not an append in progress. It cannot be
     * dropped read-only: the view ends before it, and whatever record was being written there (a
     * later state of some transaction) is not seen.
     */
    TORN_TAIL_IGNORED,
    /**
     * A read-only open found the last segment growing while it read it, still ending in a partial
     * record after re-reading: a writer is appending. The view ends before that record.
     */
    APPEND_IN_PROGRESS,
    /**
     * A damaged segment was moved aside (the log's builder allowed it): the transactions recorded in
     * it may be lost or seen in an older state.
     */
    SEGMENT_QUARANTINED,
    /**
     * Segments are missing between two the log holds, and that loss was accepted (now, or when an
     * earlier open quarantined a segment): transactions recorded there may be lost or seen in an
     * older state.
     */
    GAP_ACCEPTED
  }

  /**
   * Checks the components.
   *
   * @param kind what was found
   * @param segment the segment it was found in
   * @param offset the byte offset in {@code segment}, 0 or more
   * @param message a whole sentence for people
   * @throws NullPointerException when {@code kind}, {@code segment} or {@code message} is null
   * @throws IllegalArgumentException when {@code offset} is negative
   */
  public LogOpenWarning {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(segment, "segment");
    Objects.requireNonNull(message, "message");
    if (offset < 0) {
      throw new IllegalArgumentException("offset must not be negative; got " + offset);
    }
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}
