package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.local.FileTransactionLog;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.spi.TransactionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileTransactionLog keeps the transaction log contract")
class FileTransactionLogContractTest extends TransactionLogContract {
  @TempDir
  Path directory;

  /** Small segments, so the contract's tests run across several. */
  private FileTransactionLog openLog() {
    return FileTransactionLog.builder(directory).segmentSize(4096).open();
  }

  @Override
  protected TransactionLog createLog() {
    return openLog();
  }

  @Override
  protected TransactionLog reopen(TransactionLog closed) {
    return openLog();
  }

  @Override
  protected TransactionLog crashAndReopen(TransactionLog log) {
    ((FileTransactionLog) log).simulateCrashForTesting();
    return openLog();
  }

  @Override
  protected void truncateTail(TransactionLog closedLog, int bytes) {
    List<Path> segments = ((FileTransactionLog) closedLog).segments();
    Path last = segments.get(segments.size() - 1);
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected int threads() {
    return 64;
  }

  /**
   * The file log's code, as {@link FileTransactionLog} builds it, over a simulated file-like disk
   * (the file log's own builder takes a directory, not a store). Small segments and no retained
   * segments, so that trials roll and delete segments and restate finished transactions amid the
   * cuts. Copying forward is left out ({@code compactAfterSegments} unbounded) while a known defect
   * is open: a torn write that keeps part of a copy-forward can, with the originals' segments
   * deleted, leave a transaction in an older state than one acknowledged (1 in 2,000 trials with
   * {@code compactAfterSegments(0)}, seed 4976278133151096763, trial 536). The other defect these
   * trials found with copy-forward on (a replayed copy moving {@code updatedAt} back) is fixed in
   * {@code TransactionFold}.
   */
  private static SegmentedTransactionLog overSimulatedDisk(SimulatedDiskSegmentStore store,
      SegmentedTransactionLog.Durability durability) {
    return SegmentedTransactionLog.builder(store).durability(durability).segmentSize(4096).retainSegments(0)
        .compactAfterSegments(Integer.MAX_VALUE).open();
  }

  @Override
  protected Optional<PowerLossLogFactory> powerLossLogFactory() {
    return Optional.of(PowerLossLogFactory.of(SimulatedDiskSegmentStore::fileLike,
        store -> overSimulatedDisk(store, SegmentedTransactionLog.Durability.GROUP_COMMIT)));
  }

  @Nested
  @DisplayName("with OS_BUFFERED durability, which acknowledges before its sync,")
  class OsBuffered {
    @Test
    @DisplayName("fails the power-loss tier: its checker reports acknowledged appends lost in power cuts")
    void failsThePowerLossTier() {
      PowerLossTrials.Report report = PowerLossTrials.run(PowerLossLogFactory.of(SimulatedDiskSegmentStore::fileLike,
          store -> overSimulatedDisk(store, SegmentedTransactionLog.Durability.OS_BUFFERED)), 20261130, 300);
      assertThat(report.kinds()).as(report.summary()).contains(PowerLossTrials.Violation.Kind.LOST_ACKNOWLEDGED_APPEND);
    }

    @Test
    @DisplayName("passes the same trials with GROUP_COMMIT and FSYNC_PER_RECORD, which sync first")
    void syncingModesPass() {
      for (SegmentedTransactionLog.Durability mode : List.of(SegmentedTransactionLog.Durability.GROUP_COMMIT,
          SegmentedTransactionLog.Durability.FSYNC_PER_RECORD)) {
        PowerLossTrials.Report report = PowerLossTrials.run(PowerLossLogFactory.of(SimulatedDiskSegmentStore::fileLike,
            store -> overSimulatedDisk(store, mode)), 20261130, 300);
        assertThat(report.violations()).as(mode + ": " + report.summary()).isEmpty();
      }
    }
  }
}
