package io.dualpush.log;

import io.dualpush.DualPushException;
import io.dualpush.LeaseLostException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The state the parts of a {@link SegmentedTransactionLog} share: the store, the segments, the
 * index, the compaction tracker and the log's failure. The writer, the compactor and the open work
 * on it; {@link #io} guards the segments, the active segment and the tracker.
 */
final class LogCore {
  final SegmentStore store;
  final String description;
  final SegmentStore.Capabilities capabilities;
  final LogOptions options;
  final boolean readOnly;

  final Object io = new Object();
  /**
   * Every segment the log holds, by number, including ones the compactor is deleting (it removes
   * them, without {@link #io}, once deleted). Changed only by the writer under {@link #io}, the
   * compactor and the open; those changes, and snapshots for people, synchronize on the map itself
   * so that a snapshot is consistent.
   */
  final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
  /** Guarded by {@link #io}. */
  final SegmentCompaction compaction;
  /** Guarded by {@link #io}: the segment appends go to. */
  @Nullable LogSegment active;
  /** Set once by the open, before the log is handed out; thread-safe itself. */
  volatile TransactionIndex index;
  /** The first failure of a write, sync or deletion: every later write is refused until reopened. */
  volatile @Nullable Throwable failure;
  final AtomicLong syncs = new AtomicLong();
  /** How long the last sync of the active segment took, in nanoseconds; -1 before the first. For health only. */
  volatile long lastSyncNanos = -1;
  /** A writer's claim; null for read-only logs. */
  volatile @Nullable WriterClaim claim;
  volatile List<LogOpenWarning> openWarnings = List.of();

  LogCore(SegmentStore store, LogOptions options, boolean readOnly) {
    this.store = store;
    this.description = store.description();
    this.capabilities = store.capabilities();
    this.options = options;
    this.readOnly = readOnly;
    this.compaction = new SegmentCompaction(options.retainSegments, options.compactAfterSegments);
    this.index = new TransactionIndex(readOnly ? Integer.MAX_VALUE : options.terminalRetention);
    this.compaction.attach(index);
  }

  /** The largest body one record may have: what one append can carry, less the frame header. */
  int maxEntry() {
    return capabilities.maxAppendBytes() - Frames.HEADER;
  }

  /** Folds a record into the index and the segment tracking: one just written (synced or handed to the store), or replayed. */
  void applyDurable(LogEntry entry, LogSegment segment) {
    if (index.apply(entry)) {
      compaction.recorded(entry, segment.number());
    }
    // Otherwise a transaction the index does not hold (compacted away and no longer in memory, or a
    // second start): replay ignores it too.
  }

  /** The number of the segment that follows {@code previous}, by the store's numbering. */
  long nextNumber(LogSegment previous) {
    return capabilities.numbering() == SegmentStore.Numbering.RECORD_SEQUENCE ? previous.number() + previous.records
        : previous.number() + 1;
  }

  /** The number of a new log's first segment. */
  long firstNumber() {
    return capabilities.numbering() == SegmentStore.Numbering.RECORD_SEQUENCE ? 0 : 1;
  }

  /** Records the first failure; the log refuses writes from now on. */
  void fail(Throwable e) {
    synchronized (this) {
      if (failure == null) {
        failure = e;
      }
    }
  }

  /** Throws unless the log may still write: not failed, claim held. */
  void checkWritable() {
    Throwable f = failure;
    if (f != null) {
      throw unavailable("Transaction log " + description + " refuses appends after a failed write, sync or deletion ("
          + f + "); reopen it to continue from what the store holds", f);
    }
  }

  /** As {@link #checkWritable()}, for the writer's own steps: an earlier failure (a deletion that failed) fails the batch. */
  void checkWritableIo() throws IOException {
    Throwable f = failure;
    if (f != null) {
      throw new IOException("the log failed earlier: " + f, f);
    }
  }

  /** Checks the claim before a write or a deletion; a lost claim fails the log for good. */
  void ensureClaim() throws IOException {
    WriterClaim c = claim;
    if (c == null) {
      throw new ClaimLostException("Transaction log " + description + " holds no writer's claim", null);
    }
    c.ensureHeld();
  }

  /**
   * A failure of the store (an {@link IOException}) as {@link TransactionLogUnavailableException},
   * so that callers can tell it from bad input; anything else as a plain {@link DualPushException}.
   */
  DualPushException unavailable(String message, Throwable cause) {
    if (cause instanceof ClaimLostException) {
      // The writer's claim (a directory lock, a blob lease) is gone: typed, so a caller can stand down.
      return new LeaseLostException(message, description, cause);
    }
    if (cause instanceof IOException) {
      return new TransactionLogUnavailableException(message, description, cause);
    }
    return new DualPushException(message, cause);
  }

  /** Damage as the public exception, whose message ends with what to do. */
  TransactionLogCorruptedException corrupted(SegmentScanner.Damage d) {
    String where = store.locate(d.segment);
    String hint = capabilities.canQuarantine()
        ? ", or open with quarantineDamagedSegments(true) to move it aside into the quarantine and open with the rest "
            + "(the transactions recorded in it may be lost or seen in an older state)"
        : "";
    return new TransactionLogCorruptedException("Transaction log segment " + where + " is damaged at offset " + d.offset
        + " (" + d.reason + "). Restore the segment or move it aside" + hint + ".", description, d.segment.name(),
        d.offset, d.reason);
  }
}
