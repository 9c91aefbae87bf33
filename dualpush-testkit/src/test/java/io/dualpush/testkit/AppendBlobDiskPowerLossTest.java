package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.log.SegmentedTransactionLog;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The segmented log keeps the power-loss tier's promises on an append-blob-like disk too (appends
 * durable on return, no truncation, consecutive segment numbers, sync a no-op): what the Azure log
 * runs on. In-process, so it runs here rather than in the Azure module's Azurite tests. Copies
 * forward at every roll-over: an append lands whole or not at all, so a cut cannot keep part of a
 * copy-forward, as it can on a file-like disk (see {@code FileTransactionLogContractTest}).
 */
@DisplayName("The segmented log on an append-blob-like simulated disk")
class AppendBlobDiskPowerLossTest {
  @Test
  @DisplayName("loses no acknowledged append and invents nothing through hundreds of random power cuts, in every "
      + "durability mode (sync is a no-op there, so even OS_BUFFERED holds)")
  void keepsThePowerLossTier() {
    for (SegmentedTransactionLog.Durability mode : SegmentedTransactionLog.Durability.values()) {
      PowerLossTrials.Report report = PowerLossTrials.run(PowerLossLogFactory.of(SimulatedDiskSegmentStore::appendBlobLike,
          store -> SegmentedTransactionLog.builder(store).durability(mode).segmentSize(4096).retainSegments(0)
              .compactAfterSegments(0).open()), 20261201L + mode.ordinal(), 250);
      assertThat(report.violations()).as(mode + ": " + report.summary()).isEmpty();
      assertThat(report.cutsInCall()).isPositive();
    }
  }
}
