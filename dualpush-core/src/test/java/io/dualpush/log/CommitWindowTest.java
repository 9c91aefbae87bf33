package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The group-commit writer's adaptive wait ({@link CommitWindow}), seen through the log: it waits only
 * when other threads append too, backs off when nobody joins, and a window of zero never waits. The
 * pause between a start and its copy's outcome is the copy time the wait is measured against;
 * nothing here asserts how long anything took.
 */
@DisplayName("The group-commit window")
class CommitWindowTest {
  private static final int APPENDS = 96;
  /** A copy's time: the default window waits an eighth of it, and never under a millisecond. */
  private static final long COPY_MILLIS = 12;
  /** The default window (not set). */
  private static final Duration WINDOW = null;

  /** A log with {@code window} set, or the default when null. */
  private static SegmentedTransactionLog open(MemorySegmentStore store, Duration window) {
    SegmentedTransactionLogBuilder b = SegmentedTransactionLog.builder(store);
    return (window == null ? b : b.groupCommitWindow(window)).open();
  }

  /**
   * A push as the log sees it: the durable start, a copy that takes {@link #COPY_MILLIS}, and the
   * copy's outcome (buffered). The time from the one to the other is what the window is measured
   * against.
   */
  private static void pushOne(SegmentedTransactionLog log, String id) {
    log.append(LogEntries.started(id, "k/" + id, at(0)));
    pause(COPY_MILLIS);
    log.appendBuffered(LogEntries.copy(id, "primary", CopyStatus.VERIFIED, at(1)));
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Nested
  @DisplayName("with the default window")
  class Default {

    @Test
    @DisplayName("one thread appending record after record never waits: each append is synced at once")
    void oneThreadNeverWaits() {
      MemorySegmentStore store = MemorySegmentStore.files();
      try (SegmentedTransactionLog log = open(store, WINDOW)) {
        for (int i = 0; i < APPENDS; i++) {
          pushOne(log, "t" + i);
        }
        assertThat(log.windowWaits()[0]).as("waits").isZero();
        assertThat(log.syncCount()).as("a sync per start, the outcome riding the next").isEqualTo(APPENDS);
      }
    }

    @Test
    @DisplayName("appends one at a time from a pool's threads look like siblings, but the writer backs off after waits nobody joins")
    void sequentialPoolBacksOff() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try (SegmentedTransactionLog log = open(store, WINDOW)) {
        for (int i = 0; i < APPENDS; i++) {
          String id = "t" + i;
          pool.submit(() -> pushOne(log, id)).get();
        }
        long[] waits = log.windowWaits();
        // It does try (four threads did append), learns that nobody comes, and then tries rarely:
        // back-offs of 2, 4, ..., 64 batches allow about six waits in 96 pushes.
        assertThat(waits[0]).as("waits").isBetween(2L, 10L);
        assertThat(waits[1]).as("wasted waits").isEqualTo(waits[0]);
        assertThat(log.syncCount()).isEqualTo(APPENDS);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("threads appending at the same time wait for each other, and share syncs")
    void concurrentAppendersShareSyncs() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try (SegmentedTransactionLog log = open(store, WINDOW)) {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int thread = t;
          done.add(pool.submit(() -> {
            for (int i = 0; i < APPENDS / threads; i++) {
              pushOne(log, "t" + thread + "-" + i);
            }
          }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
        long[] waits = log.windowWaits();
        assertThat(waits[0]).as("waits").isPositive();
        assertThat(waits[0] - waits[1]).as("waits that others joined").isPositive();
        assertThat(log.syncCount()).isLessThan(APPENDS);
        assertThat(log.recent(APPENDS)).hasSize(APPENDS).allMatch(r -> r.copy("primary").isPresent());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** Starts only, from eight threads at once, into a log with {@code window}; returns its waits. */
  private static long startsOnly(Duration window) throws Exception {
    MemorySegmentStore store = MemorySegmentStore.files();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (SegmentedTransactionLog log = open(store, window)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < APPENDS / threads; i++) {
            String id = "t" + thread + "-" + i;
            log.append(LogEntries.started(id, "k/" + id, at(0)));
            pause(1);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(log.recent(APPENDS)).hasSize(APPENDS);
      return log.windowWaits()[0];
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("by default nothing waits before a copy's time is known; a window the application set is waited without one")
  void defaultNeedsACopyTimeSetDoesNot() throws Exception {
    assertThat(startsOnly(WINDOW)).as("waits with the default").isZero();
    assertThat(startsOnly(Duration.ofMillis(2))).as("waits with a window of 2 ms set").isPositive();
  }

  @Test
  @DisplayName("a window of zero never waits, however many threads append")
  void zeroNeverWaits() throws Exception {
    MemorySegmentStore store = MemorySegmentStore.files();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (SegmentedTransactionLog log = open(store, Duration.ZERO)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < APPENDS / threads; i++) {
            pushOne(log, "t" + thread + "-" + i);
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(log.windowWaits()[0]).as("waits").isZero();
      assertThat(log.recent(APPENDS)).hasSize(APPENDS);
    } finally {
      pool.shutdownNow();
    }
  }
}
