package io.dualpush.local;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.log.SegmentCompaction;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.log.SegmentedTransactionLogBuilder;
import io.dualpush.log.TransactionIndex;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.LogStats;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A crash-safe, segmented write-ahead transaction log in a local directory.
 *
 * <p>Its files (one segment per run of records, named by the sequence number of the first, a lock
 * file, a quarantine directory) and the framing of its records are described in the
 * <a href="package-summary.html#file-log-format">package documentation</a>.
 *
 * <p>This class is a builder and facade: the log itself (framing, group commit, replay, the
 * torn-tail policy, gap detection, compaction) is {@code io.dualpush.log.SegmentedTransactionLog},
 * shared with every other segmented log, over a store of segment files in the directory.
 *
 * <p>A segment rolls over once it would exceed {@link Builder#segmentSize} (64 MiB by default); a
 * record larger than that gets a segment of its own. Before a new segment is created the old one
 * is fsynced, and the directory is fsynced after every create, rename or delete.
 *
 * <h2>Durability</h2>
 * {@link #append} returns once its record is written and, in the crash-safe modes, fsynced:
 * <ul>
 *   <li>{@link Durability#GROUP_COMMIT} (default): one writer thread writes a batch of queued
 *       appends (at most {@link Builder#maxBatchRecords}; with {@link Builder#groupCommitWindow}
 *       set and other threads appending too, it waits that long for them) and covers it with one
 *       fsync, after which they return.
 *   <li>{@link Durability#FSYNC_PER_RECORD}: each append writes and fsyncs its own record, in the
 *       calling thread, one at a time.
 *   <li>{@link Durability#OS_BUFFERED}: written to the OS, fsynced only at a roll-over and on
 *       {@link #close}. Survives a crash of this process, <b>not</b> a power cut: NOT crash-safe.
 * </ul>
 * {@link #appendBuffered} (progress records) returns once its record is in the page cache, in
 * order: the next durable append's fsync covers it, or the writer's within
 * {@link Builder#bufferedSyncInterval} (1 s by default), a roll-over's or the close's. A power cut
 * keeps a prefix of the log. If an fsync (or write, or a compaction's deletion) fails, every append of that batch fails and the log refuses all further
 * appends, each with a {@link TransactionLogUnavailableException} whose cause is that first
 * {@link IOException}: after a failed fsync the state of the page cache is unknown, so only a
 * reopen, which re-reads what is really on disk, can continue. Nothing more is written, not even by
 * {@link #close()}.
 *
 * <h2>Recovery</h2>
 * On open every segment is replayed in order. A torn tail of the <em>last</em> segment (a cut-short,
 * zeroed or garbage record with no whole record after it: the process died while appending) is
 * truncated with a warning naming segment and offset. Any other damage (a damaged record followed
 * by a valid one, anything wrong in a segment that is not the last, which was fsynced whole) stops
 * the open with a {@link TransactionLogCorruptedException} naming segment and offset. Segment names
 * count records ({@code base + records} of the one before), so a segment missing between two others
 * stops the open, read-only too, with a {@link TransactionLogGapException}: replaying around it
 * could revert a key to an older version (a missing <em>oldest</em> segment looks like compaction
 * and is not detected). With {@link Builder#quarantineDamagedSegments(boolean)} a damaged segment is
 * moved to {@code DIR/quarantine/} and a gap is accepted and recorded there (later opens honour it),
 * each with an ERROR log. {@link #openWarnings()} lists what an open worked around. A read-only open
 * changes nothing: it reads a torn tail again a moment later (a writer may be appending it) and lists
 * a tail that is still torn.
 *
 * <h2>Compaction</h2>
 * On every roll-over and on {@link #checkpoint()}, the shared rule
 * ({@code io.dualpush.log.SegmentCompaction}, which says why it is safe at any crash point): the
 * {@link Builder#retainSegments} most recent older segments are kept; older ones no unfinished
 * (open or dead-lettered) transaction needs are deleted, oldest first; when unfinished transactions
 * pin more than {@link Builder#compactAfterSegments}, their state is copied forward and the pinned
 * segments go too. Disk use stays within a few segments plus the unfinished transactions' state.
 * Deletions run on a thread of their own, so appends are acknowledged meanwhile; a roll-over waits
 * for the previous compaction's deletions and {@link #checkpoint()} for its own. A record appended
 * for a transaction whose start was compacted away is preceded by the transaction's state, in the
 * same fsync, so a restart finds it; records of transactions the index no longer holds are ignored
 * on replay, as are late records a stale writer left behind.
 *
 * <p>Only one process may open a directory for writing at a time: {@code DIR/.lock} is locked while
 * the log is open, and a second open (in this JVM or another) fails naming the directory.
 * {@link #openReadOnly} reads without the lock and without changing any file, for status tools.
 *
 * <pre>{@code
 * try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(16 << 20).open()) { ... }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class FileTransactionLog implements TransactionLog {
  /** Default size at which a segment rolls over. */
  public static final long DEFAULT_SEGMENT_SIZE = SegmentedTransactionLog.DEFAULT_SEGMENT_SIZE;
  /** Default most records one group commit covers. */
  public static final int DEFAULT_MAX_BATCH_RECORDS = SegmentedTransactionLog.DEFAULT_MAX_BATCH_RECORDS;
  /** How a read-only open waits before reading a torn-looking tail again; tests replace it. */
  static volatile SegmentedTransactionLog.TailPause tailPause = d -> Thread.sleep(d.toMillis());

  /** How {@link #append} makes a record durable. */
  public enum Durability {
    /** Each record is written and fsynced alone, in the appending thread. Crash-safe; slow. */
    FSYNC_PER_RECORD,
    /** Concurrent appends share one fsync (the default). Crash-safe. */
    GROUP_COMMIT,
    /** Written to the OS, never fsynced before returning. Survives a process crash only: NOT crash-safe. */
    OS_BUFFERED
  }

  /** Options of a {@link FileTransactionLog}; {@link #open()} opens it. Not thread-safe. */
  public static final class Builder {
    private final Path directory;
    private Durability durability = Durability.GROUP_COMMIT;
    private long segmentSize = DEFAULT_SEGMENT_SIZE;
    private Duration groupCommitWindow = Duration.ZERO;
    private int maxBatchRecords = DEFAULT_MAX_BATCH_RECORDS;
    private Duration bufferedSyncInterval = SegmentedTransactionLog.DEFAULT_BUFFERED_SYNC_INTERVAL;
    private boolean quarantine;
    private int terminalRetention = TransactionIndex.DEFAULT_TERMINAL_RETENTION;
    private int compactAfterSegments = SegmentCompaction.DEFAULT_COMPACT_AFTER_SEGMENTS;
    private int retainSegments = SegmentCompaction.DEFAULT_RETAIN_SEGMENTS;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * When an append returns: after the fsync that covers it ({@code GROUP_COMMIT}, the default, or {@code
     * FSYNC_PER_RECORD}), or after the write to the page cache ({@code OS_BUFFERED}, not crash-safe).
     *
     * @param durability the durability mode
     * @return this builder
     * @throws InvalidInputException naming {@code durability} when it is null
     */
    public Builder durability(Durability durability) {
      this.durability = InvalidInputException.requireNonNull(durability, "durability");
      return this;
    }

    /**
     * Size in bytes at which a segment rolls over; at least 4 KiB.
     *
     * @param bytes at least 4096 (default 64 MiB)
     * @return this builder
     * @throws InvalidInputException naming {@code segmentSize} when it is below 4096
     */
    public Builder segmentSize(long bytes) {
      if (bytes < 4096) {
        throw new InvalidInputException("segmentSize", "'segmentSize' must be at least 4096 bytes; got " + bytes);
      }
      this.segmentSize = bytes;
      return this;
    }

    /**
     * How long the group-commit writer waits, after the first record of a batch, for other
     * appenders to join it and share its fsync (zero, the default, for never). Worth a few
     * milliseconds where several threads push to remote destinations. It waits only while durable
     * appends come from more than one thread: see {@link SegmentedTransactionLogBuilder#groupCommitWindow}.
     *
     * @param window from zero to 1 s
     * @return this builder
     * @throws InvalidInputException naming {@code groupCommitWindow} when it is null, negative or over 1 s
     */
    public Builder groupCommitWindow(Duration window) {
      this.groupCommitWindow = SegmentedTransactionLogBuilder.checkGroupCommitWindow(window);
      return this;
    }

    /**
     * The longest a buffered append waits for an fsync when no durable append covers it (default 1 s;
     * zero: fsynced like a durable one). {@code FSYNC_PER_RECORD}: the next append after it fsyncs.
     *
     * @param interval from zero to 1 hour
     * @return this builder
     * @throws InvalidInputException naming {@code bufferedSyncInterval} when it is null, negative or over 1 hour
     */
    public Builder bufferedSyncInterval(Duration interval) {
      this.bufferedSyncInterval = SegmentedTransactionLogBuilder.checkBufferedSyncInterval(interval);
      return this;
    }

    /**
     * Most records one group commit covers; at least 1.
     *
     * @param records at least 1
     * @return this builder
     * @throws InvalidInputException naming {@code maxBatchRecords} when it is below 1
     */
    public Builder maxBatchRecords(int records) {
      if (records < 1) {
        throw new InvalidInputException("maxBatchRecords", "'maxBatchRecords' must be at least 1; got " + records);
      }
      this.maxBatchRecords = records;
      return this;
    }

    /**
     * Whether the open works around damage instead of failing (default false), at the price of
     * possible loss: a damaged segment is moved to {@code DIR/quarantine/}, and segments missing
     * between two present ones are accepted as lost, recorded in {@code DIR/quarantine/} so that
     * later opens, with this option or without, open past that gap (listing it in
     * {@link FileTransactionLog#openWarnings()}) instead of refusing. Each is logged as an ERROR and
     * listed in {@link FileTransactionLog#openWarnings()}; the transactions recorded there may be
     * lost or seen in an older state.
     *
     * @param quarantine true to work around damage, losing what it held
     * @return this builder
     */
    public Builder quarantineDamagedSegments(boolean quarantine) {
      this.quarantine = quarantine;
      return this;
    }

    /**
     * Terminal transactions kept in memory for {@code read} and {@code recent}.
     *
     * @param transactions 0 or more (default {@link TransactionIndex#DEFAULT_TERMINAL_RETENTION})
     * @return this builder
     * @throws InvalidInputException naming {@code terminalRetention} when it is negative
     */
    public Builder terminalRetention(int transactions) {
      this.terminalRetention = InvalidInputException.requireNonNegative(transactions, "terminalRetention");
      return this;
    }

    /**
     * How many of the most recent older segments compaction always keeps, so that the history of
     * recently finished transactions survives a restart (default 2; 0 keeps only what unfinished
     * transactions need).
     *
     * @param segments 0 or more
     * @return this builder
     * @throws InvalidInputException naming {@code retainSegments} when it is negative
     */
    public Builder retainSegments(int segments) {
      this.retainSegments = InvalidInputException.requireNonNegative(segments, "retainSegments");
      return this;
    }

    /**
     * Beyond the retained ones, how many older segments that unfinished (open or dead-lettered)
     * transactions still need may stay before compaction copies those transactions forward and
     * deletes the segments (default 2). 0 copies forward at every compaction.
     *
     * @param segments 0 or more
     * @return this builder
     * @throws InvalidInputException naming {@code compactAfterSegments} when it is negative
     */
    public Builder compactAfterSegments(int segments) {
      this.compactAfterSegments = InvalidInputException.requireNonNegative(segments, "compactAfterSegments");
      return this;
    }

    /**
     * Opens (creating if needed) the log.
     *
     * @return the open log, which holds the directory's lock until it is closed
     * @throws InvalidInputException naming {@code directory} when it is missing or not a directory
     * @throws TransactionLogCorruptedException when the log is damaged, or segments are missing between
     *     two present ones ({@link TransactionLogGapException}), and {@link #quarantineDamagedSegments}
     *     does not allow working around it
     * @throws TransactionLogUnavailableException when reading or repairing the files fails with an I/O error
     * @throws DualPushException when another process holds the log
     */
    public FileTransactionLog open() {
      Path dir = checkDirectory(directory);
      FileSegmentStore store = new FileSegmentStore(dir);
      return new FileTransactionLog(dir, store, log(store).open());
    }

    /** The shared log's builder with these settings. */
    private SegmentedTransactionLogBuilder log(FileSegmentStore store) {
      return SegmentedTransactionLog.builder(store)
          .durability(SegmentedTransactionLog.Durability.valueOf(durability.name()))
          .segmentSize(segmentSize)
          .groupCommitWindow(groupCommitWindow)
          .maxBatchRecords(maxBatchRecords)
          .bufferedSyncInterval(bufferedSyncInterval)
          .quarantineDamagedSegments(quarantine)
          .terminalRetention(terminalRetention)
          .retainSegments(retainSegments)
          .compactAfterSegments(compactAfterSegments)
          .tailPause(d -> tailPause.pause(d));
    }
  }

  private final Path directory;
  /** The segment files; package-private so that tests can inject failures into it. */
  final FileSegmentStore store;
  private final SegmentedTransactionLog log;

  private FileTransactionLog(Path directory, FileSegmentStore store, SegmentedTransactionLog log) {
    this.directory = directory;
    this.store = store;
    this.log = log;
  }

  /**
   * Options for a log in {@code directory}, which must exist.
   *
   * @param directory an existing directory, empty for a new log
   * @return a builder with the defaults of {@link #open(Path)}
   */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /**
   * Opens (creating if needed) the log in {@code directory}, which must exist, with the defaults:
   * group commit, 64 MiB segments, no quarantine.
   *
   * @param directory an existing directory, empty for a new log
   * @return the open log, which holds the directory's lock until it is closed
   * @throws InvalidInputException naming {@code directory} when it is missing or not a directory
   * @throws TransactionLogCorruptedException when the log is damaged, or segments are missing between
   *     two present ones ({@link TransactionLogGapException})
   * @throws TransactionLogUnavailableException when reading or repairing the files fails with an I/O error
   * @throws DualPushException when another process holds the log
   */
  public static FileTransactionLog open(Path directory) {
    return builder(directory).open();
  }

  /**
   * Reads the log in {@code directory} without locking it, repairing a torn tail or changing any
   * file; appends fail. For status tools that run beside a live process.
   *
   * @param directory a directory holding a log
   * @return a log that reads the files as they were at open; its appends fail
   * @throws InvalidInputException naming {@code directory} when it is missing, not a directory or holds no log
   * @throws TransactionLogCorruptedException when the log is damaged, or segments are missing between
   *     two present ones and no earlier open accepted that loss ({@link TransactionLogGapException})
   * @throws TransactionLogUnavailableException when reading fails with an I/O error
   */
  public static FileTransactionLog openReadOnly(Path directory) {
    Path dir = checkDirectory(directory);
    FileSegmentStore store = new FileSegmentStore(dir);
    try {
      if (store.list().isEmpty()) {
        throw new InvalidInputException("directory", "'directory' holds no transaction log: " + dir);
      }
    } catch (IOException e) {
      throw new TransactionLogUnavailableException("Cannot read transaction log in " + dir + ": " + e, dir.toString(), e);
    }
    return new FileTransactionLog(dir, store, builder(dir).log(store).openReadOnly());
  }

  private static Path checkDirectory(Path directory) {
    InvalidInputException.requireNonNull(directory, "directory");
    Path dir = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException("directory", "'directory' for the transaction log does not exist or is not a directory: " + dir);
    }
    return dir;
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidInputException naming {@code entry} when it encodes to more than 16 MiB
   * @throws TransactionLogUnavailableException when a write or fsync fails (disk full, read-only
   *     file system, I/O error), and on every later append until the log is reopened; its cause is
   *     the first failure
   * @throws DualPushException when the log is closed or was opened read-only
   */
  @Override
  public void append(LogEntry entry) {
    log.append(entry);
  }

  /** {@inheritDoc} In the page cache on return (see the class documentation); throws as {@link #append} does. */
  @Override
  public void appendBuffered(LogEntry entry) {
    log.appendBuffered(entry);
  }

  @Override
  public Optional<TransactionRecord> read(String transactionId) {
    return log.read(transactionId);
  }

  @Override
  public Optional<TransactionRecord> latest(String key) {
    return log.latest(key);
  }

  @Override
  public List<TransactionRecord> open() {
    return log.open();
  }

  @Override
  public OpenPage openPage(long position, int limit) {
    return log.openPage(position, limit);
  }

  @Override
  public OpenSummary openSummary() {
    return log.openSummary();
  }

  @Override
  public List<TransactionRecord> deadLettered() {
    return log.deadLettered();
  }

  @Override
  public List<TransactionRecord> recent(int limit) {
    return log.recent(limit);
  }

  /**
   * Compacts the log (see the class documentation): deletes the older segments no unfinished
   * transaction needs and, when unfinished transactions pin too many, copies them forward first.
   * Also runs on every segment roll-over. A no-op on a read-only log.
   */
  @Override
  public void checkpoint() {
    log.checkpoint();
  }

  /**
   * What this open found and worked around, in the order found (see {@link LogOpenWarning.Kind}):
   * accepted gaps (any open); torn tails truncated and segments quarantined (a writer's open); a
   * torn tail left in place, unchanged when read again 50 ms later, saying whether a writer holds
   * the log, or a tail a writer kept appending to (a read-only open). Immutable; thread-safe.
   */
  @Override
  public List<LogOpenWarning> openWarnings() {
    return log.openWarnings();
  }

  /**
   * {@inheritDoc}
   *
   * <p>From the log's own bookkeeping, with no call to the store: see
   * {@link io.dualpush.log.SegmentedTransactionLog#stats()}.
   */
  @Override
  public Optional<LogStats> stats() {
    return log.stats();
  }

  /**
   * The log's directory.
   *
   * @return the directory, as given to the builder
   */
  public Path directory() {
    return directory;
  }

  /**
   * The segment files, oldest first; the last is the one appends go to.
   *
   * @return the segments' paths
   */
  public List<Path> segments() {
    return log.segments().stream().map(SegmentInfo::name).map(directory::resolve).toList();
  }

  /**
   * How many fsyncs appends, buffered appends' interval and roll-overs have issued since the log was
   * opened: fewer than appends under group commit.
   *
   * @return the number of fsyncs
   */
  public long syncCount() {
    return log.syncCount();
  }

  /**
   * The durability mode the log was opened with.
   *
   * @return the durability mode
   */
  public Durability durability() {
    return Durability.valueOf(log.durability().name());
  }

  @Override
  public void close() {
    log.close();
  }

  /**
   * <b>For tests only.</b> Abandons the log as a killed process would: nothing more is written or
   * fsynced (appends still queued fail, as they would never have returned), and the channels and the
   * directory lock are released so the same JVM can open the directory again, seeing exactly what
   * appends had made durable.
   */
  public void simulateCrashForTesting() {
    log.simulateCrashForTesting();
  }

  @Override
  public String toString() {
    return "FileTransactionLog{" + directory + ", " + durability() + "}";
  }
}
