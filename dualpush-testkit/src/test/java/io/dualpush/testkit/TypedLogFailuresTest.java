package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.LeaseLostException;
import io.dualpush.TransactionLogLockedException;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.spi.LogEntry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures of the log a caller may handle arrive typed, with their context as fields and their first cause. */
@DisplayName("Typed log failures")
class TypedLogFailuresTest {
  private static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

  private static LogEntry.Started started(String txn) {
    return new LogEntry.Started(txn, Instant.parse("2026-11-30T10:00:00Z"), "k/" + txn, 42, MD5, "", "",
        "application/octet-stream", Map.of(), List.of(new LogEntry.Target("a", true), new LogEntry.Target("b", true)), 2, "");
  }

  @Test
  @DisplayName("a log directory already held by a writer is refused as TransactionLogLockedException naming it")
  void lockedDirectory(@TempDir Path dir) {
    try (FileTransactionLog first = FileTransactionLog.open(dir)) {
      assertThatThrownBy(() -> FileTransactionLog.open(dir))
          .isInstanceOf(TransactionLogLockedException.class)
          .hasCauseInstanceOf(ClaimRefusedException.class)
          .satisfies(e -> assertThat(((TransactionLogLockedException) e).log()).contains(dir.getFileName().toString()));
    }
  }

  @Test
  @DisplayName("a writer whose claim was taken over fails its next append with LeaseLostException, and keeps failing")
  void lostClaim() {
    SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.appendBlobLike();
    try (SegmentedTransactionLog stale = SegmentedTransactionLog.builder(disk).open()) {
      stale.append(started("t1"));
      try (SegmentedTransactionLog taker = SegmentedTransactionLog.builder(disk.restart()).takeOver(true).open()) {
        assertThatThrownBy(() -> stale.append(started("t2")))
            .isInstanceOf(LeaseLostException.class)
            .hasRootCauseInstanceOf(ClaimLostException.class)
            .satisfies(e -> assertThat(((LeaseLostException) e).lease()).isEqualTo(disk.description()));
        assertThatThrownBy(() -> stale.append(started("t3"))).isInstanceOf(LeaseLostException.class);
        taker.append(started("t4"));
        assertThat(taker.read("t1")).isPresent();
        assertThat(taker.read("t2")).isEmpty();
      }
    }
  }
}
