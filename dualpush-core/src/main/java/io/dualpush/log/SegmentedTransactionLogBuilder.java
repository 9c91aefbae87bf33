package io.dualpush.log;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogUnavailableException;
import java.time.Duration;

/**
 * Settings of a {@link SegmentedTransactionLog}, from {@link SegmentedTransactionLog#builder};
 * {@link #open()} opens it. Setters validate on entry and name the setting. Not thread-safe.
 */
public final class SegmentedTransactionLogBuilder {
  private final SegmentStore store;
  private final LogOptions options = new LogOptions();

  SegmentedTransactionLogBuilder(SegmentStore store) {
    this.store = store;
  }

  /**
   * When an append returns (default {@code GROUP_COMMIT}).
   *
   * @param durability the mode
   * @return this builder
   * @throws InvalidInputException naming {@code durability} when it is null
   */
  public SegmentedTransactionLogBuilder durability(SegmentedTransactionLog.Durability durability) {
    options.durability = InvalidInputException.requireNonNull(durability, "durability");
    return this;
  }

  /**
   * Size in bytes at which a segment rolls over; at least 4 KiB (default 64 MiB).
   *
   * @param bytes at least 4096
   * @return this builder
   * @throws InvalidInputException naming {@code segmentSize} when it is below 4096
   */
  public SegmentedTransactionLogBuilder segmentSize(long bytes) {
    if (bytes < 4096) {
      throw new InvalidInputException("segmentSize", "'segmentSize' must be at least 4096 bytes; got " + bytes);
    }
    options.segmentSize = bytes;
    return this;
  }

  /**
   * How long the group-commit writer waits, after the first record of a batch, for other appenders
   * to join it so that their durable appends share one sync (zero, the default, for never: a batch
   * is then whatever queued up while the previous sync ran).
   *
   * <p>Worth a few milliseconds where several threads push to remote destinations, whose copies
   * take tens of milliseconds: there it saves most syncs for little added latency. Where copies take
   * a millisecond or so it costs more time than it saves, which is why it is off by default, as
   * PostgreSQL's {@code commit_delay} is. A window that is set applies itself only with company: the
   * writer waits only when durable appends came from more than one thread recently, and no longer
   * once each such thread has a record in the batch; after waits nobody joined it tries less often.
   * An application that appends from one thread at a time never waits.
   *
   * @param window from zero to 1 s
   * @return this builder
   * @throws InvalidInputException naming {@code groupCommitWindow} when it is null, negative or over 1 s
   */
  public SegmentedTransactionLogBuilder groupCommitWindow(Duration window) {
    options.groupCommitWindow = checkGroupCommitWindow(window);
    return this;
  }

  /**
   * Checks a {@link #groupCommitWindow}, for builders that take it before they build this one.
   *
   * @param window the window
   * @return {@code window}
   * @throws InvalidInputException naming {@code groupCommitWindow} when it is null, negative or over 1 s
   */
  public static Duration checkGroupCommitWindow(Duration window) {
    InvalidInputException.requireNonNull(window, "groupCommitWindow");
    if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) > 0) {
      throw new InvalidInputException("groupCommitWindow", "'groupCommitWindow' must be between 0 and 1 s; got "
          + window);
    }
    return window;
  }

  /**
   * The longest what {@link SegmentedTransactionLog#appendBuffered} wrote waits for a sync when no
   * durable append comes to cover it (default 1 s): a bound on what a power cut can take of the
   * progress records. Zero syncs every buffered append as a durable one is.
   *
   * @param interval from zero to 1 hour
   * @return this builder
   * @throws InvalidInputException naming {@code bufferedSyncInterval} when it is null, negative or over 1 hour
   */
  public SegmentedTransactionLogBuilder bufferedSyncInterval(Duration interval) {
    options.bufferedSyncInterval = checkBufferedSyncInterval(interval);
    return this;
  }

  /**
   * Checks a {@link #bufferedSyncInterval}, for builders that take it before they build this one.
   *
   * @param interval the interval
   * @return {@code interval}
   * @throws InvalidInputException naming {@code bufferedSyncInterval} when it is null, negative or over 1 hour
   */
  public static Duration checkBufferedSyncInterval(Duration interval) {
    InvalidInputException.requireNonNull(interval, "bufferedSyncInterval");
    if (interval.isNegative() || interval.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidInputException("bufferedSyncInterval", "'bufferedSyncInterval' must be between 0 and 1 hour; got "
          + interval);
    }
    return interval;
  }

  /**
   * Most records one group commit covers; at least 1.
   *
   * @param records at least 1
   * @return this builder
   * @throws InvalidInputException naming {@code maxBatchRecords} when it is below 1
   */
  public SegmentedTransactionLogBuilder maxBatchRecords(int records) {
    if (records < 1) {
      throw new InvalidInputException("maxBatchRecords", "'maxBatchRecords' must be at least 1; got " + records);
    }
    options.maxBatchRecords = records;
    return this;
  }

  /**
   * Whether the open works around damage, losing what it held: a damaged segment is quarantined,
   * a gap is accepted and recorded (default false). Only for stores that have a quarantine.
   *
   * @param quarantine true to work around damage
   * @return this builder
   */
  public SegmentedTransactionLogBuilder quarantineDamagedSegments(boolean quarantine) {
    options.quarantine = quarantine;
    return this;
  }

  /**
   * Whether a writer's open breaks a claim another writer holds (default false).
   *
   * @param takeOver true to break another writer's claim
   * @return this builder
   */
  public SegmentedTransactionLogBuilder takeOver(boolean takeOver) {
    options.takeOver = takeOver;
    return this;
  }

  /**
   * Terminal transactions kept in memory for {@code read} and {@code recent}.
   *
   * @param transactions 0 or more
   * @return this builder
   * @throws InvalidInputException naming {@code terminalRetention} when it is negative
   */
  public SegmentedTransactionLogBuilder terminalRetention(int transactions) {
    options.terminalRetention = InvalidInputException.requireNonNegative(transactions, "terminalRetention");
    return this;
  }

  /**
   * How many of the most recent older segments compaction always keeps (default 2).
   *
   * @param segments 0 or more
   * @return this builder
   * @throws InvalidInputException naming {@code retainSegments} when it is negative
   */
  public SegmentedTransactionLogBuilder retainSegments(int segments) {
    options.retainSegments = InvalidInputException.requireNonNegative(segments, "retainSegments");
    return this;
  }

  /**
   * How many older segments unfinished transactions may pin before they are copied forward (default 2).
   *
   * @param segments 0 or more
   * @return this builder
   * @throws InvalidInputException naming {@code compactAfterSegments} when it is negative
   */
  public SegmentedTransactionLogBuilder compactAfterSegments(int segments) {
    options.compactAfterSegments = InvalidInputException.requireNonNegative(segments, "compactAfterSegments");
    return this;
  }

  /**
   * How long {@link SegmentedTransactionLog#close()} waits for queued appends to be written
   * (default 30 s); appends still queued then fail.
   *
   * @param timeout positive
   * @return this builder
   * @throws InvalidInputException naming {@code closeTimeout} when it is null, zero or negative
   */
  public SegmentedTransactionLogBuilder closeTimeout(Duration timeout) {
    InvalidInputException.requireNonNull(timeout, "closeTimeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new InvalidInputException("closeTimeout", "'closeTimeout' must be positive; got " + timeout);
    }
    options.closeTimeout = timeout;
    return this;
  }

  /**
   * How a read-only open waits before reading a torn-looking tail again (a sleep by default).
   *
   * @param pause the wait
   * @return this builder
   * @throws InvalidInputException naming {@code tailPause} when it is null
   */
  public SegmentedTransactionLogBuilder tailPause(SegmentedTransactionLog.TailPause pause) {
    options.tailPause = InvalidInputException.requireNonNull(pause, "tailPause");
    return this;
  }

  /**
   * Claims the store, replays the log and starts the writer.
   *
   * @return the open log, holding the claim until closed
   * @throws TransactionLogCorruptedException when the log is damaged or has a gap that may not be worked around
   * @throws TransactionLogUnavailableException when the store fails
   * @throws DualPushException when another writer holds the log
   */
  public SegmentedTransactionLog open() {
    return SegmentedTransactionLog.open(store, options.copy(), false);
  }

  /**
   * Reads the log without claiming it or changing anything; appends fail.
   *
   * @return a log showing what the store held at open
   * @throws TransactionLogCorruptedException when the log is damaged or has a gap no open accepted
   * @throws TransactionLogUnavailableException when the store fails
   */
  public SegmentedTransactionLog openReadOnly() {
    return SegmentedTransactionLog.open(store, options.copy(), true);
  }
}
