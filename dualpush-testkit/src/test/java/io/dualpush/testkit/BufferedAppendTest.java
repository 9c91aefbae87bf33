package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.CopyStatus;
import io.dualpush.InvalidInputException;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.log.SegmentedTransactionLog.Durability;
import io.dualpush.log.SegmentedTransactionLogBuilder;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.SimulatedDiskSegmentStore.CutMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code appendBuffered} of the segmented log over the simulated disk: when a buffered append is
 * synced, and that the log never leaves unsynced bytes behind a roll-over or a compaction. Power
 * cuts here drop every unsynced byte, so what survives is exactly what was synced.
 */
@DisplayName("The segmented log's buffered appends")
class BufferedAppendTest {
  private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");
  private static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
  private static final Duration LONG = Duration.ofHours(1);

  private final SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
  private SegmentedTransactionLog log;

  @AfterEach
  void closeLog() {
    if (log != null) {
      log.close();
    }
  }

  private SegmentedTransactionLogBuilder builder(SimulatedDiskSegmentStore store, Durability durability,
      Duration interval) {
    return SegmentedTransactionLog.builder(store).durability(durability).bufferedSyncInterval(interval).takeOver(true);
  }

  private static LogEntry.Started started(String id) {
    return new LogEntry.Started(id, T0, "buffered/" + id, 1, MD5, "", "", "application/octet-stream", Map.of(),
        List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true)), 2, "");
  }

  private static LogEntry.CopyUpdated verified(String id, String destination, int second) {
    return new LogEntry.CopyUpdated(id, T0.plusSeconds(second), destination, CopyStatus.VERIFIED, MD5, "", false);
  }

  /** Cuts the power, dropping every unsynced byte, and opens the log again over what survived. */
  private SegmentedTransactionLog cutAndReopen() {
    disk.powerCut(CutMode.DROP_UNSYNCED, new Random(1));
    try {
      log.close();
    } catch (RuntimeException e) {
      // the process died with the power
    }
    log = builder(disk.restart(), Durability.GROUP_COMMIT, LONG).open();
    return log;
  }

  private Optional<CopyStatus> copy(String id, String destination) {
    return log.read(id).flatMap(r -> r.copy(destination)).map(CopyRecord::status);
  }

  @Nested
  @DisplayName("under group commit")
  class GroupCommit {
    @Test
    @DisplayName("are not synced on return: a power cut right after takes one no sync covered, and keeps the start")
    void notSyncedOnReturn() {
      log = builder(disk, Durability.GROUP_COMMIT, LONG).open();
      log.append(started("a"));
      long syncs = log.syncCount();
      log.appendBuffered(verified("a", "primary", 1));
      assertThat(copy("a", "primary")).as("visible on return").hasValue(CopyStatus.VERIFIED);
      assertThat(log.syncCount()).isEqualTo(syncs);

      cutAndReopen();
      assertThat(log.read("a")).isPresent();
      assertThat(copy("a", "primary")).hasValue(CopyStatus.PENDING);
    }

    @Test
    @DisplayName("are synced by the next durable append, with it")
    void syncedByTheNextDurableAppend() {
      log = builder(disk, Durability.GROUP_COMMIT, LONG).open();
      log.append(started("a"));
      log.appendBuffered(verified("a", "primary", 1));
      log.appendBuffered(verified("a", "secondary", 2));
      long syncs = log.syncCount();
      log.append(started("b"));
      assertThat(log.syncCount()).isEqualTo(syncs + 1);

      cutAndReopen();
      assertThat(log.read("a").map(TransactionRecord::state)).hasValue(io.dualpush.TransactionState.VERIFIED);
      assertThat(log.read("b")).isPresent();
    }

    @Test
    @DisplayName("are synced within the buffered-sync interval when no append follows")
    void syncedWithinTheInterval() {
      log = builder(disk, Durability.GROUP_COMMIT, Duration.ofMillis(20)).open();
      log.append(started("a"));
      long syncs = log.syncCount();
      log.appendBuffered(verified("a", "primary", 1));
      await().atMost(Duration.ofSeconds(20)).until(() -> log.syncCount() > syncs);

      cutAndReopen();
      assertThat(copy("a", "primary")).hasValue(CopyStatus.VERIFIED);
    }

    @Test
    @DisplayName("are synced each as a durable append is when the interval is zero")
    void zeroIntervalSyncsEach() {
      log = builder(disk, Durability.GROUP_COMMIT, Duration.ZERO).open();
      log.append(started("a"));
      long syncs = log.syncCount();
      log.appendBuffered(verified("a", "primary", 1));
      assertThat(log.syncCount()).isEqualTo(syncs + 1);

      cutAndReopen();
      assertThat(copy("a", "primary")).hasValue(CopyStatus.VERIFIED);
    }

    @Test
    @DisplayName("are synced before the log rolls over to a new segment: every segment but the last is whole on disk")
    void syncedBeforeRollOver() {
      log = builder(disk, Durability.GROUP_COMMIT, LONG).segmentSize(4096).open();
      log.append(started("a"));
      for (int i = 0; i < 400; i++) {
        log.appendBuffered(new LogEntry.RepairAttempted("a", T0.plusSeconds(i + 1), i + 1));
      }
      List<Long> segments = disk.segmentNumbers();
      assertThat(segments).as("the buffered appends rolled the log over").hasSizeGreaterThan(2);
      for (long n : segments.subList(0, segments.size() - 1)) {
        assertThat(Arrays.equals(disk.durableBytes(n), disk.bytes(n))).as("segment %d is synced whole", n).isTrue();
      }
      int rounds = log.read("a").orElseThrow().repairRounds();

      cutAndReopen();
      assertThat(log.openWarnings()).isEmpty();
      assertThat(log.read("a").orElseThrow().repairRounds()).as("a prefix survived, cut at the last roll-over")
          .isBetween(1, rounds);
    }

    @Test
    @DisplayName("are synced before a checkpoint plans compaction from the index that holds them")
    void syncedBeforeCheckpoint() {
      log = builder(disk, Durability.GROUP_COMMIT, LONG).open();
      log.append(started("a"));
      log.appendBuffered(verified("a", "primary", 1));
      log.checkpoint();

      cutAndReopen();
      assertThat(copy("a", "primary")).hasValue(CopyStatus.VERIFIED);
    }
  }

  @Nested
  @DisplayName("under FSYNC_PER_RECORD")
  class FsyncPerRecord {
    @Test
    @DisplayName("are not synced in the caller's thread; the next durable append syncs them")
    void syncedByTheNextDurableAppend() {
      log = builder(disk, Durability.FSYNC_PER_RECORD, LONG).open();
      log.append(started("a"));
      long syncs = log.syncCount();
      log.appendBuffered(verified("a", "primary", 1));
      assertThat(log.syncCount()).isEqualTo(syncs);
      log.append(started("b"));
      assertThat(log.syncCount()).isEqualTo(syncs + 1);

      cutAndReopen();
      assertThat(copy("a", "primary")).hasValue(CopyStatus.VERIFIED);
    }

    @Test
    @DisplayName("are synced by the next append, buffered too, once the interval has passed (zero: at once)")
    void zeroIntervalSyncsEach() {
      log = builder(disk, Durability.FSYNC_PER_RECORD, Duration.ZERO).open();
      log.append(started("a"));
      long syncs = log.syncCount();
      log.appendBuffered(verified("a", "primary", 1));
      assertThat(log.syncCount()).isEqualTo(syncs + 1);
    }
  }

  @Nested
  @DisplayName("bufferedSyncInterval")
  class Option {
    @Test
    @DisplayName("is refused, naming the setting, when null, negative or over an hour, by both builders")
    void validated(@TempDir Path dir) {
      SegmentedTransactionLogBuilder shared = SegmentedTransactionLog.builder(disk);
      FileTransactionLog.Builder file = FileTransactionLog.builder(dir);
      for (Duration bad : Arrays.asList(null, Duration.ofMillis(-1), Duration.ofHours(1).plusNanos(1))) {
        assertThatThrownBy(() -> shared.bufferedSyncInterval(bad)).isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.getMessage()).contains("bufferedSyncInterval"));
        assertThatThrownBy(() -> file.bufferedSyncInterval(bad)).isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.getMessage()).contains("bufferedSyncInterval"));
      }
    }

    @Test
    @DisplayName("reaches the file log: with zero, each buffered append costs an fsync")
    void fileLogTakesIt(@TempDir Path dir) {
      try (FileTransactionLog file = FileTransactionLog.builder(dir).bufferedSyncInterval(Duration.ZERO).open()) {
        file.append(started("a"));
        long syncs = file.syncCount();
        file.appendBuffered(verified("a", "primary", 1));
        assertThat(file.syncCount()).isEqualTo(syncs + 1);
      }
      try (FileTransactionLog file = FileTransactionLog.builder(dir).bufferedSyncInterval(LONG).open()) {
        long syncs = file.syncCount();
        file.appendBuffered(verified("a", "secondary", 2));
        assertThat(file.syncCount()).isEqualTo(syncs);
        assertThat(file.read("a").map(TransactionRecord::state)).hasValue(io.dualpush.TransactionState.VERIFIED);
      }
    }
  }
}
