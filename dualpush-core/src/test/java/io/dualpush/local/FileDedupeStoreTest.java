package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileDedupeStore")
class FileDedupeStoreTest {
  private static final Duration TTL = Duration.ofDays(7);
  private static final Duration CLAIM = Duration.ofMinutes(15);

  @TempDir
  Path dir;
  private final MovableClock clock = new MovableClock();

  /** A clock the test moves by hand. */
  private static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private FileDedupeStore open(List<TransactionRecord> held) {
    return FileDedupeStore.open(dir, held::forEach, TTL, clock, 4096);
  }

  private static String outcome(int i) {
    return new DedupeOutcome("txn-" + i, "md5-" + i, i).encode();
  }

  private void markDone(FileDedupeStore store, int from, int to) {
    for (int i = from; i < to; i++) {
      assertThat(store.claim("msg-" + i, CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      store.markDone("msg-" + i, outcome(i), TTL);
    }
  }

  private TransactionRecord held(int i, Instant at) {
    LogEntry.Started start = new LogEntry.Started("txn-" + i, at, "gold/" + i, i, "md5-" + i, "", "msg-" + i,
        "application/octet-stream", Map.of(), List.of(new LogEntry.Target("primary", true)), 1, "");
    return TransactionRecord.started(start);
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.sorted().toList();
    }
  }

  @Nested
  @DisplayName("after a crash (nothing flushed by close)")
  class Crash {
    @Test
    @DisplayName("remembers every id whose markDone returned, without the log's help (regression: the last 200 ms"
        + " of marks were lost to a kill)")
    void markDoneIsWrittenBeforeItReturns() {
      FileDedupeStore store = open(List.of());
      markDone(store, 0, 512);
      store.simulateCrashForTesting();

      FileDedupeStore reopened = open(List.of());
      for (int i = 0; i < 512; i++) {
        assertThat(reopened.claim("msg-" + i, CLAIM).outcome()).as("msg-%d", i).hasValue(outcome(i));
      }
      reopened.close();
    }

    @Test
    @DisplayName("remembers ids the journal lacks (a power cut before the fsync) from the transactions the log"
        + " holds, and journals them")
    void missingEntriesComeFromTheLog() {
      FileDedupeStore store = open(List.of());
      markDone(store, 0, 3);
      store.simulateCrashForTesting();

      // msg-3 and msg-4 were never journaled, as after a power cut that lost the page cache; the log holds msg-3.
      FileDedupeStore reopened = open(List.of(held(3, clock.instant())));
      assertThat(reopened.claim("msg-3", CLAIM).pushOutcome()).hasValue(new DedupeOutcome("txn-3", "md5-3", 3));
      assertThat(reopened.claim("msg-2", CLAIM).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      assertThat(reopened.claim("msg-4", CLAIM).status()).as("neither journaled nor in the log")
          .isEqualTo(DedupeClaim.Status.CLAIMED);
      reopened.close();

      FileDedupeStore third = open(List.of());
      assertThat(third.claim("msg-3", CLAIM).status()).as("journaled on the open that merged it")
          .isEqualTo(DedupeClaim.Status.DUPLICATE);
      third.close();
    }

    @Test
    @DisplayName("keeps every mark of concurrent markers that returned, across roll-overs (group commit)")
    void concurrentMarkersShareWrites() throws Exception {
      FileDedupeStore store = open(List.of());
      int threads = 8;
      int each = 400;
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int from = t * each;
          futures.add(pool.submit(() -> markDone(store, from, from + each)));
        }
        for (java.util.concurrent.Future<?> f : futures) {
          f.get(1, java.util.concurrent.TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      store.simulateCrashForTesting();
      assertThat(files()).as("rolled over at 4 KiB").hasSizeGreaterThan(2);

      FileDedupeStore reopened = open(List.of());
      for (int i = 0; i < threads * each; i++) {
        assertThat(reopened.claim("msg-" + i, CLAIM).outcome()).as("msg-%d", i).hasValue(outcome(i));
      }
      reopened.close();
    }

    @Test
    @DisplayName("does not merge a log transaction whose TTL ran out")
    void expiredLogTransactionNotMerged() {
      Instant long_ago = clock.instant();
      clock.advance(TTL.plusSeconds(1));
      FileDedupeStore store = open(List.of(held(5, long_ago)));
      assertThat(store.claim("msg-5", CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      store.close();
    }
  }

  @Nested
  @DisplayName("opened on a file log")
  class OnFileLog {
    @Test
    @DisplayName("remembers the ids of more open transactions than one page holds, and of the recent finished ones")
    void openTransactionsPaged() throws IOException {
      Path logDir = Files.createDirectories(dir.resolve("log"));
      int open = FileDedupeStore.RECENT_MERGED + 1_500; // more than the recent ones merged: the rest come from the pages
      try (FileTransactionLog log = FileTransactionLog.open(logDir)) {
        for (int i = 0; i < open; i++) {
          log.appendBuffered(held(i, clock.instant()).start());
        }
        LogEntry.Started finished = held(open, clock.instant()).start();
        log.append(finished);
        log.append(new LogEntry.CopyUpdated(finished.transactionId(), clock.instant(), "primary",
            io.dualpush.CopyStatus.VERIFIED, "md5-" + open, "", false));
        assertThat(log.openSummary().count()).isEqualTo(open);

        FileDedupeStore store = FileDedupeStore.open(log, TTL, clock);
        for (int i = 0; i <= open; i++) {
          assertThat(store.claim("msg-" + i, CLAIM).pushOutcome()).as("msg-%d", i)
              .hasValue(new DedupeOutcome("txn-" + i, "md5-" + i, i));
        }
        assertThat(store.directory()).isEqualTo(logDir.resolve("dedupe"));
        store.close();
      }
    }
  }

  @Nested
  @DisplayName("its journal files")
  class JournalFiles {
    @Test
    @DisplayName("roll over, are all read back, and are deleted once every entry in them expired")
    void rollAndExpire() throws IOException {
      FileDedupeStore store = open(List.of());
      markDone(store, 0, 300);
      store.close();
      List<Path> first = files();
      assertThat(first).as("rolled over").hasSizeGreaterThanOrEqualTo(2);

      clock.advance(Duration.ofDays(1));
      FileDedupeStore second = open(List.of());
      markDone(second, 300, 310);
      assertThat(second.claim("msg-0", CLAIM).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      assertThat(second.claim("msg-299", CLAIM).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      second.close();

      clock.advance(TTL.minusHours(12));
      FileDedupeStore third = open(List.of());
      assertThat(files()).as("the first file's entries all expired").doesNotContain(first.get(0));
      assertThat(third.claim("msg-0", CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      assertThat(third.claim("msg-305", CLAIM).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      third.close();
    }

    @Test
    @DisplayName("a damaged file that is not the last stops the open, even at its end")
    void damagedOlderFile() throws IOException {
      FileDedupeStore store = open(List.of());
      markDone(store, 0, 300);
      store.close();
      Path older = files().get(0);
      Files.write(older, new byte[] {0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);

      assertThatThrownBy(() -> open(List.of()))
          .isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining(older.getFileName().toString())
          .hasMessageContaining("not the last");
    }

    @Test
    @DisplayName("a zeroed tail of the last file is truncated and the open goes on")
    void zeroedTail() throws IOException {
      FileDedupeStore store = open(List.of());
      markDone(store, 0, 5);
      store.close();
      Path last = files().get(files().size() - 1);
      long length = Files.size(last);
      Files.write(last, new byte[64], java.nio.file.StandardOpenOption.APPEND);

      FileDedupeStore reopened = open(List.of());
      assertThat(reopened.claim("msg-4", CLAIM).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      assertThat(Files.size(last)).isEqualTo(length);
      reopened.close();
    }
  }

  @Test
  @DisplayName("a released claim and an expired claim free the id; a done id is not freed by release")
  void claimsAndRelease() {
    FileDedupeStore store = open(List.of());
    assertThat(store.claim("a", CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
    assertThat(store.claim("a", CLAIM).status()).isEqualTo(DedupeClaim.Status.IN_PROGRESS);
    store.release("a");
    assertThat(store.claim("a", CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
    clock.advance(CLAIM.plusSeconds(1));
    assertThat(store.claim("a", CLAIM).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
    store.markDone("a", "done", TTL);
    store.release("a");
    assertThat(store.claim("a", CLAIM).outcome()).hasValue("done");
    store.close();
  }
}
