package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a record of a finished transaction, appended in the batch whose roll-over copies
 * unfinished transactions forward, was acknowledged without a restate although the roll-over was
 * about to delete the segment holding the transaction's start (the copies' deletions ran after the
 * batch was durable, and restateBefore still saw the start), so the next replay ignored the record:
 * an acknowledged append lost on a clean close and reopen. Found by the power-loss tier.
 */
@DisplayName("A record of a finished transaction appended in the batch whose roll-over copies forward")
class RestateAtCopyForwardTest {
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private static final List<LogEntry.Target> TWO =
      List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true));

  @TempDir
  Path dir;

  private static LogEntry.Started start(String id, long s) {
    return new LogEntry.Started(id, T0.plusSeconds(s), "k/" + id, 1, "1B2M2Y8AsgTpgAmY7PhCfg==", "", "",
        "application/octet-stream", Map.of(), TWO, 2, "");
  }

  private static LogEntry.CopyUpdated copy(String id, long s, String dest, CopyStatus status, String error, boolean mismatch) {
    return new LogEntry.CopyUpdated(id, T0.plusSeconds(s), dest, status, "1B2M2Y8AsgTpgAmY7PhCfg==", error, mismatch);
  }

  @Test
  @DisplayName("survives a reopen although the roll-over deleted the segment holding its start")
  void survivesReopen() {
    TransactionRecord before;
    try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(0)
        .compactAfterSegments(0).open()) {
      log.append(start("open", 0)); // unfinished: pins segment 0, so the roll-over copies it forward
      log.append(start("done", 1));
      log.append(copy("done", 2, "primary", CopyStatus.VERIFIED, "", false));
      log.append(copy("done", 2, "secondary", CopyStatus.VERIFIED, "", false));
      for (int i = 0; i < 6; i++) {
        log.append(start("filler-" + i, 10 + i));
      }
      assertThat(log.segments()).hasSize(1);
      // Too big for what is left of segment 0: this append rolls over, and the roll copies "open" forward.
      log.append(copy("done", 3, "secondary", CopyStatus.FAILED, "x".repeat(3000), true));
      before = log.read("done").orElseThrow();
      assertThat(before.state()).isEqualTo(TransactionState.INCONSISTENT);
    }
    assertThat(dir.resolve("segment-00000000000000000000.wal")).as("the segment holding its start, compacted away")
        .doesNotExist();
    try (FileTransactionLog log = FileTransactionLog.open(dir)) {
      assertThat(log.read("open")).isPresent();
      assertThat(log.read("done")).hasValue(before);
    }
  }
}
