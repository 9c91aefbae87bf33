package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log written by the v1 {@code FileTransactionLog} (committed under
 * {@code src/test/resources/legacy-log/v1/file/}; {@link LegacyLogV1} says what it holds) opens and
 * replays exactly, record by record, in this build, and takes further appends and compaction. Must
 * keep passing for as long as v1 logs may exist: a failure here means users' existing logs would
 * no longer open, or would open wrong.
 */
@DisplayName("A v1 file log, committed as bytes,")
class LegacyFileLogTest {
  /** The segments the v1 generator left (the oldest ones were compacted away). */
  static final List<String> SEGMENTS = List.of("segment-00000000000000000144.wal",
      "segment-00000000000000000179.wal", "segment-00000000000000000219.wal");
  /** The first filler still in the committed segments; older ones went with compacted segments. */
  static final int FIRST_KEPT_FILLER = 42;
  /** Fillers 1 to this were written. */
  static final int LAST_FILLER = 53;

  @TempDir
  Path dir;

  @BeforeEach
  void copyLegacySegments() throws IOException, URISyntaxException {
    URL resource = LegacyFileLogTest.class.getResource("/legacy-log/v1/file");
    assertThat(resource).as("the committed v1 file log").isNotNull();
    try (Stream<Path> files = Files.list(Path.of(resource.toURI()))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
  }

  @Nested
  @DisplayName("opened as it was written")
  class Opened {
    @Test
    @DisplayName("is the log described: several segments, the oldest ones compacted away")
    void fixtureIsWhatItSays() throws IOException {
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactlyElementsOf(SEGMENTS);
      }
      assertThat(SEGMENTS).hasSizeGreaterThanOrEqualTo(3).doesNotContain("segment-00000000000000000000.wal");
      assertThat(FIRST_KEPT_FILLER).isGreaterThan(1);
    }

    @Test
    @DisplayName("replays every record exactly in a writer's open, with nothing to work around")
    void writerOpen() {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContent(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("replays every record exactly in a read-only open")
    void readOnlyOpen() {
      try (FileTransactionLog log = FileTransactionLog.openReadOnly(dir)) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContent(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("rebuilds the transactions whose starts only copies and a restate still hold")
    void compactedTransactions() {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read(LegacyLogV1.PARTIAL).orElseThrow().repairRounds()).isEqualTo(3);
        TransactionRecord reopened = log.read(LegacyLogV1.REOPENED).orElseThrow();
        assertThat(reopened.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
        assertThat(reopened.copy("dr").orElseThrow().mismatch()).isTrue();
        assertThat(log.read(LegacyLogV1.DEAD).orElseThrow().deadLetterReason()).hasValue("gave up after 1 repair round");
      }
    }
  }

  @Nested
  @DisplayName("appended to")
  class AppendedTo {
    @Test
    @DisplayName("takes records of legacy and new transactions, which survive a reopen, the rest unchanged")
    void appendAndReopen() {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        LegacyLogV1.appendMore(log::append);
        LegacyLogV1.assertContentAfterMore(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContentAfterMore(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("keeps every unfinished transaction exactly through a compaction of its legacy segments")
    void compactionKeepsUnfinished() {
      // Nothing retained, copy forward at once: every legacy segment but the last goes.
      try (FileTransactionLog log = FileTransactionLog.builder(dir).retainSegments(0).compactAfterSegments(0).open()) {
        log.checkpoint();
        assertThat(log.segments()).hasSize(1);
        LegacyLogV1.assertUnfinishedKept(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertUnfinishedKept(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }
  }
}
