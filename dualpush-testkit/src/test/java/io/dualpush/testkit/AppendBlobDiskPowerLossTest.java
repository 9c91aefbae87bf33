package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.log.SegmentedTransactionLog;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The segmented log keeps the power-loss tier's promises on an append-blob-like disk too (appends
 * durable on return, no truncation, consecutive segment numbers, sync a no-op): what the Azure log
 * runs on. In-process; the Azure module's contract IT runs the same tier over the Azure log's own
 * builder. Copies forward at every roll-over: an append lands whole or not at all, but a restate or
 * copy-forward can span two appends when the write buffer fills, and each is written as one unit
 * for that reason too.
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
