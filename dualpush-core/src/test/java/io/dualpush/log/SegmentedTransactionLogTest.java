package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("SegmentedTransactionLog")
class SegmentedTransactionLogTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static SegmentedTransactionLogBuilder small(SegmentStore store) {
    return SegmentedTransactionLog.builder(store).segmentSize(4096);
  }

  /** Appends a push that ends verified: start and two verified copies. */
  private static void verified(SegmentedTransactionLog log, String id) {
    log.append(LogEntries.started(id, "k/" + id, at(0)));
    LogEntries.verifiedBoth(id, at(1)).forEach(log::append);
  }

  @Nested
  @DisplayName("compaction runs off the commit path")
  class CompactionOffCommitPath {

    @Test
    @DisplayName("regression: appends are acknowledged while a roll-over's compaction is stuck deleting a segment")
    void appendsWhileDeleteBlocked() {
      MemorySegmentStore store = MemorySegmentStore.files();
      CountDownLatch gate = new CountDownLatch(1);
      store.deleteGate = gate;
      SegmentedTransactionLog log = small(store).retainSegments(0).compactAfterSegments(0).open();
      try {
        for (int i = 0; log.segments().size() < 2; i++) {
          String id = "p" + i;
          assertThat(CompletableFuture.runAsync(() -> verified(log, id))).as("append %s", id).succeedsWithin(BOUND);
          assertThat(i).as("a roll-over happens within a segment's worth of records").isLessThan(1000);
        }
        await().atMost(BOUND).until(() -> store.deletesStarted.get() > 0);
        assertThat(CompletableFuture.runAsync(() -> log.append(LogEntries.started("after", "k/after", at(9)))))
            .as("an append while the deletion is blocked").succeedsWithin(BOUND);
        assertThat(store.deletesDone).hasValue(0);
        assertThat(log.read("after")).isPresent();
      } finally {
        gate.countDown();
      }
      log.checkpoint();
      assertThat(store.deletesDone.get()).isPositive();
      assertThat(log.segments()).isEqualTo(store.list());
      log.close();
    }

    @Test
    @DisplayName("checkpoint returns once the segments it gave up are deleted")
    void checkpointWaits() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).retainSegments(100).open()) {
        for (int i = 0; log.segments().size() < 4; i++) {
          verified(log, "p" + i);
        }
      }
      try (SegmentedTransactionLog log = small(store).retainSegments(0).compactAfterSegments(0).open()) {
        assertThat(store.list()).hasSize(4);
        log.checkpoint();
        assertThat(store.list()).hasSize(1).isEqualTo(log.segments());
      }
    }

    @Test
    @DisplayName("a deletion that fails fails the log: later appends are refused, naming the cause")
    void failedDeletionFailsTheLog() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).retainSegments(0).compactAfterSegments(0).open()) {
        java.io.IOException failure = new java.io.IOException("injected: EIO on delete");
        store.deleteFailure = failure;
        assertThatThrownBy(() -> {
          for (int i = 0; i < 1000; i++) {
            verified(log, "p" + i);
          }
        }).isInstanceOf(TransactionLogUnavailableException.class).hasStackTraceContaining("EIO on delete");
        assertThatThrownBy(() -> verified(log, "later")).isInstanceOf(TransactionLogUnavailableException.class)
            .hasMessageContaining("refuses appends").hasCause(failure);
      }
    }
  }

  @Nested
  @DisplayName("close")
  class Close {

    @Test
    @DisplayName("regression: a store that stops answering does not hold close() or the appender waiting for good")
    void storeStopsAnswering() {
      MemorySegmentStore store = MemorySegmentStore.files();
      CountDownLatch gate = new CountDownLatch(1);
      SegmentedTransactionLog log = small(store).closeTimeout(Duration.ofMillis(200)).open();
      try {
        verified(log, "before");
        store.appendGate = gate;
        CompletableFuture<Void> stuck = CompletableFuture.runAsync(() -> log.append(LogEntries.started("stuck",
            "k/stuck", at(1))));
        await().atMost(BOUND).until(() -> gate.getCount() == 1 && Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().startsWith("dualpush-log-writer") && t.getState() == Thread.State.WAITING));
        assertThat(CompletableFuture.runAsync(log::close)).as("close").succeedsWithin(BOUND);
        assertThat(stuck).as("the append the store never answered").failsWithin(BOUND)
            .withThrowableOfType(java.util.concurrent.ExecutionException.class)
            .withCauseInstanceOf(TransactionLogUnavailableException.class);
      } finally {
        gate.countDown();
      }
    }
  }

  @Nested
  @DisplayName("over a store that cannot truncate (an append blob)")
  class NoTruncate {

    @Test
    @DisplayName("numbers segments 1, 2, 3 and replays them in order")
    void consecutive() {
      MemorySegmentStore store = MemorySegmentStore.blobs();
      try (SegmentedTransactionLog log = small(store).retainSegments(100).open()) {
        for (int i = 0; log.segments().size() < 3; i++) {
          verified(log, "p" + i);
        }
        assertThat(log.segments()).extracting(SegmentInfo::number).containsExactly(1L, 2L, 3L);
      }
      try (SegmentedTransactionLog log = small(store).retainSegments(100).open()) {
        assertThat(log.read("p0").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      }
    }

    @Test
    @DisplayName("a torn tail is marked, not cut, and appends go on in a new segment; later opens read up to the mark")
    void tornTailRolls() {
      MemorySegmentStore store = MemorySegmentStore.blobs();
      try (SegmentedTransactionLog log = small(store).open()) {
        verified(log, "a");
      }
      long end = store.bytes(1).length;
      store.appendRaw(1, new byte[] {0, 0, 0, 50, 1, 2, 3});
      try (SegmentedTransactionLog log = small(store).open()) {
        assertThat(log.openWarnings()).singleElement().satisfies(w -> {
          assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_DROPPED);
          assertThat(w.offset()).isEqualTo(end);
        });
        verified(log, "b");
        assertThat(log.segments()).extracting(SegmentInfo::number).containsExactly(1L, 2L);
      }
      assertThat(store.bytes(1)).hasSize((int) end + 7);
      try (SegmentedTransactionLog log = small(store).open()) {
        assertThat(log.openWarnings()).isEmpty();
        assertThat(log.read("a")).isPresent();
        assertThat(log.read("b").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      }
    }

    @Test
    @DisplayName("a missing segment between two others stops the open, naming the missing segment numbers")
    void gap() {
      MemorySegmentStore store = MemorySegmentStore.blobs();
      try (SegmentedTransactionLog log = small(store).retainSegments(100).open()) {
        for (int i = 0; log.segments().size() < 3; i++) {
          verified(log, "p" + i);
        }
      }
      MemorySegmentStore copy = MemorySegmentStore.blobs();
      copy.put(1, store.bytes(1));
      copy.put(3, store.bytes(3));
      assertThatThrownBy(() -> small(copy).open()).isInstanceOf(TransactionLogGapException.class)
          .hasMessageContaining("segments 2..2 are missing");
    }

    @Test
    @DisplayName("quarantine is refused at open, naming the setting, when the store has none")
    void noQuarantine() {
      assertThatThrownBy(() -> small(MemorySegmentStore.blobs()).quarantineDamagedSegments(true).open())
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("quarantineDamagedSegments");
    }

    @Test
    @DisplayName("an entry larger than one append is refused, naming 'entry', and the log goes on")
    void tooLarge() {
      MemorySegmentStore store = MemorySegmentStore.blobs();
      try (SegmentedTransactionLog log = small(store).open()) {
        String huge = "x".repeat(4 * 1024 * 1024);
        LogEntry big = new LogEntry.Started("big", at(0), "k/big", 1, "md5", "", "", "text/plain", Map.of("m", huge),
            LogEntries.TWO_REQUIRED, 2, "");
        assertThatThrownBy(() -> log.append(big)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("entry");
        verified(log, "after");
        assertThat(log.read("after")).isPresent();
      }
    }
  }

  @Nested
  @DisplayName("one writer")
  class OneWriter {

    @Test
    @DisplayName("a second writer is refused while the first holds the claim")
    void refused() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        assertThatThrownBy(() -> small(store).open()).isInstanceOf(DualPushException.class)
            .hasMessageContaining("already open");
        verified(log, "still");
      }
    }

    @Test
    @DisplayName("a lost claim stops every later append before anything is written")
    void lostClaim() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        verified(log, "before");
        int length = store.bytes(0).length;
        store.claimLost = true;
        assertThatThrownBy(() -> verified(log, "after")).isInstanceOf(io.dualpush.LeaseLostException.class)
            .hasRootCauseInstanceOf(ClaimLostException.class);
        assertThat(store.bytes(0)).hasSize(length);
      }
    }

    @Test
    @DisplayName("something else appending behind the log's back fails its next append, and the log stays failed")
    void appendPosition() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        verified(log, "before");
        store.appendRaw(0, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> verified(log, "after")).isInstanceOf(TransactionLogUnavailableException.class)
            .hasRootCauseInstanceOf(AppendPositionException.class);
        assertThatThrownBy(() -> verified(log, "later")).isInstanceOf(TransactionLogUnavailableException.class);
      }
    }
  }

  @Nested
  @DisplayName("replay")
  class Replay {

    @Test
    @DisplayName("damage before whole records stops the open, naming segment and offset")
    void damage() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        verified(log, "a");
        verified(log, "b");
      }
      byte[] bytes = store.bytes(0);
      bytes[12] ^= 0x40; // inside the first record's body
      store.put(0, bytes);
      assertThatThrownBy(() -> small(store).open()).isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining("seg-0").hasMessageContaining("offset 0");
    }

    @Test
    @DisplayName("a read-only open sees what a writer made durable and refuses appends")
    void readOnly() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        verified(log, "a");
        log.append(LogEntries.copy("a", "primary", CopyStatus.FAILED, at(5)));
        try (SegmentedTransactionLog reader = small(store).openReadOnly()) {
          assertThat(reader.read("a").orElseThrow().state()).isNotEqualTo(TransactionState.VERIFIED);
          assertThatThrownBy(() -> reader.append(LogEntries.started("x", "k/x", at(0))))
              .isInstanceOf(DualPushException.class).hasMessageContaining("read-only");
        }
      }
    }

    @Test
    @DisplayName("recent lists the newest first and only as many as asked")
    void recent() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = small(store).open()) {
        for (int i = 0; i < 10; i++) {
          log.append(LogEntries.started("t" + i, "k/" + i, at(i)));
        }
        assertThat(log.recent(3)).extracting(r -> r.transactionId()).containsExactly("t9", "t8", "t7");
        assertThat(log.recent(0)).isEmpty();
        assertThat(List.copyOf(log.recent(100))).hasSize(10);
      }
    }
  }
}
