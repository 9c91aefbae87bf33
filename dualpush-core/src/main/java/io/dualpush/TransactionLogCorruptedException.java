package io.dualpush;

import java.util.Objects;

/**
 * The stored transaction log is damaged or incomplete in a way that replaying it could silently lose
 * transactions or revert a key to an older version, so the open stops instead: a record that fails
 * its checksum with valid records after it, a segment that is not the last cut short, or segments
 * missing between two present ones ({@link TransactionLogGapException}). Nothing was changed.
 *
 * <p>The facts are fields, so that a tool can phrase its own advice (a command-line flag rather than
 * a builder option): {@link #log()}, {@link #segment()}, {@link #offset()} and {@link #reason()}.
 * The message says all of them and ends with the library's own advice (restore the segment, or the
 * log's builder option that moves a damaged segment aside).
 *
 * <pre>{@code
 * catch (TransactionLogCorruptedException e) { err.println(e.segment() + " at " + e.offset() + ": " + e.reason()); }
 * }</pre>
 *
 * <p>Immutable, so safe to share between threads.
 */
public class TransactionLogCorruptedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The log's description, as {@link #log()} returns it. */
  private final String log;
  /** The damaged segment, as {@link #segment()} returns it. */
  private final String segment;
  /** Where the damage starts, as {@link #offset()} returns it. */
  private final long offset;
  /** What was found, as {@link #reason()} returns it. */
  private final String reason;

  /**
   * @param message the whole message: the facts and what to do
   * @param log the log, as its implementation describes it (a directory, {@code azure:ACCOUNT/CONTAINER/PREFIX})
   * @param segment the damaged segment's name (a file name, a blob name)
   * @param offset the byte offset in {@code segment} where the damage starts; 0 for a missing segment
   * @param reason what was found there, e.g. {@code checksum mismatch}
   */
  public TransactionLogCorruptedException(String message, String log, String segment, long offset, String reason) {
    super(message);
    this.log = Objects.requireNonNull(log, "log");
    this.segment = Objects.requireNonNull(segment, "segment");
    this.offset = offset;
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * The log, as its implementation describes it: a directory, or {@code azure:ACCOUNT/CONTAINER/PREFIX}.
   *
   * @return the log's description
   */
  public String log() {
    return log;
  }

  /**
   * The segment the damage is in: its file name ({@code segment-<20 digits>.wal}) for the file log,
   * its blob name for the Azure log. For missing segments, the segment that follows the gap.
   *
   * @return the segment's name
   */
  public String segment() {
    return segment;
  }

  /**
   * The byte offset in {@link #segment()} where the damage starts; 0 for missing segments.
   *
   * @return the offset in bytes, 0 or more
   */
  public long offset() {
    return offset;
  }

  /**
   * What was found, without advice: {@code checksum mismatch}, {@code records 57..106 are missing}, ...
   *
   * @return the finding, such as {@code checksum mismatch}
   */
  public String reason() {
    return reason;
  }
}
