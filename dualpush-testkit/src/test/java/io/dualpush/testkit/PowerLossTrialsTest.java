package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DualPushException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.WriterClaim;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.PowerLossTrials.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The power-loss checker itself, against a toy log over the simulated disk whose faults are chosen:
 * it must pass a log that syncs before it acknowledges and catch one that does not, or that cuts a
 * tail without saying so. (Real logs run it through their {@code TransactionLogContract}.)
 */
@DisplayName("PowerLossTrials")
class PowerLossTrialsTest {

  /** Every entry any toy log appended; a record on the toy disk is its index here. */
  private static final List<LogEntry> ENTRIES = new ArrayList<>();

  private static int remember(LogEntry e) {
    synchronized (ENTRIES) {
      ENTRIES.add(e);
      return ENTRIES.size() - 1;
    }
  }

  private static LogEntry recall(int index) {
    synchronized (ENTRIES) {
      return ENTRIES.get(index);
    }
  }

  /** The faults a toy log can have. */
  private enum Fault {
    NONE, ACKNOWLEDGES_BEFORE_SYNC, TRUNCATES_SILENTLY,
    /**
     * Holds one thread's buffered append back while other threads' buffered appends are written
     * before it, until its thread appends again or a durable append comes (each writes it first):
     * every thread's entries land in order, and durable appends still cover what came before them,
     * so only a gap across threads can show. A thread whose entry is held waits a little before its
     * next append, so that other threads overtake it.
     */
    HOLDS_BUFFERED_BACK
  }

  /**
   * A one-segment log whose records are 8 bytes ({@code [int32 magic][int32 index into ENTRIES]}),
   * folded by an {@link InMemoryTransactionLog}. A tail that is not a whole record is cut off on open.
   */
  private static final class ToyLog implements TransactionLog {
    private static final int MAGIC = 0x70_77_72_21;
    private final SimulatedDiskSegmentStore store;
    private final Fault fault;
    private final InMemoryTransactionLog state = new InMemoryTransactionLog();
    private final List<LogOpenWarning> warnings = new ArrayList<>();
    private final WriterClaim claim;
    private SegmentInfo segment;
    private long end;
    private boolean failed;
    /** {@link Fault#HOLDS_BUFFERED_BACK}: a buffered append not yet written, and the thread that appended it. */
    private LogEntry held;
    private Thread heldBy;

    ToyLog(SimulatedDiskSegmentStore store, Fault fault) {
      this.store = store;
      this.fault = fault;
      try {
        claim = store.claim(false);
        List<SegmentInfo> segments = store.list();
        if (segments.isEmpty()) {
          segment = store.create(0);
          store.sync(segment);
        } else {
          segment = segments.get(0);
        }
        ByteBuffer bytes;
        try (SegmentReader reader = store.open(segment)) {
          bytes = ByteBuffer.allocate((int) reader.size());
          while (bytes.hasRemaining() && reader.read(bytes, bytes.position()) > 0) {
            // read on
          }
        }
        bytes.flip();
        while (bytes.remaining() >= 8 && bytes.getInt(bytes.position()) == MAGIC) {
          bytes.getInt();
          state.append(recall(bytes.getInt()));
        }
        end = bytes.position();
        if (bytes.hasRemaining()) {
          store.dropTail(segment, end);
          if (fault != Fault.TRUNCATES_SILENTLY) {
            warnings.add(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_DROPPED, segment.name(), end,
                "cut " + bytes.remaining() + " bytes"));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void append(LogEntry entry) {
      pause();
      synchronized (this) {
        if (held != null) {
          write(held, false); // in order before it, and synced with it
          held = null;
        }
        write(entry, fault != Fault.ACKNOWLEDGES_BEFORE_SYNC);
        state.append(entry);
      }
    }

    @Override
    public void appendBuffered(LogEntry entry) {
      if (fault != Fault.HOLDS_BUFFERED_BACK) {
        append(entry);
        return;
      }
      pause();
      synchronized (this) {
        if (held != null && heldBy != Thread.currentThread()) {
          write(entry, false); // overtakes the held one
        } else {
          if (held != null) {
            write(held, false);
          }
          held = entry;
          heldBy = Thread.currentThread();
        }
        state.append(entry);
      }
    }

    /** Lets another thread take the entry this thread holds, for up to 3 ms, so that swaps happen. */
    private void pause() {
      if (fault != Fault.HOLDS_BUFFERED_BACK) {
        return;
      }
      for (int i = 0; i < 60 && heldByMe(); i++) {
        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
      }
    }

    private synchronized boolean heldByMe() {
      return held != null && heldBy == Thread.currentThread();
    }

    private void write(LogEntry entry, boolean sync) {
      if (failed) {
        throw new DualPushException("the toy log failed");
      }
      ByteBuffer record = ByteBuffer.allocate(8).putInt(MAGIC).putInt(remember(entry)).flip();
      try {
        claim.ensureHeld();
        store.append(segment, end, record);
        end += 8;
        if (sync) {
          store.sync(segment);
        }
      } catch (IOException e) {
        failed = true;
        throw new DualPushException("the toy log failed: " + e, e);
      }
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      return state.read(transactionId);
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      return state.latest(key);
    }

    @Override
    public List<TransactionRecord> open() {
      return state.open();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      return state.recent(limit);
    }

    @Override
    public void checkpoint() {
      // nothing to compact
    }

    @Override
    public List<LogOpenWarning> openWarnings() {
      return List.copyOf(warnings);
    }

    @Override
    public synchronized void close() {
      try {
        claim.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static PowerLossLogFactory toy(Fault fault, boolean fileLike) {
    return PowerLossLogFactory.of(fileLike ? SimulatedDiskSegmentStore::fileLike : SimulatedDiskSegmentStore::appendBlobLike,
        store -> new ToyLog(store, fault));
  }

  @Nested
  @DisplayName("passes a log that syncs before it acknowledges")
  class Passes {
    @Test
    @DisplayName("on a file-like disk, with torn writes cut off and warned about")
    void fileLike() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.NONE, true), 11, 400);
      assertThat(report.violations()).as(report.summary()).isEmpty();
      assertThat(report.acknowledged()).isPositive();
      assertThat(report.cutsInCall()).isPositive();
      assertThat(report.cutsInRecovery()).isPositive();
      assertThat(report.tornWrites()).isPositive();
      assertThat(report.tailsDropped()).isPositive();
    }

    @Test
    @DisplayName("on an append-blob-like disk, where no write is ever torn")
    void appendBlobLike() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.NONE, false), 12, 300);
      assertThat(report.violations()).as(report.summary()).isEmpty();
      assertThat(report.tornWrites()).isZero();
    }
  }

  @Nested
  @DisplayName("catches")
  class Catches {
    @Test
    @DisplayName("a log that acknowledges before its sync losing acknowledged appends, naming the seed to replay")
    void acknowledgesBeforeSync() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.ACKNOWLEDGES_BEFORE_SYNC, true), 13, 300);
      assertThat(report.kinds()).contains(Violation.Kind.LOST_ACKNOWLEDGED_APPEND);
      assertThat(report.summary()).contains("seed 13").contains("-D" + TransactionLogContract.SEED_PROPERTY + "=13");
      Violation lost = report.violations().stream()
          .filter(v -> v.kind() == Violation.Kind.LOST_ACKNOWLEDGED_APPEND).findFirst().orElseThrow();
      assertThat(lost.detail()).as("a violation reads in a line or two").contains("after", "acknowledged append(s)",
          "expected", "PowerCut").hasSizeLessThan(1500);
      PowerLossTrials.Report replay = PowerLossTrials.runOne(toy(Fault.ACKNOWLEDGES_BEFORE_SYNC, true), 13, lost.trial());
      assertThat(replay.trials()).isEqualTo(1);
    }

    @Test
    @DisplayName("a log that lets later buffered appends of other threads overtake a held one, which a cut then loses "
        + "while they survive")
    void holdsBufferedBack() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.HOLDS_BUFFERED_BACK, true), 16, 400);
      assertThat(report.bufferedAcknowledged()).isPositive();
      assertThat(report.kinds()).as(report.summary()).containsOnly(Violation.Kind.GAP);
      assertThat(report.violations()).allSatisfy(v -> assertThat(v.detail()).contains("appended after it"));
    }

    @Test
    @DisplayName("a log that cuts a torn tail off without a warning")
    void truncatesSilently() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.TRUNCATES_SILENTLY, true), 14, 300);
      assertThat(report.kinds()).containsOnly(Violation.Kind.UNWARNED_TRUNCATION);
    }

    @Test
    @DisplayName("nothing wrong with an append-blob-like log that acknowledges before a sync, which is a no-op there")
    void syncIsANoOpOnAppendBlobs() {
      PowerLossTrials.Report report = PowerLossTrials.run(toy(Fault.ACKNOWLEDGES_BEFORE_SYNC, false), 15, 200);
      assertThat(report.violations()).as(report.summary()).isEmpty();
    }
  }
}
