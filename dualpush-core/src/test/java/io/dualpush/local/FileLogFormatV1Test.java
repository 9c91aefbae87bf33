package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log written by the release before the shared segmented log (committed under
 * {@code src/test/resources/logs/v1-file}, with the program that wrote it) must open and replay
 * into the same states in this one: existing logs on disk have to keep working.
 */
@DisplayName("A file log written by the previous release (format version 1)")
class FileLogFormatV1Test {
  private static final String RESOURCE = "/logs/v1-file/";
  private static final List<String> SEGMENTS = List.of("segment-00000000000000000000.wal",
      "segment-00000000000000000048.wal", "segment-00000000000000000095.wal", "segment-00000000000000000142.wal");
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");

  @TempDir
  Path dir;

  @BeforeEach
  void copyFixture() throws IOException {
    for (String name : SEGMENTS) {
      try (InputStream in = FileLogFormatV1Test.class.getResourceAsStream(RESOURCE + name)) {
        assertThat(in).as("test resource %s", name).isNotNull();
        Files.copy(in, dir.resolve(name));
      }
    }
  }

  private static List<String> statuses(TransactionRecord r) {
    return r.copies().stream().map(c -> c.destinationId() + ":" + c.status() + (c.mismatch() ? "!" : "")).toList();
  }

  private static void assertAsWritten(FileTransactionLog log) {
    assertThat(log.openWarnings()).isEmpty();
    for (int i = 0; i < 30; i++) {
      TransactionRecord filler = log.read("filler-" + i).orElseThrow();
      assertThat(filler.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(filler.copy("primary").map(CopyRecord::md5)).hasValue("1B2M2Y8AsgTpgAmY7PhCfg==");
      assertThat(filler.start().metadata()).containsEntry("owner", "team");
      assertThat(filler.createdAt()).isEqualTo(T0.plusSeconds(i));
    }
    TransactionRecord open = log.read("open-1").orElseThrow();
    assertThat(open.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
    assertThat(statuses(open)).containsExactly("primary:VERIFIED", "dr:FAILED");
    assertThat(open.copy("dr").map(CopyRecord::error)).hasValue("timeout");

    TransactionRecord dead = log.read("dead-1").orElseThrow();
    assertThat(dead.state()).isEqualTo(TransactionState.DEAD_LETTERED);
    assertThat(statuses(dead)).containsExactly("primary:PENDING", "dr:FAILED!");
    assertThat(dead.repairRounds()).isEqualTo(3);
    assertThat(dead.deadLetterReason()).hasValue("gave up after 3 rounds");

    TransactionRecord retried = log.read("retried-1").orElseThrow();
    assertThat(retried.state()).isEqualTo(TransactionState.IN_PROGRESS);
    assertThat(retried.deadLetterReason()).isEqualTo(Optional.empty());

    assertThat(log.read("old-1").orElseThrow().state()).isEqualTo(TransactionState.SUPERSEDED);
    assertThat(log.latest("k/same.csv").map(TransactionRecord::transactionId)).hasValue("new-1");
    assertThat(log.open()).extracting(TransactionRecord::transactionId)
        .containsExactly("open-1", "retried-1", "new-1", "pending-1");
    assertThat(log.recent(3)).extracting(TransactionRecord::transactionId).containsExactly("pending-1", "new-1", "old-1");
  }

  @Nested
  @DisplayName("opens and replays into the states it was written with")
  class Replays {

    @Test
    @DisplayName("for a writer, which then appends after it")
    void writer() {
      try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(4096).open()) {
        assertAsWritten(log);
        log.append(new LogEntry.CopyUpdated("pending-1", T0.plusSeconds(200), "primary", CopyStatus.COMPLETED, "", "",
            false));
      }
      try (FileTransactionLog log = FileTransactionLog.openReadOnly(dir)) {
        assertThat(log.read("pending-1").flatMap(r -> r.copy("primary")).map(CopyRecord::status))
            .hasValue(CopyStatus.COMPLETED);
      }
    }

    @Test
    @DisplayName("for a read-only open, which changes no file")
    void readOnly() throws IOException {
      long before = Files.size(dir.resolve(SEGMENTS.get(3)));
      try (FileTransactionLog log = FileTransactionLog.openReadOnly(dir)) {
        assertAsWritten(log);
      }
      assertThat(Files.size(dir.resolve(SEGMENTS.get(3)))).isEqualTo(before);
    }
  }
}
