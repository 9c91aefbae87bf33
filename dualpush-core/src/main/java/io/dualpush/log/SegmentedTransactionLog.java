package io.dualpush.log;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogLockedException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.LogStats;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one segmented, crash-safe transaction log, over any {@link SegmentStore}: framing, group
 * commit, replay, the torn-tail policy, gap detection, compaction with restates, retention,
 * quarantine and read-only opens, written once. {@code FileTransactionLog} and
 * {@code AzureBlobTransactionLog} are builders over it. For store adapters; not API.
 *
 * <h2>Records</h2>
 * Each record is a frame {@code [int32 length L][int32 CRC32C of the next L bytes][L bytes of
 * LogEntryCodec.encode]}, big-endian, appended to the newest segment; a segment rolls over once it
 * would exceed {@link SegmentedTransactionLogBuilder#segmentSize} or the store's appends per segment. The largest record
 * is a property of the store: what one append can carry ({@link SegmentStore.Capabilities#maxAppendBytes()},
 * 16 MiB for files, 4 MiB for an append blob), less the header; a larger entry is refused at
 * {@link #append} naming {@code entry}.
 * A transaction's state that the log writes itself (a copy-forward, a restate) is one
 * <em>unit</em>: a marker record counting the records that follow ({@code LogEntryCodec} type code
 * 6), then those records, replayed only once all are read, so a power cut that keeps part of it
 * changes nothing.
 *
 * <h2>Durability</h2>
 * {@link #append} returns once its record is durable by the {@link Durability} mode: after the
 * store's {@link SegmentStore#sync} covering it ({@code GROUP_COMMIT}, where one writer thread
 * covers every append queued meanwhile with one sync, and {@code FSYNC_PER_RECORD}), or after the
 * store took the bytes ({@code OS_BUFFERED}, not crash-safe for stores that need a sync). If a
 * write, sync or deletion fails, or the writer's claim is lost, the log refuses every later append
 * with a {@link TransactionLogUnavailableException} whose cause is that first failure, until it is
 * reopened: the store's state is then unknown, and only a reopen reads what it really holds.
 *
 * <p>{@link #appendBuffered} returns once its record is handed to the store (for files, written to
 * the page cache), in log order, and folded into the index, without waiting for a sync: it
 * survives a crash of the process, and a power cut once synced. Under {@code GROUP_COMMIT} the
 * writer syncs it with the next batch that holds a durable append, or on its own once it has
 * waited {@link SegmentedTransactionLogBuilder#bufferedSyncInterval} (1 s by default; zero syncs
 * it like a durable append), or at a roll-over, a compaction or {@link #close()}, whichever comes
 * first. Under {@code FSYNC_PER_RECORD} a buffered append is not synced in its caller's thread; the
 * next append after the interval passed (buffered or durable), a roll-over, a compaction or the
 * close syncs it, so an idle log has no timer and leaves it unsynced until then. Under
 * {@code OS_BUFFERED} it is the same as {@link #append}. The log never rolls over to a new segment
 * or plans a compaction while bytes are unsynced, so what a power cut keeps is a prefix of the
 * log.
 *
 * <h2>Recovery</h2>
 * On open every segment is replayed in order. A bad frame at the end of the last segment with no
 * whole frame after it is a torn tail (whatever is bad about it: cut short, zeros, an implausible
 * length, a checksum mismatch — a power cut leaves any of them): it is dropped with a warning, by
 * truncation where the store can, otherwise by marking the segment's end and appending to a new
 * segment. Any other damage, or a record this build cannot decode, stops the open with a
 * {@link TransactionLogCorruptedException} naming segment and offset, or, with
 * {@link SegmentedTransactionLogBuilder#quarantineDamagedSegments}, moves the segment aside where the store has a
 * quarantine. A segment missing between two others stops the open with a
 * {@link TransactionLogGapException} unless its loss was accepted. What an open worked around is
 * listed by {@link #openWarnings()}.
 *
 * <h2>Where the two earlier logs differed, the choice made here</h2>
 * <ul>
 *   <li><b>A failed compaction</b> (a deletion or the copies it writes) fails the log, as the file
 *       log did, where the Azure log logged it and went on: a failed sync leaves the store's state
 *       unknown, and a deletion that failed because the claim was lost must stop the writer. Stores
 *       retry transient failures themselves before reporting one.</li>
 *   <li><b>An implausible length at the end of the last segment</b> is a torn tail when nothing
 *       whole follows it (the file log's rule): a crash of a file leaves exactly that, and a whole
 *       frame after it still makes it damage, so no record is skipped.</li>
 *   <li><b>The largest entry</b> is the store's: 16 MiB for files, 4 MiB − 8 for append blobs.</li>
 *   <li><b>Segment names and numbering</b> stay the store's, so existing logs open:
 *       {@code .wal} numbered by record from 0 for files, {@code .log} numbered 1, 2, … for blobs
 *       ({@link SegmentStore.Numbering}).</li>
 * </ul>
 *
 * <h2>Compaction</h2>
 * On every roll-over and on {@link #checkpoint()}, the rule of {@link SegmentCompaction}: older
 * segments that no unfinished transaction needs are deleted, oldest first, keeping the
 * {@link SegmentedTransactionLogBuilder#retainSegments} most recent; when unfinished transactions pin more than
 * {@link SegmentedTransactionLogBuilder#compactAfterSegments}, their state is copied forward and, once durable, the
 * segments they pinned are deleted. Copies are written by the writer in log order and share the
 * batch's sync; deletions run on a compaction thread of their own, so appends are acknowledged
 * while a deletion runs (a roll-over waits for the previous compaction's deletions, which bounds
 * the segments held). {@link #checkpoint()} returns once its deletions are done.
 *
 * <p>Thread-safe.
 */
public final class SegmentedTransactionLog implements TransactionLog {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedTransactionLog.class);
  /** Default size at which a segment rolls over. */
  public static final long DEFAULT_SEGMENT_SIZE = 64L * 1024 * 1024;
  /** Default most records one group commit covers. */
  public static final int DEFAULT_MAX_BATCH_RECORDS = 1024;
  /** Default longest a buffered append waits for a sync ({@link SegmentedTransactionLogBuilder#bufferedSyncInterval}). */
  public static final Duration DEFAULT_BUFFERED_SYNC_INTERVAL = Duration.ofSeconds(1);
  /** How long a read-only open waits before reading a torn-looking tail again. */
  public static final Duration TAIL_PAUSE = Duration.ofMillis(50);
  /** How many times a read-only open reads a tail again while it keeps changing. */
  public static final int TAIL_REREADS = 4;

  /** How {@link #append} makes a record durable. */
  public enum Durability {
    /** Each record is written and synced alone, in the appending thread. Crash-safe; slow. */
    FSYNC_PER_RECORD,
    /** Concurrent appends share one sync (the default). Crash-safe. */
    GROUP_COMMIT,
    /** Handed to the store, never synced before returning: NOT crash-safe where the store needs a sync. */
    OS_BUFFERED
  }

  /** How a read-only open waits before reading a torn-looking tail again; tests replace it. */
  @FunctionalInterface
  public interface TailPause {
    /**
     * Waits about {@code duration}.
     *
     * @param duration how long
     * @throws InterruptedException when interrupted; the open then reports the tail unread
     */
    void pause(Duration duration) throws InterruptedException;
  }

  private final LogCore core;
  private final Compactor compactor;
  private final GroupCommit writer;
  private volatile boolean closed;

  private SegmentedTransactionLog(LogCore core) {
    this.core = core;
    this.compactor = new Compactor(core);
    this.writer = new GroupCommit(core, compactor);
  }

  /**
   * Settings for a log over {@code store}.
   *
   * @param store where the segments are
   * @return a builder with the defaults
   */
  public static SegmentedTransactionLogBuilder builder(SegmentStore store) {
    return new SegmentedTransactionLogBuilder(Objects.requireNonNull(store, "store"));
  }

  static SegmentedTransactionLog open(SegmentStore store, LogOptions options, boolean readOnly) {
    if (options.quarantine && !store.capabilities().canQuarantine()) {
      throw new InvalidInputException("quarantineDamagedSegments", "'quarantineDamagedSegments' is not supported by "
          + store.description() + ", which has no quarantine");
    }
    LogCore core = new LogCore(store, options, readOnly);
    SegmentedTransactionLog log = new SegmentedTransactionLog(core);
    try {
      if (readOnly) {
        new LogRecovery(core).recoverReadOnly();
        return log;
      }
      core.claim = store.claim(options.takeOver);
      new LogRecovery(core).recoverWriter();
      log.writer.start();
      return log;
    } catch (ClaimRefusedException e) {
      log.release();
      throw new TransactionLogLockedException(e.getMessage(), core.description, e);
    } catch (IOException e) {
      log.release();
      throw core.unavailable("Cannot open transaction log " + core.description + ": " + e, e);
    } catch (RuntimeException | Error e) {
      log.release();
      throw e;
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidInputException naming {@code entry} when it is larger than one append of the store can carry
   * @throws TransactionLogUnavailableException when a write or sync fails, and on every later append
   *     until the log is reopened; its cause is the first failure
   * @throws DualPushException when the log is closed or was opened read-only
   */
  @Override
  public void append(LogEntry entry) {
    append(entry, true);
  }

  /**
   * {@inheritDoc}
   *
   * <p>See the class documentation for when each durability mode syncs it.
   *
   * @throws InvalidInputException naming {@code entry} when it is larger than one append of the store can carry
   * @throws TransactionLogUnavailableException when a write or sync fails, and on every later append
   *     until the log is reopened; its cause is the first failure
   * @throws DualPushException when the log is closed or was opened read-only
   */
  @Override
  public void appendBuffered(LogEntry entry) {
    append(entry, false);
  }

  private void append(LogEntry entry, boolean durable) {
    Objects.requireNonNull(entry, "entry");
    if (core.readOnly) {
      throw new DualPushException("Transaction log " + core.description + " was opened read-only");
    }
    if (closed) {
      throw new DualPushException("Transaction log " + core.description + " is closed");
    }
    byte[] body = LogEntryCodec.encode(entry);
    if (body.length > core.maxEntry()) {
      throw new InvalidInputException("entry", "A log entry of " + body.length + " bytes is larger than the "
          + core.maxEntry() + " bytes one append to " + core.description + " can hold (transaction "
          + entry.transactionId() + ")");
    }
    GroupCommit.Pending p = new GroupCommit.Pending(entry, Frames.frame(body), durable);
    writer.submit(p);
    try {
      p.done.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DualPushException d) {
        throw d;
      }
      throw core.unavailable("Cannot append to transaction log " + core.description + ": " + cause, cause);
    }
  }

  @Override
  public Optional<TransactionRecord> read(String transactionId) {
    return core.index.get(transactionId);
  }

  @Override
  public Optional<TransactionRecord> latest(String key) {
    return core.index.latest(key);
  }

  /** {@inheritDoc} Materialises every open transaction: for a long outage's backlog use {@link #openPage}. */
  @Override
  public List<TransactionRecord> open() {
    return core.index.open();
  }

  /**
   * {@inheritDoc} A page costs memory in proportion to {@code limit}: the open transactions are held
   * encoded and only the page's are decoded ({@link TransactionIndex#openPage}).
   */
  @Override
  public OpenPage openPage(long position, int limit) {
    return core.index.openPage(position, limit);
  }

  /** {@inheritDoc} Kept as entries fold in: costs about the same however many transactions are open. */
  @Override
  public OpenSummary openSummary() {
    return core.index.openSummary();
  }

  /** {@inheritDoc} Walks only the dead-lettered transactions. */
  @Override
  public List<TransactionRecord> deadLettered() {
    return core.index.deadLettered();
  }

  /** {@inheritDoc} Costs O(limit): it never sorts what the index holds, and never holds up the writer. */
  @Override
  public List<TransactionRecord> recent(int limit) {
    return core.index.recent(limit);
  }

  /**
   * Compacts now (see the class documentation) and returns once the segments it gave up are
   * deleted. Also runs on every roll-over. A no-op on a read-only log.
   *
   * @throws TransactionLogUnavailableException when the store fails; the log then refuses appends until reopened
   */
  @Override
  public void checkpoint() {
    if (core.readOnly) {
      return;
    }
    if (closed) {
      throw new DualPushException("Transaction log " + core.description + " is closed");
    }
    synchronized (core.io) {
      core.checkWritable();
      try {
        writer.compactNow();
      } catch (IOException | RuntimeException e) {
        core.fail(e);
        throw core.unavailable("Cannot compact transaction log " + core.description + ": " + e, e);
      }
    }
    compactor.awaitIdle();
    core.checkWritable();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Any open: gaps whose loss was accepted. A writer's open: torn tails it dropped, segments it
   * quarantined. A read-only open: a torn tail left in place, or a tail a writer kept appending to.
   */
  @Override
  public List<LogOpenWarning> openWarnings() {
    return core.openWarnings;
  }

  /**
   * The segments, oldest first, with the lengths this log knows; the last is the one appends go to.
   * Includes segments compaction is deleting at this moment.
   *
   * @return the segments
   */
  public List<SegmentInfo> segments() {
    synchronized (core.segments) { // a snapshot: iterating while a roll adds and a deletion removes could count both
      return core.segments.values().stream().map(LogSegment::current).toList();
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>From this log's own bookkeeping, without a call to the store: writable unless it is read-only, closed, or
   * a write, sync or deletion failed (the failure is named by its type only: a store's message may hold an
   * address with credentials in its query); the size is the sum of the segments' lengths this log knows.
   */
  @Override
  public Optional<LogStats> stats() {
    long bytes = 0;
    int count = 0;
    synchronized (core.segments) {
      for (LogSegment s : core.segments.values()) {
        bytes += s.size;
        count++;
      }
    }
    Throwable f = core.failure;
    String failure = core.readOnly ? "opened read-only" : closed ? "closed"
        : f != null ? "a write, sync or deletion failed (" + f.getClass().getSimpleName()
            + "); appends are refused until the log is reopened" : null;
    long sync = core.lastSyncNanos;
    return Optional.of(new LogStats(failure == null, Optional.ofNullable(failure), bytes, count,
        sync < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(sync))));
  }

  /**
   * How many syncs appends, buffered appends' interval, roll-overs and compactions have issued since
   * the open (fewer than appends under group commit; none when {@code OS_BUFFERED}; the final sync
   * of {@link #close()} is not counted).
   *
   * @return the number of syncs
   */
  public long syncCount() {
    return core.syncs.get();
  }

  /** How many times the group-commit writer waited for a batch to grow, and how many of those waits nothing joined; for tests. */
  long[] windowWaits() {
    return writer.windowWaits();
  }

  /**
   * The durability mode the log was opened with.
   *
   * @return the mode
   */
  public Durability durability() {
    return core.options.durability;
  }

  /**
   * The store the log writes to.
   *
   * @return the store
   */
  public SegmentStore store() {
    return core.store;
  }

  /**
   * Commits what is queued (waiting up to the close timeout), syncs, finishes queued deletions and
   * releases the claim and the store. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (core.readOnly) {
      release();
      return;
    }
    if (!writer.stop(core.options.closeTimeout.toNanos())) {
      // The writer is stuck in the store holding the I/O lock: nothing more can be written or
      // synced; releasing the store may unstick it.
      compactor.stop(false, 0);
      release();
      return;
    }
    compactor.stop(true, core.options.closeTimeout.toNanos());
    synchronized (core.io) {
      try {
        writer.finish();
      } catch (IOException e) {
        LOG.warn("Transaction log {}: final sync failed: {}", core.description, e.toString());
      }
    }
    release();
  }

  /**
   * <b>For tests only.</b> Abandons the log as a killed process would: nothing more is written,
   * synced or deleted (appends still queued fail, as they would never have returned), and the
   * claim and store are released so that the same JVM can open the log again.
   */
  public void simulateCrashForTesting() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    core.fail(new IOException("simulated crash"));
    if (!core.readOnly) {
      writer.stop(core.options.closeTimeout.toNanos());
      compactor.stop(false, core.options.closeTimeout.toNanos());
    }
    release();
  }

  private void release() {
    WriterClaim claim = core.claim;
    core.claim = null;
    if (claim != null) {
      try {
        claim.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Transaction log {}: releasing the writer's claim failed: {}", core.description, e.toString());
      }
    }
    try {
      core.store.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Transaction log {}: closing the store failed", core.description, e);
    }
  }

  @Override
  public String toString() {
    return "SegmentedTransactionLog{" + core.description + ", " + core.options.durability + "}";
  }
}
