package io.dualpush.azure;

import com.azure.storage.blob.BlobContainerClient;
import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.log.SegmentedTransactionLogBuilder;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.LogStats;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TransactionLog} in Azure Blob Storage, for jobs that have no durable local disk (a
 * pipeline step on an ephemeral container) but must still recover every acknowledged push.
 *
 * <p>It is the same segmented log as {@code FileTransactionLog} (framing, group commit, replay, the
 * torn-tail policy, gap detection, compaction and retention are core's, documented there), over
 * append blobs instead of files. What is particular to Azure:
 *
 * <h2>In the container</h2>
 * <pre>
 * PREFIX/writer.lock                        an empty block blob; its blob lease is the writer's lock
 * PREFIX/segment-00000000000000000001.log   an append blob: records in order
 * PREFIX/segment-00000000000000000002.log   the next segment, and so on (20-digit sequence number)
 * </pre>
 * Each record is framed {@code [int32 length L][int32 CRC32C of the next L bytes][L bytes]},
 * big-endian, as in the file log. Logs written by earlier releases open unchanged.
 *
 * <h2>Why append blobs</h2>
 * An append blob is the storage service's own write-ahead log: {@code Append Block} adds up to
 * 4 MiB atomically and is durable (replicated per the account's redundancy) when the service
 * answers 201, so {@link #append} returns once the block holding its record is acknowledged; the
 * writer packs whatever is queued (up to 4 MiB, so an entry is at most 4 MiB − 8 bytes) into one
 * block. Each block is appended with the condition {@code x-ms-blob-condition-appendpos}: an SDK
 * retry of a block that had landed, or a second writer, fails with 412 instead of duplicating or
 * interleaving records; the log then reads the tail back to tell which. Nothing is ever rewritten,
 * so a reader sees a prefix of the log at any instant. A segment rolls over before
 * {@link Builder#segmentSize} or 49,000 blocks (the service allows 50,000). Block blobs (a blob per
 * record, or block-list rewrites) and page blobs (512-byte alignment, torn writes) were rejected.
 *
 * <h2>One writer</h2>
 * Opening for writing takes a blob lease on {@code PREFIX/writer.lock}
 * ({@link Builder#leaseDuration}, default 60 s), renewed every quarter of it and released on
 * {@link #close}. A second open while the lease is held fails with a {@link DualPushException}
 * naming container and prefix; after a crash the lease runs out within its duration, and
 * {@link Builder#takeOver(boolean)} breaks it at once for a restarted job that knows the previous
 * holder is dead. The writer counts its lease from just before the acquire or renew request was
 * sent and stops {@link Builder#leaseSafetyMargin} before that count runs out: every append block
 * and deletion checks it, a deletion renews the lease first (it cannot be made conditional on the
 * lease), and one append call waits at most until the lease could run out. The append-position
 * condition is the second fence: a writer taken over fails its next append instead of writing
 * behind the new holder's back.
 *
 * <h2>Recovery and failures</h2>
 * Append blocks are atomic, so a torn tail is never an append in progress: only a tool or a restore
 * can cut a blob. It is dropped as the file log drops one, by marking the blob's valid length
 * (metadata {@value #VALID_LENGTH}; append blobs cannot be truncated) and going on in a new segment.
 * Other damage stops the open with a {@link TransactionLogCorruptedException}, a missing segment
 * with a {@link TransactionLogGapException}. Storage failures are
 * {@link TransactionLogUnavailableException}s saying whether they are transient (408, 429, 5xx,
 * I/O, a timeout) or permanent, never with a secret; after one the log refuses further appends
 * until reopened (the shared log's rule), and an append that threw may still be in the log.
 *
 * <pre>{@code
 * BlobContainerClient container = ...; // the user's client, with their credential
 * try (AzureBlobTransactionLog log = AzureBlobTransactionLog.builder(container, "jobs/nightly").open()) { ... }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AzureBlobTransactionLog implements TransactionLog {
  /** Blob metadata on a segment whose tail was torn: how many bytes of it are whole records. */
  static final String VALID_LENGTH = AppendBlobSegmentStore.VALID_LENGTH;
  static final String LOCK_BLOB = BlobWriterLease.LOCK_BLOB;
  /** The largest append block every service version (and Azurite) accepts. */
  static final int MAX_BLOCK = AppendBlobSegmentStore.MAX_BLOCK;
  /** Default size at which a segment rolls over. */
  public static final long DEFAULT_SEGMENT_SIZE = SegmentedTransactionLog.DEFAULT_SEGMENT_SIZE;
  /** Default of {@link Builder#closeTimeout}. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** Options for a log under one prefix of a container. Not thread-safe; {@link #open()} snapshots it. */
  public static final class Builder {
    private final BlobContainerClient container;
    private final String prefix;
    private long segmentSize = DEFAULT_SEGMENT_SIZE;
    private int maxBlocksPerSegment = AppendBlobSegmentStore.MAX_BLOCKS_PER_SEGMENT;
    private boolean takeOver;
    private int terminalRetention = -1;
    private int retainSegments = -1;
    private int compactAfterSegments = -1;
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
     * Size in bytes at which a segment rolls over; at least 4 KiB (the shared log's least; small
     * sizes are for tests).
     *
     * @param bytes at least 4096 (default {@link #DEFAULT_SEGMENT_SIZE})
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

    /** Blocks after which a segment rolls over; at most 49,000 (the service allows 50,000). */
    Builder maxBlocksPerSegment(int blocks) {
      if (blocks < 2 || blocks > AppendBlobSegmentStore.MAX_BLOCKS_PER_SEGMENT) {
        throw new InvalidInputException("maxBlocksPerSegment", "'maxBlocksPerSegment' must be 2.."
            + AppendBlobSegmentStore.MAX_BLOCKS_PER_SEGMENT + "; got " + blocks);
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
     * How long before its lease could run out the writer stops appending and deleting (default a
     * sixth of {@link #leaseDuration}: 10 s of 60 s). The lease is counted from just before the
     * acquire or renew request was sent; the margin leaves room for an append checked just before
     * that deadline to reach the service in time, and for the two clocks' rates to differ. A larger
     * margin is safer on a slow network; it must leave time to retry a failed renewal.
     *
     * @param margin positive and at most half of {@link #leaseDuration}
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
     * (default 30 s). After it, they fail with a {@link TransactionLogUnavailableException} (a block
     * already sent may still land, as after any failed append) and, while such a call is under way,
     * the lease is left to expire instead of being released, so that no other writer opens the log
     * before the block could land. One append call waits at most until the lease could run out.
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

    /**
     * Takes the writer's lease, replays the log and starts the writer.
     *
     * @return the open log, holding the writer's lease (renewed in the background) until it is closed
     * @throws DualPushException when another writer holds the log, the log is damaged, or the
     *     storage cannot be reached
     */
    public AzureBlobTransactionLog open() {
      AppendBlobSegmentStore store = store();
      return new AzureBlobTransactionLog(store, shared(store).takeOver(takeOver).open(), false);
    }

    /**
     * Reads the log without the lease and without changing any blob; appends fail.
     *
     * @return a log that reads the blobs as they were at open; its appends fail
     */
    public AzureBlobTransactionLog openReadOnly() {
      AppendBlobSegmentStore store = store();
      return new AzureBlobTransactionLog(store, shared(store).openReadOnly(), true);
    }

    /**
     * The shared log this builder's {@link #open()} builds, with these settings, over {@code store}
     * instead of the container: for tests that run the Azure log's code over another store (the
     * power-loss tier over the testkit's simulated append-blob disk). Takes the store's writer claim
     * as {@link #open()} takes the lease, breaking it with {@link #takeOver(boolean)}.
     */
    SegmentedTransactionLog openOver(SegmentStore store) {
      return shared(store).takeOver(takeOver).open();
    }

    private AppendBlobSegmentStore store() {
      Duration margin = leaseSafetyMargin == null ? BlobWriterLease.defaultMargin(leaseDuration) : leaseSafetyMargin;
      return new AppendBlobSegmentStore(container, prefix, maxBlocksPerSegment, leaseDuration, margin, ticker);
    }

    /** The shared log's builder with these settings (defaults left to it where none was set). */
    private SegmentedTransactionLogBuilder shared(SegmentStore store) {
      SegmentedTransactionLogBuilder b = SegmentedTransactionLog.builder(store)
          .durability(SegmentedTransactionLog.Durability.GROUP_COMMIT) // sync is a no-op: an acknowledged block is durable
          .segmentSize(segmentSize)
          .closeTimeout(closeTimeout);
      if (terminalRetention >= 0) {
        b.terminalRetention(terminalRetention);
      }
      if (retainSegments >= 0) {
        b.retainSegments(retainSegments);
      }
      if (compactAfterSegments >= 0) {
        b.compactAfterSegments(compactAfterSegments);
      }
      return b;
    }
  }

  private final AppendBlobSegmentStore store;
  private final SegmentedTransactionLog log;
  private final boolean readOnly;

  private AzureBlobTransactionLog(AppendBlobSegmentStore store, SegmentedTransactionLog log, boolean readOnly) {
    this.store = store;
    this.log = log;
    this.readOnly = readOnly;
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

  /**
   * {@code azure:ACCOUNT/CONTAINER/PREFIX}.
   *
   * @return the description, without any credential
   */
  public String describe() {
    return store.description();
  }

  @Override
  public void append(LogEntry entry) {
    log.append(entry);
  }

  /**
   * {@inheritDoc} Here as durable as {@link #append}: an append blob needs no sync, so the block
   * holding its record is acknowledged, and durable, before this returns.
   */
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
   * Compacts the log (the shared log's rule): deletes the older segments no unfinished transaction
   * needs and, when unfinished transactions pin too many, copies them forward first. Deletes
   * nothing once this writer may no longer hold the log (failed, fenced off, its lease possibly
   * run out, or taken over, which renewing the lease before deleting shows). A no-op on a
   * read-only log.
   *
   * <p>The caller waits interruptibly: the compaction runs on a thread of its own, because the
   * shared log holds its I/O lock across a call to the service and a caller must not be stuck behind
   * an append that does not answer.
   *
   * @throws DualPushException when compaction failed or the caller was interrupted (the compaction
   *     then still runs)
   */
  @Override
  public void checkpoint() {
    if (readOnly) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        log.checkpoint();
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    }, "dualpush-azure-log-checkpoint " + store.description());
    t.setDaemon(true);
    t.start();
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DualPushException("Transaction log " + describe() + ": interrupted while waiting for a checkpoint "
          + "(it may still run)", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new DualPushException("Transaction log " + describe() + ": checkpoint failed", e.getCause());
    }
  }

  /**
   * What this open found and worked around: a torn tail of the last segment, which a writer's open
   * drops ({@code TORN_TAIL_DROPPED}) and a read-only open leaves in place and does not read
   * ({@code TORN_TAIL_IGNORED}). Append blocks are atomic, so neither is ever an append in progress.
   * Immutable; thread-safe.
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
   * Completes the appends already queued (waiting at most {@link Builder#closeTimeout}), releases
   * the writer's lease and stops the log's threads. See {@link Builder#closeTimeout} for an append
   * that does not answer.
   */
  @Override
  public void close() {
    log.close();
  }

  /** The names of the segment blobs, oldest first (for tests and tools). */
  List<String> segmentNames() {
    return log.segments().stream().map(SegmentInfo::name).toList();
  }

  /**
   * For tests: stops like a killed process would — the writer and the lease renewal stop, nothing
   * is released, queued appends fail. The lease stays held until it expires or is broken.
   */
  void simulateCrashForTesting() {
    store.abandonClaimForTesting();
    log.simulateCrashForTesting();
  }

  @Override
  public String toString() {
    return "AzureBlobTransactionLog{" + describe() + (readOnly ? ", read-only" : "") + "}";
  }
}
