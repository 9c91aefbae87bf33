package io.dualpush.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.AppendBlobRequestConditions;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.DualPushException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.spi.LogEntry;
import io.dualpush.log.LogEntryCodec;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.log.SegmentCompaction;
import io.dualpush.log.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TransactionLog} in Azure Blob Storage, for jobs that have no durable local disk (a
 * pipeline step on an ephemeral container) but must still recover every acknowledged push.
 *
 * <h2>In the container</h2>
 * <pre>
 * PREFIX/writer.lock                        an empty block blob; its blob lease is the writer's lock
 * PREFIX/segment-00000000000000000001.log   an append blob: records in order
 * PREFIX/segment-00000000000000000002.log   the next segment, and so on (20-digit sequence number)
 * </pre>
 * Each record is framed as in {@code FileTransactionLog}: {@code [int32 length L][int32 CRC32C of
 * the next L bytes][L bytes of LogEntryCodec.encode]}, big-endian.
 *
 * <h2>Why append blobs</h2>
 * An append blob is the storage service's own write-ahead log: {@code Append Block} adds up to
 * 4 MiB atomically (a block lands whole or not at all) and is durable (replicated per the account's
 * redundancy) when the service answers 201. Each block is appended with the condition
 * {@code x-ms-blob-condition-appendpos} = the offset this writer expects the blob to end at, so
 * <ul>
 *   <li>an SDK retry of a block that had in fact landed, or a second writer, fails with 412
 *       {@code AppendPositionConditionNotMet} instead of duplicating or interleaving records; the
 *       log then re-reads the tail: if exactly its block is there, the append succeeded; otherwise
 *       it refuses every further append (loudly) until reopened;</li>
 *   <li>nothing is ever rewritten, so a reader sees a prefix of the log at any instant.</li>
 * </ul>
 * Block blobs (one blob per record, or put-block-list rewrites) were rejected: one blob per record
 * makes recovery a listing of millions of names, and rewriting a block list per append costs two
 * round trips and gives no atomic "append if still at offset N". Page blobs need 512-byte alignment
 * and their own torn-write handling.
 *
 * <h2>Throughput and durability</h2>
 * Appends from concurrent threads are queued to one writer thread, which packs whatever is queued
 * (up to 4 MiB) into one {@code Append Block}: while one block is in flight the next batch forms,
 * so throughput is not one round trip per record. The writer thread alone owns the segments: a
 * {@link #checkpoint()} is queued to it like an append, so no caller ever waits on a lock held
 * across a call to the service, and {@link #close()} waits a bounded time. {@link #append} returns
 * after the service acknowledged the block holding its record: that is the durability point. A
 * segment rolls to the next before it would pass {@link Builder#segmentSize} or the service's
 * 50,000-block limit.
 *
 * <h2>One writer</h2>
 * Opening for writing takes a blob lease on {@code PREFIX/writer.lock} ({@link
 * Builder#leaseDuration}, default 60 s), renewed every quarter of it by a daemon thread and
 * released on {@link #close}. A second open while the lease is held fails with a {@link
 * DualPushException} naming account, container and prefix. After a crash the lease runs out within
 * its duration; {@link Builder#takeOver(boolean)} breaks it at once, for a restarted job that knows
 * the previous holder is dead. The writer counts its lease from just before the acquire or renew
 * request was sent (not from the answer) and, {@link Builder#leaseSafetyMargin} before that count
 * runs out, refuses further appends and compaction: checked before every append block, so it stops
 * before another writer can take the log over. A holder that finds its lease broken refuses them
 * too. The append-position condition is the second fence: a writer whose lease was taken over fails
 * its next append instead of writing behind the new holder's back (it may still have appended in
 * the instant before the new holder's first append, in which case the new holder fails loudly
 * rather than lose that record).
 *
 * <h2>Recovery</h2>
 * On open the segments are listed in order, downloaded one at a time and replayed into a
 * {@link TransactionIndex}; each frame's CRC is checked. Because an append block is atomic, this
 * writer never leaves a partial record; a <em>torn tail</em> here means a last segment that ends in
 * an incomplete frame (a frame header or body cut short), which only another tool appending bytes,
 * or a restore that cut the blob, can produce. It is treated as the file log treats one: the
 * partial frame is dropped with a warning naming blob and offset, the segment is marked with its
 * valid length (blob metadata {@value #VALID_LENGTH}) and writing continues in a new segment. A
 * whole frame with a bad checksum or an impossible length, or an incomplete frame in a segment that
 * is not the last, stops the open with a {@link TransactionLogCorruptedException} naming blob and
 * offset: skipping it would silently lose transactions. Segments are numbered one after another
 * and compaction deletes only the oldest, so a number missing between two present segments (a blob
 * deleted or lost by something else) stops the open, read-only too, with a
 * {@link TransactionLogGapException} naming both neighbours and the missing numbers: replaying
 * around it could silently revert a key to an older version. A torn tail dropped (or, read-only,
 * left unread) is listed by {@link #openWarnings()}.
 *
 * <h2>Compaction</h2>
 * On every roll-over and on {@link #checkpoint()}, apart from the {@link Builder#retainSegments}
 * most recent older segments (recent history, kept whatever it holds), the oldest segments that no
 * unfinished transaction (open, or dead-lettered and waiting for a retry) has a record in are
 * deleted, oldest first, so what remains is always a suffix of the log. When more than
 * {@link Builder#compactAfterSegments} older segments remain because unfinished transactions need
 * them, those transactions' current state is appended to the active segment (framed as above, in
 * append blocks of at most 4 MiB, each with the append-position condition) and, once the service has
 * acknowledged every one of those blocks, the segments they pinned are deleted. This is the file
 * log's rule, {@link SegmentCompaction}, whose documentation says why it is safe at any crash point.
 * The container therefore holds a few segments plus the state of the unfinished transactions,
 * whatever the load and however long one stays open. A copy that fails deletes nothing (a block
 * whose outcome is unknown is resolved before the next append); a compaction that fails during a
 * roll-over is logged and retried at the next checkpoint. Compaction deletes and copies nothing
 * unless this writer still holds the log: before it does, it checks that the log has not failed or
 * been fenced off and that the lease cannot have run out, and renews the lease, which fails if
 * another writer took the log over ({@link Builder#takeOver(boolean)}); otherwise
 * {@link #checkpoint()} throws, and a roll-over skips compaction with a warning (or, once fenced
 * off, fails its appends).
 * Verified and superseded transactions go with their segments; the index keeps the most recent ones
 * in memory ({@link Builder#terminalRetention}). A record appended for such a transaction after its
 * start was deleted (a deep verify that finds a copy corrupted reopens a verified transaction) is
 * preceded by the transaction's current state, in the same append block (or, should that pass
 * 4 MiB, in the block before it), so a restart finds the transaction with that record applied
 * ({@link SegmentCompaction#restateBefore}); the append returns once the block holding its record is
 * acknowledged. Records of a transaction the index no longer holds, or of a superseded one, are
 * not restated, and a replay ignores them.
 *
 * <h2>Errors</h2>
 * The SDK's retry policy (configured on the user's client) handles throttling and server errors.
 * What is left surfaces as a {@link DualPushException} whose message says whether it is transient
 * (408, 429, 5xx, I/O: retry later) or permanent (authentication, authorization, a missing
 * container) and never holds a secret; its cause is a scrubbed copy of the SDK's exception. After a
 * failed append it is unknown whether the block landed; the next append first finds out from the
 * blob's length and content, so an append that threw may still be in the log (as with any WAL).
 *
 * <pre>{@code
 * BlobContainerClient container = ...; // the user's client, with their credential
 * try (AzureBlobTransactionLog log = AzureBlobTransactionLog.builder(container, "jobs/nightly").open()) { ... }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AzureBlobTransactionLog implements TransactionLog {
  private static final Logger LOG = LoggerFactory.getLogger(AzureBlobTransactionLog.class);
  /** Blob metadata on a segment whose tail was torn: how many bytes of it are whole records. */
  static final String VALID_LENGTH = "dualpush_valid_length";
  static final String LOCK_BLOB = BlobWriterLease.LOCK_BLOB;
  private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{20})\\.log");
  private static final int HEADER = 8;
  /** The largest append block every service version (and Azurite) accepts. */
  static final int MAX_BLOCK = 4 * 1024 * 1024;
  private static final int MAX_ENTRY = MAX_BLOCK - HEADER;
  /** Leaves headroom below the service's 50,000 blocks per append blob. */
  static final int MAX_BLOCKS_PER_SEGMENT = 49_000;
  /** Default size at which a segment rolls over. */
  public static final long DEFAULT_SEGMENT_SIZE = 64L * 1024 * 1024;
  /** Default of {@link Builder#closeTimeout}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** Options for a log under one prefix of a container. Not thread-safe; {@link #open()} snapshots it. */
  public static final class Builder {
    private final BlobContainerClient container;
    private final String prefix;
    private long segmentSize = DEFAULT_SEGMENT_SIZE;
    private int maxBlocksPerSegment = MAX_BLOCKS_PER_SEGMENT;
    private boolean takeOver;
    private int terminalRetention = TransactionIndex.DEFAULT_TERMINAL_RETENTION;
    private int retainSegments = SegmentCompaction.DEFAULT_RETAIN_SEGMENTS;
    private int compactAfterSegments = SegmentCompaction.DEFAULT_COMPACT_AFTER_SEGMENTS;
    private Duration leaseDuration = BlobWriterLease.MAX_DURATION;
    private @Nullable Duration leaseSafetyMargin;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private LongSupplier ticker = System::nanoTime;

    private Builder(BlobContainerClient container, String prefix) {
      this.container = InvalidInputException.requireNonNull(container, "container");
      InvalidInputException.requireNonNull(prefix, "prefix");
      String p = prefix;
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.isEmpty() || p.startsWith("/") || p.contains("//") || p.length() > 900) {
        throw new InvalidInputException("prefix", "'prefix' must be a non-empty blob name prefix such as 'logs/job-1' "
            + "(no leading '/', no empty segments, at most 900 characters); got '" + prefix + "'");
      }
      this.prefix = p;
    }

    /**
     * Size in bytes at which a segment rolls over; at least 1 KiB (small sizes are for tests).
     *
     * @param bytes at least 1024 (default {@link #DEFAULT_SEGMENT_SIZE})
     * @return this builder
     * @throws InvalidInputException naming {@code segmentSize} when it is below 1024
     */
    public Builder segmentSize(long bytes) {
      if (bytes < 1024) {
        throw new InvalidInputException("segmentSize", "'segmentSize' must be at least 1024 bytes; got " + bytes);
      }
      this.segmentSize = bytes;
      return this;
    }

    /** Blocks after which a segment rolls over; at most 49,000 (the service allows 50,000). */
    Builder maxBlocksPerSegment(int blocks) {
      if (blocks < 1 || blocks > MAX_BLOCKS_PER_SEGMENT) {
        throw new InvalidInputException("maxBlocksPerSegment", "'maxBlocksPerSegment' must be 1.."
            + MAX_BLOCKS_PER_SEGMENT + "; got " + blocks);
      }
      this.maxBlocksPerSegment = blocks;
      return this;
    }

    /**
     * Whether {@link #open()} breaks a lease another writer holds instead of failing. Only for a
     * restarted job that knows the previous holder is dead (killed): two live writers would fence
     * each other's appends off.
     *
     * @param takeOver true to break a lease another writer holds
     * @return this builder
     */
    public Builder takeOver(boolean takeOver) {
      this.takeOver = takeOver;
      return this;
    }

    /**
     * Terminal transactions kept in memory for {@code read} and {@code recent}.
     *
     * @param transactions 0 or more
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
     * How long the writer's blob lease lasts between renewals (default and most 60 s, least 15 s,
     * whole seconds: the service's range). It is renewed every quarter of this; after a crash
     * another writer can open the log without {@link #takeOver(boolean)} once it ran out.
     *
     * @param duration 15..60 seconds
     * @return this builder
     * @throws InvalidInputException naming {@code leaseDuration} when it is null or out of range, or
     *     {@code leaseSafetyMargin} when the margin set before is more than half of it
     */
    public Builder leaseDuration(Duration duration) {
      InvalidInputException.requireNonNull(duration, "leaseDuration");
      // A margin set before must still fit: conflicting settings fail at once, naming the margin.
      BlobWriterLease.validate(duration, leaseSafetyMargin == null ? BlobWriterLease.defaultMargin(duration)
          : leaseSafetyMargin);
      this.leaseDuration = duration;
      return this;
    }

    /**
     * How long before its lease could run out the writer stops appending and compacting (default a
     * sixth of {@link #leaseDuration}: 10 s of 60 s). The lease is counted from just before the
     * acquire or renew request was sent; the margin leaves room for an append checked just before
     * that deadline to reach the service in time, and for the two clocks' rates to differ. A larger
     * margin is safer on a slow network; it must leave time to retry a failed renewal.
     *
     * @param margin positive and at most half of {@link #leaseDuration} (checked again by {@link #open()})
     * @return this builder
     * @throws InvalidInputException naming {@code leaseSafetyMargin} when it is null, not positive
     *     or more than half of the lease duration set so far
     */
    public Builder leaseSafetyMargin(Duration margin) {
      InvalidInputException.requireNonNull(margin, "leaseSafetyMargin");
      BlobWriterLease.validate(leaseDuration, margin);
      this.leaseSafetyMargin = margin;
      return this;
    }

    /**
     * How long {@link AzureBlobTransactionLog#close()} waits for the appends queued and in flight
     * (default 30 s). A call to the service stuck past it is abandoned: see {@code close()}.
     *
     * @param timeout a positive duration
     * @return this builder
     * @throws InvalidInputException naming {@code closeTimeout} when it is null or not positive
     */
    public Builder closeTimeout(Duration timeout) {
      InvalidInputException.requireNonNull(timeout, "closeTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InvalidInputException("closeTimeout", "'closeTimeout' must be positive; got " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /** For tests: the monotonic clock of the lease, in nanoseconds (default {@link System#nanoTime()}). */
    Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The margin set, or the default for the duration; checked against the duration once both are known. */
    private Duration margin() {
      Duration m = leaseSafetyMargin == null ? BlobWriterLease.defaultMargin(leaseDuration) : leaseSafetyMargin;
      BlobWriterLease.validate(leaseDuration, m);
      return m;
    }

    /**
     * Takes the writer's lease, replays the log and starts the writer.
     *
     * @return the open log, holding the writer's lease (renewed in the background) until it is closed
     * @throws DualPushException when another writer holds the log, the log is damaged, or the
     *     storage cannot be reached
     */
    public AzureBlobTransactionLog open() {
      return openWriter(this);
    }

    /**
     * Reads the log without the lease and without changing any blob; appends fail.
     *
     * @return a log that reads the blobs as they were at open; its appends fail
     */
    public AzureBlobTransactionLog openReadOnly() {
      AzureBlobTransactionLog log = new AzureBlobTransactionLog(this, true);
      log.recover(terminalRetention);
      return log;
    }
  }

  /** One segment blob and what compaction needs to know about it. */
  private static final class Segment {
    final long number;
    final AppendBlobClient blob;
    long size;
    int blocks;
    /** A torn tail was cut off logically: nothing may be appended here. */
    boolean sealed;

    Segment(long number, AppendBlobClient blob) {
      this.number = number;
      this.blob = blob;
    }
  }

  /**
   * A block whose append call failed without telling whether it landed, the number of records in
   * it, and what to do once it turns out it did (fold its records in).
   */
  private record Uncertain(byte[] block, int records, Runnable landed) {}

  /** Work for the writer thread, completed when it is done. */
  private abstract static class Task {
    final CompletableFuture<Void> done = new CompletableFuture<>();
  }

  /** A checkpoint requested by {@link #checkpoint()}: compaction, run by the writer between batches. */
  private static final class CheckpointTask extends Task {}

  /** An append waiting for the block that will hold it. */
  private static final class Pending extends Task {
    final LogEntry entry;
    final byte[] frame;

    Pending(LogEntry entry, byte[] frame) {
      this.entry = entry;
      this.frame = frame;
    }
  }

  private final BlobContainerClient container;
  private final String prefix;
  private final String description;
  private final boolean readOnly;
  private final long segmentSize;
  private final int maxBlocksPerSegment;
  private final Duration leaseDuration;
  private final Duration leaseSafetyMargin;
  private final Duration closeTimeout;
  private final LongSupplier ticker;

  // Confined to the thread that opens the log until the writer thread starts, then to the writer
  // thread: the segments and everything compaction knows about them. No lock is held across a call
  // to the service, so nothing but the writer ever waits for one (a checkpoint is a task queued to
  // the writer, see checkpoint()).
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  /** The segments' names, oldest first, as last changed: for readers other than the writer thread. */
  private volatile List<String> segmentNames = List.of();
  private final SegmentCompaction compaction;
  /** Thread-safe itself; replaced only while opening. */
  private volatile TransactionIndex index = new TransactionIndex();
  private @Nullable Segment active;
  /** What the open found and worked around; set once, before the log is handed out. */
  private volatile List<LogOpenWarning> warnings = List.of();
  /** A block of the active segment whose outcome is unknown: the next append or checkpoint finds out first. */
  private @Nullable Uncertain uncertain;

  // Guarded by queueLock: the queue and the lifecycle.
  private final Object queueLock = new Object();
  private final ArrayDeque<Task> queue = new ArrayDeque<>();
  private boolean closing;
  private volatile boolean closed;
  private volatile @Nullable Throwable failure;
  private @Nullable Thread writer;
  /** The batch the writer is committing, so that a close that gives up on it can fail its appends. */
  private volatile List<Pending> inFlight = List.of();
  private volatile @Nullable BlobWriterLease lease;

  private AzureBlobTransactionLog(Builder options, boolean readOnly) {
    this.container = options.container;
    this.prefix = options.prefix;
    this.description = "azure:" + container.getAccountName() + "/" + container.getBlobContainerName() + "/" + prefix;
    this.readOnly = readOnly;
    this.segmentSize = options.segmentSize;
    this.maxBlocksPerSegment = options.maxBlocksPerSegment;
    this.compaction = new SegmentCompaction(options.retainSegments, options.compactAfterSegments);
    this.leaseDuration = options.leaseDuration;
    this.leaseSafetyMargin = options.margin();
    this.closeTimeout = options.closeTimeout;
    this.ticker = options.ticker;
  }

  /**
   * Options for a log under {@code prefix} of {@code container} (the user's client; its credential is used as is).
   *
   * @param container the caller's own client for an existing container, already signed in
   * @param prefix the blob name prefix the log lives under, such as {@code dualpush/nightly}
   * @return a builder with the defaults
   * @throws InvalidInputException naming {@code container} or {@code prefix} when either is refused
   */
  public static Builder builder(BlobContainerClient container, String prefix) {
    return new Builder(container, prefix);
  }

  /**
   * Opens the log under {@code prefix} with the defaults.
   *
   * @param container the caller's own client for an existing container, already signed in
   * @param prefix the blob name prefix the log lives under
   * @return the open log, holding the writer's lease until it is closed
   */
  public static AzureBlobTransactionLog open(BlobContainerClient container, String prefix) {
    return builder(container, prefix).open();
  }

  /**
   * Reads the log under {@code prefix} without taking the lease; appends fail. For status tools.
   *
   * @param container the caller's own client for an existing container
   * @param prefix the blob name prefix the log lives under
   * @return a log that reads the blobs as they were at open; its appends fail
   */
  public static AzureBlobTransactionLog openReadOnly(BlobContainerClient container, String prefix) {
    return builder(container, prefix).openReadOnly();
  }

  private static AzureBlobTransactionLog openWriter(Builder options) {
    AzureBlobTransactionLog log = new AzureBlobTransactionLog(options, false);
    log.acquireLease(options.takeOver);
    try {
      log.recover(options.terminalRetention);
      log.startThreads();
      return log;
    } catch (RuntimeException e) {
      log.stopRenewer();
      log.releaseLease();
      throw e;
    }
  }

  /**
   * {@code azure:ACCOUNT/CONTAINER/PREFIX}.
   *
   * @return the description, without any credential
   */
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return "AzureBlobTransactionLog{" + description + (readOnly ? ", read-only" : "") + "}";
  }

  // ------------------------------------------------------------------ the lease

  private void acquireLease(boolean takeOver) {
    lease = BlobWriterLease.acquire(container, prefix, description, takeOver, leaseDuration, leaseSafetyMargin, ticker);
  }

  private void lost(DualPushException e) {
    if (failure == null) {
      failure = e;
      LOG.error("{}; refusing further appends", e.getMessage());
    }
  }

  /** Whether the lease may have run out by our own clock (see {@link BlobWriterLease}): then another writer may hold it. */
  private boolean leaseMayHaveExpired() {
    BlobWriterLease l = lease;
    return l != null && l.mayHaveExpired();
  }

  private void releaseLease() {
    BlobWriterLease l = lease;
    lease = null;
    if (l != null) {
      l.release();
    }
  }

  private void startThreads() {
    Thread w = new Thread(this::writerLoop, "dualpush-azure-log-writer " + prefix);
    w.setDaemon(true);
    writer = w;
    w.start();
    Objects.requireNonNull(lease).startRenewing("dualpush-azure-log-lease " + prefix, this::lost);
  }

  private void stopRenewer() {
    BlobWriterLease l = lease;
    if (l != null) {
      l.stop();
    }
  }

  // ------------------------------------------------------------------ recovery

  private static String segmentName(String prefix, long n) {
    return String.format("%s/segment-%020d.log", prefix, n);
  }

  private void recover(int terminalRetention) {
    // A concurrent writer may compact a segment between our listing and our download: list again.
    for (int attempt = 1; ; attempt++) {
      try {
        replayAll(terminalRetention);
        return;
      } catch (BlobStorageException e) {
        if (readOnly && e.getStatusCode() == 404 && attempt < 3) {
          continue;
        }
        throw failure("replay", e);
      } catch (TransactionLogGapException e) {
        // A listing spans pages and is no snapshot beside a writer; a real gap is still there when listed again.
        if (readOnly && attempt < 3) {
          continue;
        }
        throw e;
      } catch (DualPushException e) {
        throw e;
      } catch (RuntimeException e) {
        throw failure("replay", e);
      }
    }
  }

  private void replayAll(int terminalRetention) {
    segments.clear();
    compaction.clear();
    warnings = List.of();
    index = new TransactionIndex(terminalRetention);
    Map<Long, BlobItem> listed = new TreeMap<>();
    ListBlobsOptions options = new ListBlobsOptions().setPrefix(prefix + "/segment-")
        .setDetails(new BlobListDetails().setRetrieveMetadata(true));
    for (BlobItem item : container.listBlobs(options, null)) {
      String name = item.getName().substring(prefix.length() + 1);
      Matcher m = SEGMENT_NAME.matcher(name);
      if (m.matches()) {
        listed.put(Long.parseLong(m.group(1)), item);
      }
    }
    long tornAt = -1;
    Segment last = null;
    for (Iterator<Map.Entry<Long, BlobItem>> it = listed.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, BlobItem> e = it.next();
      boolean isLast = !it.hasNext();
      if (last != null && e.getKey() != last.number + 1) {
        throw gap(last, e.getKey(), e.getValue().getName());
      }
      Segment s = new Segment(e.getKey(), container.getBlobClient(e.getValue().getName()).getAppendBlobClient());
      segments.put(s.number, s);
      long length = e.getValue().getProperties().getContentLength() == null ? 0 : e.getValue().getProperties().getContentLength();
      Map<String, String> metadata = e.getValue().getMetadata();
      String valid = metadata == null ? null : metadata.get(VALID_LENGTH);
      if (valid != null) {
        s.sealed = true;
        length = Math.min(length, Long.parseLong(valid));
      }
      byte[] bytes = download(s, length);
      long end = scan(s, bytes, isLast && valid == null);
      s.size = length;
      if (end < length) {
        tornAt = end;
      }
      last = s;
    }
    segmentsChanged();
    if (readOnly) {
      if (last != null && tornAt >= 0) {
        // Append blocks are atomic, so this is no append in progress: a tool or a restore cut the blob.
        warnings = List.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_IGNORED, last.blob.getBlobName(), tornAt,
            "Transaction log " + description + ": blob '" + last.blob.getBlobName() + "' ends in " + (last.size - tornAt)
            + " bytes at offset " + tornAt + " that are not a whole record (append blocks are atomic, so not an append in "
            + "progress: a tool or a restore cut the blob). This read-only view ends before them, so a state shown may "
            + "be out of date; the next writer's open drops them."));
      }
      return;
    }
    if (last != null && tornAt >= 0) {
      LOG.warn("Transaction log {}: dropping a torn tail of {} bytes at offset {} of blob '{}'; further records go to a "
          + "new segment", description, last.size - tornAt, tornAt, last.blob.getBlobName());
      warnings = List.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_DROPPED, last.blob.getBlobName(), tornAt,
          "Transaction log " + description + ": dropped a torn tail of " + (last.size - tornAt) + " bytes at offset "
          + tornAt + " of blob '" + last.blob.getBlobName() + "' (marked with its valid length); further records go to a "
          + "new segment"));
      Map<String, String> metadata = new HashMap<>();
      metadata.put(VALID_LENGTH, Long.toString(tornAt));
      last.blob.setMetadata(metadata);
      last.size = tornAt;
      last.sealed = true;
    }
    if (last == null || last.sealed) {
      active = createSegment(last == null ? 1 : last.number + 1);
    } else {
      BlobProperties props = last.blob.getProperties();
      last.blocks = props.getCommittedBlockCount() == null ? 0 : props.getCommittedBlockCount();
      if (props.getBlobSize() != last.size) {
        throw new DualPushException("Transaction log " + description + ": blob '" + last.blob.getBlobName() + "' grew from "
            + last.size + " to " + props.getBlobSize() + " bytes while it was replayed; is another writer using the log?");
      }
      active = last;
    }
  }

  private byte[] download(Segment s, long length) {
    if (length == 0) {
      return new byte[0];
    }
    if (length > Integer.MAX_VALUE - 16) {
      throw new DualPushException("Transaction log " + description + ": blob '" + s.blob.getBlobName() + "' is "
          + length + " bytes, larger than a segment can be");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) length);
    s.blob.downloadStreamWithResponse(out, new BlobRange(0, length), null, null, false, null, Context.NONE);
    byte[] bytes = out.toByteArray();
    if (bytes.length != length) {
      throw new DualPushException("Transaction log " + description + ": read " + bytes.length + " of " + length
          + " bytes of blob '" + s.blob.getBlobName() + "'");
    }
    return bytes;
  }

  /** Replays every whole frame; returns the offset after the last one (less than the length only for a torn tail). */
  private long scan(Segment s, byte[] bytes, boolean mayBeTorn) {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    CRC32C crc = new CRC32C();
    int pos = 0;
    while (pos < bytes.length) {
      if (bytes.length - pos < HEADER) {
        return torn(s, pos, mayBeTorn, "a partial frame header");
      }
      int length = buf.getInt(pos);
      if (length <= 2 || length > MAX_ENTRY) {
        throw corrupt(s, pos, "implausible entry length " + length);
      }
      if ((long) pos + HEADER + length > bytes.length) {
        return torn(s, pos, mayBeTorn, "an entry of " + length + " bytes runs past the end");
      }
      crc.reset();
      crc.update(bytes, pos + HEADER, length);
      if ((int) crc.getValue() != buf.getInt(pos + 4)) {
        throw corrupt(s, pos, "checksum mismatch");
      }
      LogEntry entry;
      try {
        entry = LogEntryCodec.decode(bytes, pos + HEADER, length);
      } catch (IllegalArgumentException e) {
        throw corrupt(s, pos, e.getMessage());
      }
      applyDurable(entry, s);
      pos += HEADER + length;
    }
    return pos;
  }

  private long torn(Segment s, int pos, boolean mayBeTorn, String why) {
    if (!mayBeTorn) {
      throw corrupt(s, pos, why + "; the segment is not the last, so it cannot have been torn");
    }
    return pos;
  }

  private TransactionLogCorruptedException corrupt(Segment s, long offset, String why) {
    return new TransactionLogCorruptedException("Transaction log " + description + ": blob '" + s.blob.getBlobName()
        + "' is damaged at offset " + offset + " (" + why + "). Refusing to skip records; restore the blob or move it aside.",
        description, s.blob.getBlobName(), offset, why);
  }

  /**
   * Segments are numbered one after another (a roll-over, and the new segment after a torn tail,
   * take the last number plus one) and compaction deletes only the oldest, so a number missing
   * between two present segments is a segment deleted or lost by something else: replaying around
   * it could silently revert a key to an older version.
   */
  private TransactionLogGapException gap(Segment before, long number, String blobName) {
    long first = before.number + 1;
    long lastMissing = number - 1;
    String reason = (first == lastMissing ? "segment " + first + " is" : "segments " + first + ".." + lastMissing + " are")
        + " missing";
    String facts = "blob '" + before.blob.getBlobName() + "' is followed by '" + blobName + "': " + reason;
    return new TransactionLogGapException("Transaction log " + description + ": " + facts + " (deleted or lost; "
        + "compaction only ever deletes the oldest segments). Replaying around them could silently revert a key to an "
        + "older version, so the log does not open. Restore the missing segment blobs.", description,
        before.blob.getBlobName(), blobName, first, lastMissing, reason);
  }

  private Segment createSegment(long number) {
    AppendBlobClient blob = container.getBlobClient(segmentName(prefix, number)).getAppendBlobClient();
    // If-None-Match: * — a segment that already exists belongs to another writer.
    boolean created = blob.createIfNotExistsWithResponse(new com.azure.storage.blob.options.AppendBlobCreateOptions(), null,
        Context.NONE).getStatusCode() == 201;
    if (!created && blob.getProperties().getBlobSize() != 0) {
      // An empty one is ours: a create whose answer was lost and that the SDK or a later roll retried.
      throw new DualPushException("Transaction log " + description + ": segment '" + blob.getBlobName()
          + "' already exists and holds records; another writer is using the log");
    }
    Segment s = new Segment(number, blob);
    segments.put(number, s);
    segmentsChanged();
    return s;
  }

  // ------------------------------------------------------------------ the fold and compaction bookkeeping

  /** Folds a durable record (just appended, or replayed) into the index and the segment tracking. */
  private void applyDurable(LogEntry entry, Segment segment) {
    if (index.apply(entry)) {
      compaction.recorded(entry, segment.number);
    }
    // Otherwise a transaction the index does not hold (compacted away and no longer in memory, or a
    // second start): replay ignores it too.
  }

  /**
   * Compacts by the rule of {@link SegmentCompaction}; returns how many segments were deleted. The
   * copies go into the active segment as framed records in append blocks; the segments they stand
   * in for are deleted only once every block is acknowledged. A failed copy deletes nothing and may
   * leave its block {@link #uncertain}. On the writer thread, with no block uncertain.
   */
  private int compact() {
    Segment s = Objects.requireNonNull(active);
    SegmentCompaction.Plan plan = compaction.plan(new ArrayList<>(segments.headMap(s.number, false).keySet()), index);
    if (plan.isEmpty()) {
      return 0;
    }
    ensureStillWriter();
    int deleted = delete(plan.deleteNow());
    if (plan.copyForward().isEmpty()) {
      return deleted;
    }
    appendCopies(s, plan.entriesToCopy());
    compaction.copiedForward(plan, s.number);
    ensureStillWriter(); // the copies took a while: still ours before deleting what they stand in for
    deleted += delete(plan.deleteAfterCopy());
    LOG.debug("Transaction log {}: copied {} unfinished transaction(s) forward into '{}'; {} segment(s) deleted",
        description, plan.copyForward().size(), s.blob.getBlobName(), deleted);
    return deleted;
  }

  /**
   * Throws, so that compaction deletes and copies nothing, unless this writer still holds the log:
   * not after the log failed or was fenced off, nor when its lease may have run out, nor when
   * renewing the lease now shows that another writer took the log over (the renewal thread would
   * find out only later, and a deletion cannot be made conditional on the lease). The last two
   * also make the log refuse appends. A renewal that fails otherwise (the service is unreachable)
   * throws without failing the log.
   */
  private void ensureStillWriter() {
    Throwable f = failure;
    if (f != null) {
      throw new DualPushException("Transaction log " + description + " deletes no segment: it refuses appends ("
          + f.getMessage() + ")", f);
    }
    BlobWriterLease l = lease;
    if (l == null) {
      throw new DualPushException("Transaction log " + description + " deletes no segment: it holds no writer's lease");
    }
    if (l.mayHaveExpired()) {
      DualPushException e = new DualPushException("Transaction log " + description + " deletes no segment: it could not "
          + "renew its writer's lease in time; another writer may hold the log now");
      lost(e);
      throw e;
    }
    try {
      l.renew();
    } catch (BlobWriterLease.LostException e) {
      DualPushException d = new DualPushException("Transaction log " + description + " deletes no segment: "
          + e.getMessage(), e);
      lost(d);
      throw d;
    }
  }

  /**
   * Appends {@code entries} to {@code s} as framed records in blocks of at most {@link #MAX_BLOCK}
   * bytes. Copies change no state, so a block that failed and is later found to have landed only
   * counts in the segment's size.
   */
  private void appendCopies(Segment s, List<LogEntry> entries) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    int records = 0;
    for (LogEntry e : entries) {
      byte[] frame = frame(LogEntryCodec.encode(e));
      if (records > 0 && block.size() + frame.length > MAX_BLOCK) {
        appendBlock(s, block.toByteArray(), records, () -> { });
        block.reset();
        records = 0;
      }
      block.writeBytes(frame);
      records++;
    }
    if (records > 0) {
      appendBlock(s, block.toByteArray(), records, () -> { });
    }
  }

  /** Deletes segments, oldest first, and forgets those deleted; returns how many. */
  private int delete(List<Long> numbers) {
    List<Long> done = new ArrayList<>();
    try {
      for (long n : numbers) {
        Segment s = Objects.requireNonNull(segments.get(n));
        s.blob.deleteIfExists();
        segments.remove(n);
        done.add(n);
        LOG.debug("Transaction log {}: compacted {}", description, s.blob.getBlobName());
      }
    } finally {
      compaction.forget(done);
      segmentsChanged();
    }
    return done.size();
  }

  /** The names of the segment blobs, oldest first (for tests and tools). */
  List<String> segmentNames() {
    return segmentNames;
  }

  /** Publishes the segments' names after a change; on the thread that owns {@link #segments}. */
  private void segmentsChanged() {
    List<String> names = new ArrayList<>(segments.size());
    segments.values().forEach(s -> names.add(s.blob.getBlobName()));
    segmentNames = List.copyOf(names);
  }

  // ------------------------------------------------------------------ appending

  @Override
  public void append(LogEntry entry) {
    Objects.requireNonNull(entry, "entry");
    if (readOnly) {
      throw new DualPushException("Transaction log " + description + " was opened read-only");
    }
    byte[] body = LogEntryCodec.encode(entry);
    if (body.length > MAX_ENTRY) {
      throw new InvalidInputException("entry", "A log entry of " + body.length + " bytes is larger than the "
          + MAX_ENTRY + " bytes one append block can hold (transaction " + entry.transactionId() + ")");
    }
    Pending p = new Pending(entry, frame(body));
    synchronized (queueLock) {
      checkUsable();
      if (closing) {
        throw new DualPushException("Transaction log " + description + " is closed");
      }
      queue.add(p);
      queueLock.notifyAll();
    }
    try {
      p.done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DualPushException d) {
        throw d;
      }
      throw new TransactionLogUnavailableException("Cannot append to transaction log " + description + ": " + cause,
          description, cause);
    }
  }

  /** {@code [int32 length][int32 CRC32C of the body][body]}, big-endian. */
  private static byte[] frame(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body, 0, body.length);
    byte[] frame = new byte[HEADER + body.length];
    ByteBuffer.wrap(frame).putInt(body.length).putInt((int) crc.getValue()).put(body);
    return frame;
  }

  private void checkUsable() {
    if (closed) {
      throw new DualPushException("Transaction log " + description + " is closed");
    }
    Throwable f = failure;
    if (f != null) {
      throw new TransactionLogUnavailableException("Transaction log " + description + " refuses appends ("
          + f.getMessage() + "); reopen it to continue from what is stored", description, f);
    }
  }

  private void writerLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      @Nullable CheckpointTask checkpoint = null;
      synchronized (queueLock) {
        while (queue.isEmpty() && !closing) {
          try {
            queueLock.wait();
          } catch (InterruptedException e) {
            if (closed) {
              return; // abandoned
            }
          }
        }
        if (queue.isEmpty() || closed) {
          return;
        }
        if (queue.peek() instanceof CheckpointTask c) {
          queue.poll();
          checkpoint = c;
        } else {
          int bytes = 0;
          while (queue.peek() instanceof Pending p && bytes + p.frame.length <= MAX_BLOCK) {
            queue.poll();
            bytes += p.frame.length;
            batch.add(p);
          }
        }
      }
      if (checkpoint != null) {
        runCheckpoint(checkpoint);
        continue;
      }
      try {
        inFlight = List.copyOf(batch);
        commit(batch);
      } catch (Throwable e) {
        failure = e;
        failAll(batch, e);
        LOG.error("Transaction log {}: the writer thread failed; refusing further appends", description, e);
        synchronized (queueLock) {
          List<Task> rest = new ArrayList<>(queue);
          queue.clear();
          failAll(rest, e);
        }
        return;
      } finally {
        inFlight = List.of();
      }
      batch.clear();
    }
  }

  private static void failAll(List<? extends Task> batch, Throwable e) {
    for (Task p : batch) {
      p.done.completeExceptionally(e);
    }
  }

  /**
   * Appends {@code batch} as one block (rolling first if needed), folds it in and completes it. A
   * record of a transaction whose start was compacted away is preceded by the transaction's state
   * ({@link SegmentCompaction#restateBefore}); should that make the block larger than
   * {@link #MAX_BLOCK}, the batch goes in several blocks, each append completing once the block
   * holding its record is acknowledged, and the state never in a later block than its record.
   * On the writer thread.
   */
  private void commit(List<Pending> batch) {
    Throwable f = failure;
    if (f != null) {
      failAll(batch, new DualPushException("Transaction log " + description + " refuses appends (" + f.getMessage() + ")", f));
      return;
    }
    if (leaseMayHaveExpired()) {
      lost(new DualPushException("Transaction log " + description + " could not renew its writer's lease in time; "
          + "another writer may hold the log now"));
      failAll(batch, Objects.requireNonNull(failure));
      return;
    }
    try {
      if (uncertain != null) {
        resolveUncertain();
      }
      Segment s = Objects.requireNonNull(active);
      List<List<LogEntry>> restated = restate(batch);
      long length = 0;
      for (int k = 0; k < batch.size(); k++) {
        length += batch.get(k).frame.length;
        for (LogEntry e : restated.get(k)) {
          length += HEADER + LogEntryCodec.encode(e).length;
        }
      }
      if (s.blocks >= maxBlocksPerSegment || (s.size > 0 && s.size + length > segmentSize)) {
        s = roll();
        if (uncertain != null) {
          resolveUncertain(); // a copy block of the compaction in roll()
        }
        restated = restate(batch); // the roll's compaction may have deleted a start
      }
      Segment target = s;
      ByteArrayOutputStream block = new ByteArrayOutputStream((int) Math.min(length, MAX_BLOCK));
      List<LogEntry> states = new ArrayList<>();
      List<Pending> records = new ArrayList<>();
      for (int k = 0; k < batch.size(); k++) {
        for (LogEntry e : restated.get(k)) {
          byte[] frame = frame(LogEntryCodec.encode(e));
          if (block.size() > 0 && block.size() + frame.length > MAX_BLOCK) {
            appendBatchBlock(target, block, states, records);
          }
          block.writeBytes(frame);
          states.add(e);
        }
        Pending p = batch.get(k);
        if (block.size() > 0 && block.size() + p.frame.length > MAX_BLOCK) {
          appendBatchBlock(target, block, states, records);
        }
        block.writeBytes(p.frame);
        records.add(p);
      }
      appendBatchBlock(target, block, states, records);
    } catch (RuntimeException e) {
      // Fencing failures have set `failure` already; everything else fails this batch only (what
      // an earlier block of it completed stays completed).
      failAll(batch, failure("append to", e));
    }
  }

  /**
   * For each record of {@code batch}, the state of its transaction to write just before it
   * ({@link SegmentCompaction#restateBefore}): before the first record of a transaction only.
   */
  private List<List<LogEntry>> restate(List<Pending> batch) {
    List<List<LogEntry>> out = new ArrayList<>(batch.size());
    Set<String> restating = new HashSet<>();
    for (Pending p : batch) {
      String id = p.entry.transactionId();
      List<LogEntry> state = restating.contains(id) ? List.of() : compaction.restateBefore(p.entry, index);
      if (!state.isEmpty()) {
        restating.add(id);
        LOG.debug("Transaction log {}: restating transaction {}, whose start was compacted away, before a new record "
            + "of it", description, id);
      }
      out.add(state);
    }
    return out;
  }

  /**
   * Appends {@code block} to {@code target}; once it landed, notes the restated {@code states} in it
   * (the index holds them already), folds its {@code records} in and completes them. Empties all three.
   */
  private void appendBatchBlock(Segment target, ByteArrayOutputStream block, List<LogEntry> states,
      List<Pending> records) {
    List<LogEntry> noted = List.copyOf(states);
    List<Pending> done = List.copyOf(records);
    byte[] bytes = block.toByteArray();
    block.reset();
    states.clear();
    records.clear();
    appendBlock(target, bytes, noted.size() + done.size(), () -> {
      noted.forEach(e -> compaction.recorded(e, target.number));
      done.forEach(p -> applyDurable(p.entry, target));
    });
    for (Pending p : done) {
      p.done.complete(null);
    }
  }

  /**
   * Appends {@code block} to the active segment {@code s} where this writer expects the blob to end
   * (the append-position condition), counts it in the segment and runs {@code landed}. A 412
   * {@code AppendPositionConditionNotMet} is either an SDK retry of this very block that had landed
   * (then it counts as appended) or another writer (then the log refuses further appends and this
   * throws). After a transient or I/O failure the block may or may not have landed: it is left
   * {@link #uncertain}, with {@code landed}, for the next append or checkpoint to resolve first.
   */
  private void appendBlock(Segment s, byte[] block, int records, Runnable landed) {
    // Checked before every block, not only once per batch: a batch of several blocks, or the copies
    // of a compaction, may take long enough for the lease to run out (or the log to be closed).
    Throwable f = failure;
    if (f != null) {
      throw new DualPushException("Transaction log " + description + " refuses appends (" + f.getMessage() + ")", f);
    }
    if (leaseMayHaveExpired()) {
      DualPushException e = new DualPushException("Transaction log " + description + " could not renew its writer's "
          + "lease in time; another writer may hold the log now");
      lost(e);
      throw e;
    }
    long expected = s.size;
    try {
      s.blob.appendBlockWithResponse(new ByteArrayInputStream(block), block.length, null,
          new AppendBlobRequestConditions().setAppendPosition(expected), null, Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() != 412 || !BlobErrorCode.APPEND_POSITION_CONDITION_NOT_MET.equals(e.getErrorCode())) {
        if (isTransient(e)) {
          uncertain = new Uncertain(block, records, landed);
        }
        throw e;
      }
      boolean ours;
      try {
        ours = landedAt(s, expected, block);
      } catch (RuntimeException readFailed) {
        uncertain = new Uncertain(block, records, landed); // resolved like any other unknown outcome
        throw readFailed;
      }
      if (!ours) {
        throw fenced(s, expected, e);
      }
      LOG.debug("Transaction log {}: a retried block had already landed at offset {}", description, expected);
    } catch (RuntimeException e) {
      uncertain = new Uncertain(block, records, landed); // below HTTP: the block may or may not have landed
      throw e;
    }
    s.size += block.length;
    s.blocks++;
    landed.run();
  }

  /**
   * A previous block's call failed: find out from the blob whether it landed. If it did, its
   * records are in the log (though the appends or the copy that wrote it failed); if not, carry on
   * from where we were.
   */
  private void resolveUncertain() {
    Segment s = Objects.requireNonNull(active);
    Uncertain u = Objects.requireNonNull(uncertain);
    BlobProperties props = s.blob.getProperties();
    long size = props.getBlobSize();
    if (size == s.size) {
      uncertain = null;
      return;
    }
    if (size == s.size + u.block().length && landedAt(s, s.size, u.block())) {
      LOG.warn("Transaction log {}: a block whose append failed had landed at offset {} of '{}'; its {} records are in "
          + "the log", description, s.size, s.blob.getBlobName(), u.records());
      s.size += u.block().length;
      s.blocks++;
      uncertain = null;
      u.landed().run();
      return;
    }
    DualPushException e = new DualPushException("Transaction log " + description + ": blob '" + s.blob.getBlobName()
        + "' is " + size + " bytes where this writer expected " + s.size + " (or " + (s.size + u.block().length)
        + "); another writer appended to it");
    lost(e);
    throw e;
  }

  private boolean landedAt(Segment s, long offset, byte[] block) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(block.length);
    try {
      s.blob.downloadStreamWithResponse(out, new BlobRange(offset, (long) block.length), null, null, false, null,
          Context.NONE);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 416) {
        return false;
      }
      throw e;
    }
    return Arrays.equals(out.toByteArray(), block);
  }

  private DualPushException fenced(Segment s, long expected, BlobStorageException e) {
    DualPushException d = new DualPushException("Transaction log " + description + ": blob '" + s.blob.getBlobName()
        + "' no longer ends at offset " + expected + " and does not hold this writer's block there: another writer "
        + "appended to the log. Refusing further appends; reopen to continue from what is stored", Scrub.of(e));
    lost(d);
    return d;
  }

  private Segment roll() {
    Segment old = Objects.requireNonNull(active);
    Segment next = createSegment(old.number + 1);
    active = next;
    try {
      compact();
    } catch (RuntimeException e) {
      if (failure != null) {
        throw e; // fenced off, or the lease may be gone: nothing more may be written
      }
      LOG.warn("Transaction log {}: compaction after a roll-over skipped or failed ({}); it is retried at the next "
          + "checkpoint", description, Scrub.text(String.valueOf(e.getMessage())));
    }
    return next;
  }

  private static boolean isTransient(BlobStorageException e) {
    return AzureLogErrors.isTransient(e);
  }

  /** See {@link AzureLogErrors#failure}. */
  private DualPushException failure(String operation, RuntimeException e) {
    return AzureLogErrors.failure(description, container.getBlobContainerName(), operation, e);
  }

  // ------------------------------------------------------------------ queries

  /**
   * What this open found and worked around: a torn tail of the last segment, which a writer's open
   * drops ({@code TORN_TAIL_DROPPED}) and a read-only open leaves in place and does not read
   * ({@code TORN_TAIL_IGNORED}). Append blocks are atomic, so neither is ever an append in progress.
   * Immutable; thread-safe.
   */
  @Override
  public List<LogOpenWarning> openWarnings() {
    return warnings;
  }

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
   * Compacts the log (see the class documentation). Deletes nothing, and throws a
   * {@link DualPushException} saying why, once this writer may no longer hold the log: after it was
   * fenced off or failed, when its lease may have run out, or when renewing the lease shows another
   * writer took it over. A no-op on a read-only or closed log.
   *
   * <p>The compaction runs on the writer thread, after the appends queued before it; the caller
   * waits for it (interruptibly) without holding any lock, and a {@link #close()} that gives up on
   * a stuck writer fails it.
   */
  @Override
  public void checkpoint() {
    if (readOnly || closed) {
      return;
    }
    CheckpointTask task = new CheckpointTask();
    synchronized (queueLock) {
      if (closing) {
        return;
      }
      queue.add(task);
      queueLock.notifyAll();
    }
    try {
      task.done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DualPushException("Transaction log " + description + ": interrupted while waiting for a checkpoint "
          + "(it may still run)", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DualPushException d) {
        throw d;
      }
      throw new TransactionLogUnavailableException("Cannot compact transaction log " + description + ": " + cause,
          description, Objects.requireNonNull(cause));
    }
  }

  /** Compacts for {@link #checkpoint()} on the writer thread, which owns the segments; completes {@code task}. */
  private void runCheckpoint(CheckpointTask task) {
    Throwable f = failure;
    if (f != null) {
      task.done.completeExceptionally(new DualPushException("Transaction log " + description + " deletes no segment: "
          + "it refuses appends (" + f.getMessage() + "); reopen it to continue from what is stored", f));
      return;
    }
    try {
      if (uncertain != null) {
        resolveUncertain(); // the copies go after whatever the last append left
      }
      int deleted = compact();
      if (deleted > 0) {
        LOG.debug("Transaction log {}: checkpoint deleted {} segments", description, deleted);
      }
      task.done.complete(null);
    } catch (RuntimeException e) {
      task.done.completeExceptionally(failure("compact", e));
    }
  }

  /**
   * Completes the appends already queued, releases the writer's lease and stops the log's threads.
   *
   * <p>Waits at most {@link Builder#closeTimeout} for the writer. A call to the service that is
   * still running then (a network that stopped answering, a client configured without timeouts) is
   * abandoned: the appends waiting for it and those queued behind it fail with a
   * {@link TransactionLogUnavailableException} saying so, and an abandoned block may or may not land
   * in the log (as after any failed append). The lease is then not released but left to expire, as
   * after a crash, so that no other writer opens the log while the stuck call may still land before
   * the lease runs out; should it land later, the other writer's next append is refused loudly by
   * the append-position condition rather than interleave. The writer thread is interrupted and,
   * being a daemon, never keeps the JVM alive.
   */
  @Override
  public void close() {
    Thread w;
    synchronized (queueLock) {
      if (closed || closing) {
        return;
      }
      closing = true;
      queueLock.notifyAll();
      w = writer;
    }
    boolean stopped = true;
    if (w != null) {
      try {
        w.join(Math.max(1, closeTimeout.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stopped = !w.isAlive();
    }
    if (stopped) {
      closed = true;
      releaseLease();
      return;
    }
    TransactionLogUnavailableException abandoned = new TransactionLogUnavailableException("Transaction log "
        + description + " was closed while a call to the service had not answered within the close timeout ("
        + closeTimeout + "); the appends waiting for it fail, and a block in flight may or may not be in the log",
        description, new TimeoutException("closeTimeout " + closeTimeout));
    if (failure == null) {
      failure = abandoned; // the writer appends nothing more should the stuck call return
    }
    synchronized (queueLock) {
      closed = true;
      List<Task> rest = new ArrayList<>(queue);
      queue.clear();
      failAll(rest, abandoned);
      queueLock.notifyAll();
    }
    failAll(inFlight, abandoned);
    w.interrupt();
    stopRenewer();
    lease = null;
    LOG.warn("Transaction log {}: closed with a call to the service stuck for more than {}; its appends failed, the "
        + "writer's lease is left to expire", description, closeTimeout);
  }

  /**
   * For tests: stops like a killed process would — the writer and the lease renewal stop, nothing
   * is released, queued appends fail. The lease stays held until it expires or is broken.
   */
  void simulateCrashForTesting() {
    synchronized (queueLock) {
      closed = true;
      closing = true;
      List<Task> rest = new ArrayList<>(queue);
      queue.clear();
      failAll(rest, new DualPushException("Transaction log " + description + " crashed (simulated)"));
      queueLock.notifyAll();
    }
    Thread w = writer;
    if (w != null) {
      w.interrupt();
      try {
        w.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stopRenewer();
    lease = null;
  }
}
