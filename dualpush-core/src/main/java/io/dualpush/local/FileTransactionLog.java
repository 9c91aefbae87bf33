package io.dualpush.local;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogEntryCodec;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.SegmentCompaction;
import io.dualpush.spi.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A crash-safe, segmented write-ahead transaction log in a local directory.
 *
 * <h2>On disk</h2>
 * <pre>
 * DIR/.lock                                  held (flock) while a writer has the log open
 * DIR/segment-00000000000000000000.wal       records 0 .. n-1
 * DIR/segment-00000000000000001234.wal       records from sequence 1234 (the 20-digit name is the
 *                                            sequence number of the segment's first record)
 * DIR/quarantine/segment-....wal             damaged segments moved aside (only when asked to)
 * DIR/quarantine/gap-FIRST-LAST.accepted     records FIRST..LAST are missing and the loss was accepted
 * </pre>
 * A segment is a plain run of records, with no header; each record is framed as
 * <pre>
 * [int32 length L][int32 CRC32C of the next L bytes][byte type][byte version][L-2 bytes payload]
 * </pre>
 * big-endian, where {@code type, version, payload} are exactly {@link LogEntryCodec#encode}'s
 * output (the codec's first two bytes are the entry type and format version, so they are covered
 * by the checksum and readers refuse versions they do not know). A single-file log of the previous
 * release ({@code DIR/transactions.log}, the same frames) is adopted as the first segment.
 *
 * <p>A segment rolls over once it would exceed {@link Builder#segmentSize} (64 MiB by default); a
 * record larger than that gets a segment of its own. Before a new segment is created the old one
 * is fsynced, and the directory is fsynced after every create, rename or delete.
 *
 * <h2>Durability</h2>
 * {@link #append} returns once its record is written and, in the crash-safe modes, fsynced:
 * <ul>
 *   <li>{@link Durability#GROUP_COMMIT} (default): appends from concurrent threads are queued to
 *       one writer thread, which writes a batch (at most {@link Builder#maxBatchRecords} records,
 *       gathered for at most {@link Builder#groupCommitWindow} after the first, and whatever
 *       queued up during the previous fsync) and covers it with one fsync. Each append returns
 *       after the fsync that covers its record.
 *   <li>{@link Durability#FSYNC_PER_RECORD}: each append writes and fsyncs its own record, in the
 *       calling thread, one at a time.
 *   <li>{@link Durability#OS_BUFFERED}: records are written to the operating system but not
 *       fsynced (only a segment being rolled over, and the active one on {@link #close}, are).
 *       Survives a crash of this process, <b>not</b> of the machine or its power: NOT crash-safe.
 * </ul>
 * If an fsync (or write) fails, every append of that batch fails and the log refuses all further
 * appends, each with a {@link TransactionLogUnavailableException} whose cause is that first
 * {@link IOException}: after a failed fsync the state of the page cache is unknown, so only a
 * reopen, which re-reads what is really on disk, can continue. Nothing more is written, not even by
 * {@link #close()}.
 *
 * <h2>Recovery</h2>
 * On open every segment is replayed in order into a {@link TransactionIndex}. A torn tail of the
 * <em>last</em> segment (a cut-short, zeroed or garbage record with no whole record after it: the
 * process died while appending) is truncated with a warning naming the segment and offset. A
 * damaged record followed by a valid one, in any segment, or any damage in a segment that is not
 * the last (a segment is fsynced whole before the next is created, so it cannot be torn), stops the
 * open with a {@link TransactionLogCorruptedException} naming the segment and offset: skipping it
 * would silently lose transactions. With {@link Builder#quarantineDamagedSegments(boolean)} the
 * damaged segment is instead moved to {@code DIR/quarantine/} with an ERROR log and the log opens
 * with what remains: the transactions recorded in that segment may be lost or seen in an older
 * state.
 *
 * <p>Segment names are sequence numbers: every frame counts one, and a new segment is named
 * {@code base + records} of the one before it, so a segment missing between two present ones
 * (deleted by hand, lost in a restore) shows. Compaction only ever deletes the oldest segments, so
 * such a gap is never the log's own doing, and replaying around it could silently revert a key to
 * an older version: the open (read-only too) stops with a {@link TransactionLogGapException}
 * naming the neighbouring segments and the missing records. With
 * {@link Builder#quarantineDamagedSegments(boolean)} the loss is accepted instead, with an ERROR
 * log, and recorded in {@code DIR/quarantine/gap-<first>-<last>.accepted} (so is the gap a
 * quarantined middle segment leaves), which later opens honour. A missing <em>oldest</em> segment
 * cannot be told from compaction and is not detected.
 *
 * <p>What an open truncated, moved aside or accepted is also listed by {@link #openWarnings()},
 * for tools that report from the log. A read-only open changes nothing: it reads a torn tail
 * again a moment later (a writer beside it may be appending that very record), replays whatever
 * completed, and lists a tail that is still torn, since the record cut off there may be the newest
 * state of some transaction.
 *
 * <h2>Compaction</h2>
 * On every roll-over and on {@link #checkpoint()}, apart from the {@link Builder#retainSegments}
 * most recent older segments (recent history, kept whatever it holds), the oldest segments that no
 * unfinished transaction (open, or dead-lettered and waiting for a retry) has a record in are
 * deleted, oldest first, so what remains is always a suffix of the log. When more than
 * {@link Builder#compactAfterSegments} older segments remain because unfinished transactions need
 * them, those transactions' current state is copied forward into the active segment and, once that
 * is durable, the segments they pinned are deleted. This is the rule of {@link SegmentCompaction},
 * shared by every segmented log, whose documentation says why it is safe at any crash point. Disk
 * use therefore stays within a few segments plus the state of the unfinished transactions, whatever
 * the load and however long one stays open.
 * Verified and superseded transactions are dropped with their segments; the index keeps the most
 * recent ones in memory until the process ends ({@link Builder#terminalRetention}). A record
 * appended for such a transaction after its start was dropped (a deep verify that finds a copy
 * corrupted reopens a verified transaction) is preceded, in the same segment and the same fsync,
 * by the transaction's current state ({@link SegmentCompaction#restateBefore}), so a restart finds
 * the transaction with that record applied. Records of a transaction the index no longer holds, or
 * of a superseded one, are not: a replay ignores them ({@link TransactionIndex} ignores entries of
 * transactions it does not hold), as it ignores late records a stale writer left behind.
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
  private static final Logger LOG = LoggerFactory.getLogger(FileTransactionLog.class);
  /** The single file of the previous, unsegmented log; adopted as the first segment. */
  static final String LEGACY_FILE_NAME = "transactions.log";
  static final String QUARANTINE = "quarantine";
  private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{20})\\.wal");
  /** A gap whose loss was accepted: {@code quarantine/gap-<first>-<last>.accepted}, sequence numbers inclusive. */
  private static final Pattern GAP_MARKER = Pattern.compile("gap-(\\d{20})-(\\d{20})\\.accepted");
  private static final int HEADER = 8;
  private static final int MAX_ENTRY = 16 * 1024 * 1024;
  private static final int READ_BUFFER = 4 * 1024 * 1024;
  private static final int WRITE_BUFFER = 1024 * 1024;
  /** Segments at least this large are replayed on two threads. */
  private static final long PIPELINE_THRESHOLD = 1024 * 1024;
  private static final int PIPELINE_CHUNK = 1024;
  /** Default size at which a segment rolls over. */
  public static final long DEFAULT_SEGMENT_SIZE = 64L * 1024 * 1024;
  /** Default most records one group commit covers. */
  public static final int DEFAULT_MAX_BATCH_RECORDS = 1024;
  /** How long a read-only open waits before reading a torn-looking tail again. */
  static final Duration TAIL_PAUSE = Duration.ofMillis(50);
  /** How many times a read-only open reads a tail again while it keeps changing. */
  static final int TAIL_REREADS = 4;

  /** How a read-only open waits before reading a torn-looking tail again; tests replace it. */
  interface TailPause {
    void pause(Duration duration) throws InterruptedException;
  }

  static volatile TailPause tailPause = d -> Thread.sleep(d.toMillis());
  /**
   * Directories this JVM holds open. Checked before the lock file is even opened: on POSIX systems
   * closing any channel to a file drops every lock this process holds on it, so a refused second
   * open in the same process must not open and close the lock file.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

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
     * How long the group-commit writer waits, after the first record of a batch, for more to join
     * it (zero by default: a batch is whatever queued up while the previous fsync ran).
     *
     * @param window from zero to 1 s
     * @return this builder
     * @throws InvalidInputException naming {@code groupCommitWindow} when it is null, negative or over 1 s
     */
    public Builder groupCommitWindow(Duration window) {
      InvalidInputException.requireNonNull(window, "groupCommitWindow");
      if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new InvalidInputException("groupCommitWindow", "'groupCommitWindow' must be between 0 and 1 s; got " + window);
      }
      this.groupCommitWindow = window;
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
      return FileTransactionLog.openWriter(this);
    }
  }

  /** One segment file and what compaction needs to know about it. */
  private static final class Segment {
    final long base;
    final Path path;
    long size;
    long records;
    /** The file's size when it was last scanned; beyond {@link #size} when it ends in a torn record. */
    long seen;

    Segment(long base, Path path) {
      this.base = base;
      this.path = path;
    }
  }

  /** One append waiting for the group commit that covers it. */
  private static final class Pending {
    final LogEntry entry;
    final byte[] frame;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** The state of its transaction, written just before it ({@link SegmentCompaction#restateBefore}). */
    List<LogEntry> restated = List.of();

    Pending(LogEntry entry, byte[] frame) {
      this.entry = entry;
      this.frame = frame;
    }
  }

  /** Damage found while replaying, before deciding whether to fail or quarantine. */
  private static final class DamagedSegment extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Path segment;
    final long offset;
    final String reason;

    DamagedSegment(Path segment, long offset, String reason) {
      super("Transaction log segment " + segment + " is damaged at offset " + offset + " (" + reason + ")", null,
          false, false);
      this.segment = segment;
      this.offset = offset;
      this.reason = reason;
    }

    /** The public exception, whose message ends with what to do (naming the builder option). */
    TransactionLogCorruptedException toException(Path directory) {
      return new TransactionLogCorruptedException(getMessage() + ". Restore the segment or move it aside, or open "
          + "with quarantineDamagedSegments(true) to move it to " + directory.resolve(QUARANTINE)
          + " and open with the rest (the transactions recorded in it may be lost or seen in an older state).",
          directory.toString(), segment.getFileName().toString(), offset, reason);
    }
  }

  private final Path directory;
  private final Path heldDirectory;
  private final boolean readOnly;
  private final Durability durability;
  private final long segmentSize;
  private final long windowNanos;
  private final int maxBatchRecords;
  private final AtomicLong syncs = new AtomicLong();

  // Guarded by io: the files and everything compaction knows about them.
  private final Object io = new Object();
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final SegmentCompaction compaction;
  private TransactionIndex index;
  private Segment active;
  private FileChannel channel;
  private final ByteBuffer writeBuffer;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /** For tests: the next fsync fails with this. */
  volatile IOException injectedSyncFailure;
  /** What the open found and worked around; set once, before the log is handed out. */
  private volatile List<LogOpenWarning> openWarnings = List.of();
  /** For tests: the next write of the buffer writes about half of it, then fails with this (a disk filling up). */
  volatile IOException injectedWriteFailure;

  // Guarded by queueLock: the group-commit queue and the log's lifecycle.
  private final Object queueLock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean closing;
  private volatile boolean closed;
  private volatile Throwable failure;
  private final Thread writer;

  private FileTransactionLog(Path directory, Path heldDirectory, boolean readOnly, Builder options,
      FileChannel lockChannel, FileLock lock) {
    this.directory = directory;
    this.heldDirectory = heldDirectory;
    this.readOnly = readOnly;
    this.durability = options.durability;
    this.segmentSize = options.segmentSize;
    this.windowNanos = options.groupCommitWindow.toNanos();
    this.maxBatchRecords = options.maxBatchRecords;
    this.compaction = new SegmentCompaction(options.retainSegments, options.compactAfterSegments);
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writeBuffer = readOnly ? null : ByteBuffer.allocateDirect(WRITE_BUFFER);
    this.writer = !readOnly && durability == Durability.GROUP_COMMIT
        ? new Thread(this::writerLoop, "dualpush-wal-writer " + directory.getFileName()) : null;
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

  private static FileTransactionLog openWriter(Builder options) {
    Path dir = checkDirectory(options.directory);
    Path held = realPath(dir);
    if (!HELD.add(held)) {
      throw alreadyOpen(dir);
    }
    FileChannel lockChannel = null;
    FileTransactionLog log = null;
    try {
      lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw alreadyOpen(dir);
      }
      adoptLegacyFile(dir);
      log = new FileTransactionLog(dir, held, false, options, lockChannel, lock);
      log.recover(options.quarantine, options.terminalRetention);
      if (log.writer != null) {
        log.writer.setDaemon(true);
        log.writer.start();
      }
      return log;
    } catch (IOException e) {
      abandon(log, lockChannel, held);
      throw unavailable("Cannot open transaction log in " + dir + ": " + e, dir, e);
    } catch (RuntimeException e) {
      abandon(log, lockChannel, held);
      throw e;
    }
  }

  private static void abandon(FileTransactionLog log, FileChannel lockChannel, Path held) {
    if (log != null) {
      closeQuietly(log.channel);
    }
    closeQuietly(lockChannel);
    HELD.remove(held);
  }

  private static DualPushException alreadyOpen(Path dir) {
    return new DualPushException("Transaction log " + dir + " is already open in another process (or client); "
        + "only one may use a log directory at a time.");
  }

  private static Path realPath(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      throw unavailable("Cannot open transaction log in " + dir + ": " + e, dir, e);
    }
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
    for (int attempt = 0; ; attempt++) {
      try {
        List<Path> files = segmentFiles(dir);
        if (files.isEmpty()) {
          throw new InvalidInputException("directory", "'directory' holds no transaction log: " + dir);
        }
        FileTransactionLog log = new FileTransactionLog(dir, null, true, builder(dir), null, null);
        log.index = new TransactionIndex(Integer.MAX_VALUE);
        List<LogOpenWarning> found = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
          Path file = files.get(i);
          Segment s = new Segment(baseOf(file), file);
          if (i > 0) {
            checkContinuity(dir, log.segments.lastEntry().getValue(), s, false).ifPresent(found::add);
          }
          log.segments.put(s.base, s);
          boolean last = i == files.size() - 1;
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long valid = log.replay(ch, s, last);
            if (valid < s.seen) {
              log.followTail(ch, s, valid).ifPresent(found::add);
            }
          } catch (DamagedSegment d) {
            throw d.toException(dir);
          }
        }
        log.openWarnings = List.copyOf(found);
        return log;
      } catch (TransactionLogGapException e) {
        // A listing is no snapshot: beside a writer that rolled over twice while we listed, a segment
        // created in between can be missed. A real gap is still there when listed again.
        if (attempt >= 5) {
          throw e;
        }
      } catch (NoSuchFileException e) {
        // A writer beside us compacted a segment between listing and reading it: list again.
        if (attempt >= 5) {
          throw unavailable("Cannot read transaction log in " + dir + ": " + e, dir, e);
        }
      } catch (IOException e) {
        throw unavailable("Cannot read transaction log in " + dir + ": " + e, dir, e);
      }
    }
  }

  /**
   * Read-only: the last segment ends, at {@code torn}, in bytes that are not a whole record. A
   * writer beside us may be appending that record right now, so it is read again after a pause (up
   * to {@link #TAIL_REREADS} times while it keeps changing) and whatever completed is replayed. A
   * tail still torn and unchanged is reported as torn, saying whether a writer holds the log; one
   * that kept changing as an append in progress. Empty once the segment ends in a whole record.
   */
  private Optional<LogOpenWarning> followTail(FileChannel ch, Segment s, long torn) throws IOException, DamagedSegment {
    String name = s.path.getFileName().toString();
    for (int reread = 0; reread < TAIL_REREADS; reread++) {
      long seen = s.seen;
      try {
        tailPause.pause(TAIL_PAUSE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_IGNORED, name, torn, "Transaction log segment "
            + s.path + " ends in " + (seen - torn) + " bytes at offset " + torn + " that are not a whole record (not "
            + "re-read: interrupted); this read-only view ends before them, so a later state of some transaction may "
            + "not be seen."));
      }
      if (ch.size() == seen) {
        return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_IGNORED, name, torn, "Transaction log segment "
            + s.path + " ends in " + (seen - torn) + " bytes at offset " + torn + " that are not a whole record, "
            + "unchanged when read again " + TAIL_PAUSE.toMillis() + " ms later, so not an append in progress. This "
            + "read-only view ends before them: whatever record was being written there (a later state of some "
            + "transaction) is not seen, so a state shown may be out of date. " + writerPresence(directory)));
      }
      torn = scan(ch, s, true, entry -> applyDurable(entry, s), torn);
      s.size = torn;
      if (torn >= s.seen) {
        return Optional.empty(); // it was an append in progress, and it is whole now
      }
    }
    return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.APPEND_IN_PROGRESS, name, torn, "Transaction log segment "
        + s.path + " kept growing while it was read and still ended in a partial record at offset " + torn + " after "
        + TAIL_REREADS + " re-reads: a writer is appending. This read-only view ends before that record."));
  }

  /**
   * Whether a writer holds the log, told without touching its lock (taking even a shared lock for a
   * moment could make a writer starting at that instant fail, and closing a channel to the lock
   * file drops this process's own lock): this JVM's open logs, else Linux's {@code /proc/locks}
   * (matched by the lock file's inode).
   */
  private static String writerPresence(Path dir) {
    Path lockFile = dir.resolve(".lock");
    try {
      if (HELD.contains(dir.toRealPath())) {
        return "A writer in this process holds the log: its last write most likely failed part way (a full disk?) "
            + "and it refuses appends until reopened, which truncates the tail.";
      }
      if (!Files.exists(lockFile)) {
        return "No writer holds the log: the next writer's open truncates the tail.";
      }
      Object inode = Files.getAttribute(lockFile, "unix:ino");
      Path locks = Path.of("/proc/locks");
      if (inode == null || !Files.isReadable(locks)) {
        return "Whether a writer holds the log cannot be told here.";
      }
      String suffix = ":" + inode;
      for (String line : Files.readAllLines(locks)) {
        for (String field : line.trim().split("\\s+")) {
          // MAJOR:MINOR:INODE; the line's own "N:" has a single colon.
          if (field.endsWith(suffix) && field.indexOf(':') != field.lastIndexOf(':')) {
            return "A writer holds the log (" + lockFile + " is locked): its last write most likely failed part way "
                + "(a full disk?) and it refuses appends until reopened, which truncates the tail.";
          }
        }
      }
      return "No writer holds the log (" + lockFile + " is not locked): a process died while appending; the next "
          + "writer's open truncates the tail.";
    } catch (IOException | RuntimeException e) {
      return "Whether a writer holds the log cannot be told here (" + e + ").";
    }
  }

  private static Path checkDirectory(Path directory) {
    InvalidInputException.requireNonNull(directory, "directory");
    Path dir = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException("directory", "'directory' for the transaction log does not exist or is not a directory: " + dir);
    }
    return dir;
  }

  /** Segment files in {@code dir}, oldest first; the legacy single file when there are none. */
  private static List<Path> segmentFiles(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = new ArrayList<>(list.filter(p -> SEGMENT_NAME.matcher(p.getFileName().toString()).matches())
          .sorted().toList());
    }
    if (files.isEmpty() && Files.isRegularFile(dir.resolve(LEGACY_FILE_NAME))) {
      files.add(dir.resolve(LEGACY_FILE_NAME));
    }
    return files;
  }

  private static long baseOf(Path file) {
    Matcher m = SEGMENT_NAME.matcher(file.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }

  private static Path segmentPath(Path dir, long base) {
    return dir.resolve(String.format("segment-%020d.wal", base));
  }

  private static void adoptLegacyFile(Path dir) throws IOException {
    Path legacy = dir.resolve(LEGACY_FILE_NAME);
    if (Files.isRegularFile(legacy) && segmentFiles(dir).equals(List.of(legacy))) {
      Files.move(legacy, segmentPath(dir, 0), StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(dir);
      LOG.info("Transaction log {}: adopted {} as the first segment", dir, LEGACY_FILE_NAME);
    }
  }

  // ------------------------------------------------------------------ recovery

  private void recover(boolean quarantine, int terminalRetention) throws IOException {
    List<LogOpenWarning> quarantined = new ArrayList<>(); // survives the replay that follows a quarantine
    List<LogOpenWarning> found;
    while (true) {
      segments.clear();
      compaction.clear();
      index = new TransactionIndex(terminalRetention);
      found = new ArrayList<>();
      List<Path> files = segmentFiles(directory);
      try {
        for (int i = 0; i < files.size(); i++) {
          Path file = files.get(i);
          Segment s = new Segment(baseOf(file), file);
          if (i > 0) {
            checkContinuity(directory, segments.lastEntry().getValue(), s, quarantine).ifPresent(found::add);
          }
          segments.put(s.base, s);
          boolean last = i == files.size() - 1;
          try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long valid = replay(ch, s, last);
            long size = ch.size();
            if (valid < size) {
              String message = "Transaction log segment " + file + ": truncated a torn tail of " + (size - valid)
                  + " bytes at offset " + valid + " (a record being written when the process stopped or a write "
                  + "failed; its append had not returned)";
              LOG.warn("Transaction log segment {}: truncating a torn tail of {} bytes at offset {}", file,
                  size - valid, valid);
              ch.truncate(valid);
              ch.force(true);
              found.add(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_DROPPED, file.getFileName().toString(), valid,
                  message));
            }
          }
        }
        break;
      } catch (DamagedSegment d) {
        if (!quarantine) {
          throw d.toException(directory);
        }
        Path target = quarantineTarget(d.segment);
        Files.createDirectories(target.getParent());
        Files.move(d.segment, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(directory);
        LOG.error("Transaction log: {}. Moved the segment to {} and opening with the remaining segments; "
            + "transactions recorded in it may be lost or seen in an older state.", d.getMessage(), target);
        quarantined.add(new LogOpenWarning(LogOpenWarning.Kind.SEGMENT_QUARANTINED, d.segment.getFileName().toString(),
            d.offset, d.getMessage() + "; moved it to " + target + " (quarantineDamagedSegments): transactions recorded "
            + "in it may be lost or seen in an older state"));
      }
    }
    quarantined.addAll(found);
    openWarnings = List.copyOf(quarantined);
    if (segments.isEmpty()) {
      Segment first = new Segment(0, segmentPath(directory, 0));
      segments.put(first.base, first);
    }
    active = segments.lastEntry().getValue();
    channel = FileChannel.open(active.path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    channel.position(channel.size());
    active.size = channel.size();
    if (active.size == 0) {
      syncDirectory(directory);
    }
  }

  /**
   * Checks that {@code next} starts at the sequence number where {@code previous} ends. Every frame
   * in a segment, appended, restated or copied forward, counts one, and a roll-over names the new
   * segment {@code base + records} of the one it follows, so a mismatch is never the log's doing:
   * compaction deletes only the oldest segments (what remains is a suffix), a quarantine leaves a
   * gap it accepts, and a torn tail is only ever cut off the last segment. A gap means records lost
   * from the middle of the log: replaying around it could revert a key to an older version, so it
   * stops the open unless the loss was accepted (a marker in {@code quarantine/}, written when
   * {@code accept} is set). An overlap stops it in any case.
   *
   * @return a warning for an accepted gap
   */
  private static Optional<LogOpenWarning> checkContinuity(Path dir, Segment previous, Segment next, boolean accept)
      throws IOException {
    long expected = previous.base + previous.records;
    if (next.base == expected) {
      return Optional.empty();
    }
    String before = previous.path.getFileName().toString();
    String after = next.path.getFileName().toString();
    if (next.base < expected) {
      String reason = after + " starts at record " + next.base + " but " + before + " holds records up to "
          + (expected - 1);
      throw new TransactionLogCorruptedException("Transaction log " + dir + ": segments overlap (" + reason + "); one "
          + "of them does not belong to this log as it stands (restored from an older copy?). Move the one that does "
          + "not belong out of " + dir + ".", dir.toString(), after, 0, reason);
    }
    long first = expected;
    long last = next.base - 1;
    String reason = "records " + first + ".." + last + " are missing";
    String facts = before + " is followed by " + after + ": " + reason;
    Path quarantineDir = dir.resolve(QUARANTINE);
    if (gapAccepted(quarantineDir, first, last)) {
      return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.GAP_ACCEPTED, after, 0, "Transaction log " + dir + ": "
          + facts + ". The loss was accepted (recorded in " + quarantineDir + "): transactions recorded there may be "
          + "lost or seen in an older state."));
    }
    if (!accept) {
      throw new TransactionLogGapException("Transaction log " + dir + ": " + facts + " (a segment was deleted or lost; "
          + "compaction only ever deletes the oldest segments). Replaying around them could silently revert a key to "
          + "an older version, so the log does not open. Restore the missing segment, or open with "
          + "quarantineDamagedSegments(true) to accept the loss (it is recorded in " + quarantineDir + ").",
          dir.toString(), before, after, first, last, reason);
    }
    Path marker = recordAcceptedGap(dir, first, last, facts + "; accepted by an open with quarantineDamagedSegments(true)");
    LOG.error("Transaction log {}: {}. Accepting the loss (quarantineDamagedSegments) and recording it in {}: "
        + "transactions recorded there may be lost or seen in an older state.", dir, facts, marker);
    return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.GAP_ACCEPTED, after, 0, "Transaction log " + dir + ": "
        + facts + ". Accepted the loss now (quarantineDamagedSegments), recorded in " + marker + ": transactions "
        + "recorded there may be lost or seen in an older state."));
  }

  /** Whether the accepted gaps recorded in {@code quarantineDir} cover every record of {@code [first, last]}. */
  private static boolean gapAccepted(Path quarantineDir, long first, long last) throws IOException {
    if (!Files.isDirectory(quarantineDir)) {
      return false;
    }
    List<long[]> ranges = new ArrayList<>();
    try (Stream<Path> list = Files.list(quarantineDir)) {
      list.forEach(p -> {
        Matcher m = GAP_MARKER.matcher(p.getFileName().toString());
        if (m.matches()) {
          ranges.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        }
      });
    }
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    long need = first;
    for (long[] r : ranges) {
      if (r[0] > need) {
        break;
      }
      need = Math.max(need, r[1] + 1);
      if (need > last) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records, durably, that the loss of records {@code [first, last]} was accepted, so that later
   * opens (also without quarantine, also read-only) open past that gap, listing it, instead of
   * refusing. The name says the range; the text is for people.
   */
  private static Path recordAcceptedGap(Path dir, long first, long last, String why) throws IOException {
    Path quarantineDir = dir.resolve(QUARANTINE);
    Files.createDirectories(quarantineDir);
    Path marker = quarantineDir.resolve(String.format("gap-%020d-%020d.accepted", first, last));
    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer text = ByteBuffer.wrap((why + "\n").getBytes(StandardCharsets.UTF_8));
      while (text.hasRemaining()) {
        ch.write(text);
      }
      ch.force(true);
    }
    syncDirectory(quarantineDir);
    syncDirectory(dir);
    return marker;
  }

  private Path quarantineTarget(Path segment) {
    Path dir = directory.resolve(QUARANTINE);
    Path target = dir.resolve(segment.getFileName());
    for (int i = 1; Files.exists(target); i++) {
      target = dir.resolve(segment.getFileName() + "." + i);
    }
    return target;
  }

  /**
   * Replays every whole frame of one segment into the index; returns the offset after the last
   * good frame, which is the segment's size unless it ends in a torn tail (allowed only when
   * {@code last}).
   */
  private long replay(FileChannel ch, Segment segment, boolean last) throws IOException, DamagedSegment {
    long end;
    if (ch.size() < PIPELINE_THRESHOLD) {
      end = scan(ch, segment, last, entry -> applyDurable(entry, segment), 0);
    } else {
      end = replayPipelined(ch, segment, last);
    }
    segment.size = end;
    return end;
  }

  /**
   * Replays a large segment on two threads: one reads, checks and decodes records while this one
   * folds them into the index, which roughly halves the time to open a big log on two cores.
   */
  private long replayPipelined(FileChannel ch, Segment segment, boolean last) throws IOException, DamagedSegment {
    BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(16);
    Thread decoder = new Thread(() -> {
      Object outcome;
      try {
        LogEntry[][] chunk = {new LogEntry[PIPELINE_CHUNK]};
        int[] filled = {0};
        long end = scan(ch, segment, last, entry -> {
          chunk[0][filled[0]++] = entry;
          if (filled[0] == PIPELINE_CHUNK) {
            putUninterruptibly(chunks, chunk[0]);
            chunk[0] = new LogEntry[PIPELINE_CHUNK];
            filled[0] = 0;
          }
        }, 0);
        if (filled[0] > 0) {
          putUninterruptibly(chunks, Arrays.copyOf(chunk[0], filled[0]));
        }
        outcome = end;
      } catch (Throwable e) {
        outcome = e;
      }
      putUninterruptibly(chunks, new Object[] {outcome});
    }, "dualpush-wal-replay " + segment.path.getFileName());
    decoder.setDaemon(true);
    decoder.start();
    while (true) {
      Object next;
      try {
        next = chunks.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while replaying " + segment.path, e);
      }
      if (next instanceof LogEntry[] entries) {
        for (LogEntry entry : entries) {
          applyDurable(entry, segment);
        }
        continue;
      }
      Object outcome = ((Object[]) next)[0];
      if (outcome instanceof Long end) {
        return end;
      } else if (outcome instanceof DamagedSegment d) {
        throw d;
      } else if (outcome instanceof IOException e) {
        throw e;
      } else if (outcome instanceof RuntimeException e) {
        throw e;
      }
      throw new IllegalStateException("replay of " + segment.path + " failed", (Throwable) outcome);
    }
  }

  private static void putUninterruptibly(BlockingQueue<Object> queue, Object item) {
    boolean interrupted = false;
    while (true) {
      try {
        queue.put(item);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Reads, checks and decodes every whole frame of one segment from offset {@code from} (0, or where
   * an earlier scan of it stopped), handing each entry to {@code sink} in order and counting it;
   * returns the offset after the last good frame. Notes the size it saw in {@link Segment#seen}.
   */
  private static long scan(FileChannel ch, Segment segment, boolean last, java.util.function.Consumer<LogEntry> sink,
      long from) throws IOException, DamagedSegment {
    long size = ch.size();
    segment.seen = size;
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(READ_BUFFER, Math.max(size - from, HEADER)));
    CRC32C crc = new CRC32C();
    long bufStart = from; // file offset of buf[0]
    long pos = from;
    int filled = 0;
    while (pos < size) {
      int at = (int) (pos - bufStart);
      if (filled - at < HEADER || filled - at < HEADER + Math.max(0, buf.getInt(at))) {
        // Not a whole frame in the buffer: move what is left to the front and read more.
        int need = filled - at >= HEADER ? HEADER + Math.max(0, buf.getInt(at)) : HEADER;
        if (need > buf.capacity() && need <= HEADER + MAX_ENTRY) {
          ByteBuffer bigger = ByteBuffer.allocate(need);
          bigger.put(buf.array(), at, filled - at);
          buf = bigger;
        } else {
          System.arraycopy(buf.array(), at, buf.array(), 0, filled - at);
        }
        filled -= at;
        bufStart = pos;
        at = 0;
        buf.limit(buf.capacity()).position(filled);
        while (buf.hasRemaining()) {
          int n = ch.read(buf, bufStart + buf.position());
          if (n < 0) {
            break;
          }
        }
        filled = buf.position();
        buf.clear();
      }
      if (size - pos < HEADER) {
        return damaged(ch, segment, pos, size, last, "a partial frame header");
      }
      int length = buf.getInt(at);
      if (length <= 2 || length > MAX_ENTRY) {
        return damaged(ch, segment, pos, size, last, "implausible entry length " + length);
      }
      if (pos + HEADER + length > size) {
        return damaged(ch, segment, pos, size, last, "entry of " + length + " bytes runs past the end");
      }
      crc.reset();
      crc.update(buf.array(), at + HEADER, length);
      if ((int) crc.getValue() != buf.getInt(at + 4)) {
        return damaged(ch, segment, pos, size, last, "checksum mismatch");
      }
      LogEntry entry;
      try {
        entry = LogEntryCodec.decode(buf.array(), at + HEADER, length);
      } catch (IllegalArgumentException e) {
        throw corrupt(segment.path, pos, e.getMessage());
      }
      sink.accept(entry);
      segment.records++;
      pos += HEADER + length;
    }
    return pos;
  }

  /**
   * A bad frame at {@code pos} is a torn tail (the process died while appending it, or the file
   * grew without its data landing: zeros or stale bytes) only in the last segment and only when no
   * whole frame follows it. Otherwise truncating would silently drop what follows.
   */
  private static long damaged(FileChannel ch, Segment segment, long pos, long size, boolean last, String why)
      throws IOException, DamagedSegment {
    if (!last) {
      throw corrupt(segment.path, pos, why + "; the segment is not the last, so it cannot have been torn by a crash");
    }
    if (wholeFrameAfter(ch, pos + 1, size)) {
      throw corrupt(segment.path, pos, why + ", and valid entries follow; refusing to skip them");
    }
    return pos;
  }

  /** Whether a frame with a plausible length and a matching checksum starts anywhere in [from, size). */
  private static boolean wholeFrameAfter(FileChannel ch, long from, long size) throws IOException {
    ByteBuffer window = ByteBuffer.allocate(64 * 1024);
    CRC32C crc = new CRC32C();
    long base = from;
    while (size - base >= HEADER) {
      window.clear();
      window.limit((int) Math.min(window.capacity(), size - base));
      readFully(ch, window, base);
      int candidates = window.limit() - HEADER + 1;
      for (int i = 0; i < candidates; i++) {
        int length = window.getInt(i);
        long at = base + i;
        if (length <= 2 || length > MAX_ENTRY || at + HEADER + length > size) {
          continue;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(ch, body, at + HEADER);
        crc.reset();
        crc.update(body.array(), 0, length);
        if ((int) crc.getValue() == window.getInt(i + 4)) {
          return true;
        }
      }
      base += candidates;
    }
    return false;
  }

  private static DamagedSegment corrupt(Path segment, long offset, String why) {
    return new DamagedSegment(segment, offset, why);
  }

  /**
   * A failure of the file system under the log (an {@link IOException}: disk full, read-only
   * remount, I/O error) as {@link TransactionLogUnavailableException}, so that callers can tell it
   * from bad input; anything else as a plain {@link DualPushException}.
   */
  private static DualPushException unavailable(String message, Path directory, Throwable cause) {
    if (cause instanceof IOException) {
      return new TransactionLogUnavailableException(message, directory.toString(), cause);
    }
    return new DualPushException(message, cause);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  // ------------------------------------------------------------------ the fold and compaction bookkeeping

  /** Folds a durable record (just committed, or replayed) into the index and the segment tracking. */
  private void applyDurable(LogEntry entry, Segment segment) {
    if (index.apply(entry)) {
      compaction.recorded(entry, segment.base);
    }
    // Otherwise a transaction the index does not hold (compacted away and no longer in memory, or a
    // second start): replay ignores it too.
  }

  /**
   * Compaction by the shared rule of {@link SegmentCompaction}, which says why it is safe at any
   * crash point: segments no unfinished transaction needs are deleted oldest first; when
   * unfinished transactions pin too many, their state is copied into the active segment, fsynced,
   * and the pinned segments are deleted.
   *
   * <p>Returns how many segments were deleted. Called holding {@code io}, with nothing buffered.
   */
  private int compact() throws IOException {
    List<Long> older = new ArrayList<>(segments.headMap(active.base, false).keySet());
    SegmentCompaction.Plan plan = compaction.plan(older, index);
    if (plan.isEmpty()) {
      return 0;
    }
    List<Long> deleted = new ArrayList<>();
    try {
      for (long base : plan.deleteNow()) {
        delete(segments.get(base));
        deleted.add(base);
      }
      if (plan.copyForward().isEmpty()) {
        return deleted.size();
      }
      for (LogEntry e : plan.entriesToCopy()) {
        writeFrame(LogEntryCodec.encode(e));
      }
      if (durability != Durability.OS_BUFFERED) {
        channel.force(false);
        syncs.incrementAndGet();
      }
      compaction.copiedForward(plan, active.base);
      for (long base : plan.deleteAfterCopy()) {
        delete(segments.get(base));
        deleted.add(base);
      }
      LOG.debug("Transaction log {}: copied {} unfinished transaction(s) forward, deleted {} segment(s)", directory,
          plan.copyForward().size(), deleted.size());
      return deleted.size();
    } finally {
      compaction.forget(deleted);
    }
  }

  /**
   * Deletes one segment and makes that durable before the next is deleted: deletions must reach the
   * disk oldest first too, or a crash could leave an older segment without a newer one, a gap the
   * next open would refuse.
   */
  private void delete(Segment s) throws IOException {
    segments.remove(s.base);
    Files.deleteIfExists(s.path);
    syncDirectory(directory);
    LOG.debug("Transaction log {}: compacted {}", directory, s.path.getFileName());
  }

  /** Writes one framed record at the end of the active segment (not yet durable). */
  private void writeFrame(byte[] body) throws IOException {
    ByteBuffer frame = ByteBuffer.wrap(frame(body));
    while (frame.hasRemaining()) {
      channel.write(frame);
    }
    active.size += HEADER + body.length;
    active.records++;
  }

  /** {@code [int32 length][int32 CRC32C of the body][body]}, big-endian. */
  private static byte[] frame(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body, 0, body.length);
    byte[] frame = new byte[HEADER + body.length];
    ByteBuffer.wrap(frame).putInt(body.length).putInt((int) crc.getValue()).put(body);
    return frame;
  }

  // ------------------------------------------------------------------ appending

  /**
   * {@inheritDoc}
   *
   * @throws TransactionLogUnavailableException when a write or fsync fails (disk full, read-only
   *     file system, I/O error), and on every later append until the log is reopened; its cause is
   *     the first failure
   * @throws DualPushException when the log is closed or was opened read-only
   */
  @Override
  public void append(LogEntry entry) {
    Objects.requireNonNull(entry, "entry");
    if (readOnly) {
      throw new DualPushException("Transaction log " + directory + " was opened read-only");
    }
    Pending p = new Pending(entry, frame(LogEntryCodec.encode(entry)));
    if (durability != Durability.GROUP_COMMIT) {
      synchronized (io) {
        checkUsable();
        commit(List.of(p));
      }
    } else {
      synchronized (queueLock) {
        checkUsable();
        if (closing) {
          throw new DualPushException("Transaction log " + directory + " is closed");
        }
        queue.add(p);
        queueLock.notifyAll();
      }
    }
    try {
      p.done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DualPushException d) {
        throw d;
      }
      throw unavailable("Cannot append to transaction log " + directory + ": " + cause, directory, cause);
    }
  }

  private void checkUsable() {
    if (closed) {
      throw new DualPushException("Transaction log " + directory + " is closed");
    }
    Throwable f = failure;
    if (f != null) {
      throw unavailable("Transaction log " + directory + " refuses appends after a failed write or fsync (" + f
          + "); reopen it to continue from what is on disk", directory, f);
    }
  }

  private void writerLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      synchronized (queueLock) {
        while (queue.isEmpty() && !closing) {
          try {
            queueLock.wait();
          } catch (InterruptedException e) {
            // Only close() stops the writer, after draining the queue.
          }
        }
        if (queue.isEmpty()) {
          return; // closing, and everything queued is committed
        }
        drain(batch);
        if (windowNanos > 0 && batch.size() < maxBatchRecords) {
          long deadline = System.nanoTime() + windowNanos;
          long left;
          while (batch.size() < maxBatchRecords && !closing && (left = deadline - System.nanoTime()) > 0) {
            try {
              queueLock.wait(left / 1_000_000, (int) (left % 1_000_000));
            } catch (InterruptedException e) {
              break;
            }
            drain(batch);
          }
        }
      }
      try {
        synchronized (io) {
          commit(batch);
        }
      } catch (Throwable e) {
        // Never leave an appender waiting on a writer that is gone.
        failure = e;
        failAll(batch, 0, e);
        LOG.error("Transaction log {}: the writer thread failed; refusing further appends", directory, e);
        synchronized (queueLock) {
          List<Pending> rest = new ArrayList<>(queue);
          queue.clear();
          failAll(rest, 0, e);
        }
        return;
      }
      batch.clear();
    }
  }

  private void drain(List<Pending> batch) {
    while (batch.size() < maxBatchRecords && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
  }

  /**
   * Writes {@code batch} in order, rolling segments as needed, makes it durable (per the mode),
   * folds it into the index and completes every append. A record of a transaction whose start
   * compaction deleted is preceded by that transaction's state, in the same segment and the same
   * fsync ({@link SegmentCompaction#restateBefore}). Called holding {@code io}.
   */
  private void commit(List<Pending> batch) {
    if (failure != null || channel == null) {
      failAll(batch, 0, failure != null ? failure : new IOException("the log is closed"));
      return;
    }
    int from = 0; // first record of the batch not yet durable
    int i = 0;
    // Transactions restated in batch[from, i): not durable yet, so the compaction does not know.
    Set<String> restating = new HashSet<>();
    try {
      writeBuffer.clear();
      for (; i < batch.size(); i++) {
        Pending p = batch.get(i);
        List<byte[]> restate = restate(p, restating);
        long length = p.frame.length;
        for (byte[] frame : restate) {
          length += frame.length;
        }
        if (active.size > 0 && active.size + length > segmentSize) {
          makeDurable(batch, from, i);
          from = i;
          restating.clear();
          roll();
          restate = restate(p, restating); // the roll's compaction may have deleted its start
        }
        for (byte[] frame : restate) {
          write(frame);
        }
        write(p.frame);
      }
      makeDurable(batch, from, batch.size());
    } catch (IOException | RuntimeException e) {
      failure = e;
      LOG.error("Transaction log {}: a write or fsync failed; failing {} append(s) and refusing further appends until "
          + "the log is reopened", directory, batch.size() - from, e);
      failAll(batch, from, e);
    }
  }

  /** The frames of {@code p}'s transaction's state, if it needs restating and is not being restated already. */
  private List<byte[]> restate(Pending p, Set<String> restating) {
    String id = p.entry.transactionId();
    p.restated = restating.contains(id) ? List.of() : compaction.restateBefore(p.entry, index);
    if (p.restated.isEmpty()) {
      return List.of();
    }
    restating.add(id);
    LOG.debug("Transaction log {}: restating transaction {}, whose start was compacted away, before a new record of it",
        directory, id);
    List<byte[]> frames = new ArrayList<>(p.restated.size());
    for (LogEntry e : p.restated) {
      frames.add(frame(LogEntryCodec.encode(e)));
    }
    return frames;
  }

  /** Writes one frame of the batch at the end of the active segment, through the write buffer. */
  private void write(byte[] frame) throws IOException {
    if (frame.length > writeBuffer.remaining()) {
      flushBuffer();
    }
    if (frame.length > writeBuffer.capacity()) {
      ByteBuffer big = ByteBuffer.wrap(frame);
      while (big.hasRemaining()) {
        channel.write(big);
      }
    } else {
      writeBuffer.put(frame);
    }
    active.size += frame.length;
    active.records++;
  }

  private void makeDurable(List<Pending> batch, int from, int to) throws IOException {
    if (from == to) {
      return;
    }
    flushBuffer();
    if (durability != Durability.OS_BUFFERED) {
      IOException injected = injectedSyncFailure;
      if (injected != null) {
        injectedSyncFailure = null;
        throw injected;
      }
      channel.force(false);
      syncs.incrementAndGet();
    }
    for (int k = from; k < to; k++) {
      Pending p = batch.get(k);
      for (LogEntry e : p.restated) {
        compaction.recorded(e, active.base); // the index holds this state already
      }
      applyDurable(p.entry, active);
      p.done.complete(null);
    }
  }

  private void flushBuffer() throws IOException {
    writeBuffer.flip();
    IOException injected = injectedWriteFailure;
    if (injected != null && writeBuffer.remaining() > 1) {
      injectedWriteFailure = null;
      ByteBuffer part = writeBuffer.duplicate();
      part.limit(part.position() + part.remaining() / 2);
      while (part.hasRemaining()) {
        channel.write(part);
      }
      writeBuffer.position(part.position());
      throw injected;
    }
    while (writeBuffer.hasRemaining()) {
      channel.write(writeBuffer);
    }
    writeBuffer.clear();
  }

  private static void failAll(List<Pending> batch, int from, Throwable cause) {
    for (int k = from; k < batch.size(); k++) {
      batch.get(k).done.completeExceptionally(cause);
    }
  }

  /** Starts a new segment after the active one, whose records are durable. Called holding {@code io}. */
  private void roll() throws IOException {
    if (durability == Durability.OS_BUFFERED) {
      channel.force(false); // a non-last segment must be whole for recovery to trust it
    }
    long base = active.base + active.records;
    Segment next = new Segment(base, segmentPath(directory, base));
    FileChannel ch = FileChannel.open(next.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    syncDirectory(directory);
    FileChannel old = channel;
    channel = ch;
    segments.put(base, next);
    active = next;
    closeQuietly(old);
    compact();
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  // ------------------------------------------------------------------ reading

  @Override
  public Optional<TransactionRecord> read(String transactionId) {
    return index.get(transactionId);
  }

  @Override
  public Optional<TransactionRecord> latest(String key) {
    return index.latest(key);
  }

  @Override
  public List<TransactionRecord> open() {
    return index.open();
  }

  @Override
  public List<TransactionRecord> recent(int limit) {
    return index.recent(limit);
  }

  /**
   * Compacts the log (see the class documentation): deletes the older segments no unfinished
   * transaction needs and, when unfinished transactions pin too many, copies them forward first.
   * Also runs on every segment roll-over. A no-op on a read-only log.
   */
  @Override
  public void checkpoint() {
    if (readOnly) {
      return;
    }
    synchronized (io) {
      checkUsable();
      if (channel == null) {
        return;
      }
      try {
        compact();
      } catch (IOException e) {
        throw unavailable("Cannot compact transaction log " + directory + ": " + e, directory, e);
      }
    }
  }

  /**
   * What this open found and worked around, in the order found (see {@link LogOpenWarning.Kind}):
   * <ul>
   *   <li>any open: each gap whose loss was accepted ({@code GAP_ACCEPTED}), now or by an earlier
   *       open with {@link Builder#quarantineDamagedSegments(boolean)};</li>
   *   <li>a writer's open: each torn tail it truncated ({@code TORN_TAIL_DROPPED}), each segment
   *       it moved to {@code quarantine/} ({@code SEGMENT_QUARANTINED});</li>
   *   <li>a read-only open, which changes nothing: a torn tail of the last segment that was still
   *       there, unchanged, when read again a moment (50 ms) later
   *       ({@code TORN_TAIL_IGNORED}, saying whether a writer holds the log: beside a live writer
   *       that means its last write failed part way), or one that kept changing as a writer
   *       appended ({@code APPEND_IN_PROGRESS}). A tail that completes while it is re-read is
   *       simply read, with no warning.</li>
   * </ul>
   * Immutable; thread-safe.
   */
  @Override
  public List<LogOpenWarning> openWarnings() {
    return openWarnings;
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
    synchronized (io) {
      return segments.values().stream().map(s -> s.path).toList();
    }
  }

  /**
   * How many fsyncs appends have issued since the log was opened: fewer than appends under group commit.
   *
   * @return the number of fsyncs
   */
  public long syncCount() {
    return syncs.get();
  }

  /**
   * The durability mode the log was opened with.
   *
   * @return the durability mode
   */
  public Durability durability() {
    return durability;
  }

  @Override
  public void close() {
    synchronized (queueLock) {
      if (closing || closed) {
        return;
      }
      closing = true;
      queueLock.notifyAll();
    }
    if (readOnly) {
      closed = true;
      return;
    }
    if (writer != null) {
      joinWriter();
    }
    synchronized (io) {
      closed = true;
      if (channel != null) {
        try {
          // After a failed write the buffer holds records whose appends failed, half written:
          // writing them again would put whole frames after a torn one, which the next open must
          // refuse as damage instead of truncating.
          if (failure == null) {
            flushBuffer();
          }
          channel.force(true);
        } catch (IOException e) {
          LOG.warn("Transaction log {}: final fsync failed: {}", directory, e.toString());
        }
      }
      release();
    }
  }

  /**
   * <b>For tests only.</b> Abandons the log as a killed process would: nothing more is written or
   * fsynced (appends still queued fail, as they would never have returned), and the channels and the
   * directory lock are released so the same JVM can open the directory again, seeing exactly what
   * appends had made durable.
   */
  public void simulateCrashForTesting() {
    synchronized (queueLock) {
      if (closing || closed) {
        return;
      }
      failure = new IOException("simulated crash");
      closing = true;
      queueLock.notifyAll();
    }
    if (writer != null) {
      joinWriter();
    }
    synchronized (io) {
      closed = true;
      release();
    }
  }

  private void joinWriter() {
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void release() {
    closeQuietly(channel);
    channel = null;
    if (lock != null) {
      try {
        lock.release();
      } catch (IOException e) {
        LOG.debug("releasing lock of {}", directory, e);
      }
    }
    closeQuietly(lockChannel);
    if (heldDirectory != null) {
      HELD.remove(heldDirectory);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // nothing more to do while closing
      }
    }
  }

  @Override
  public String toString() {
    return "FileTransactionLog{" + directory + ", " + durability + "}";
  }
}
