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
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The group-commit window ({@link CommitWindow}), seen through the log: a window that is set waits
 * only when other threads append too and backs off when nobody joins; by default nothing waits.
 * Nothing here asserts how long anything took.
 */
@DisplayName("The group-commit window")
class CommitWindowTest {
  private static final int APPENDS = 96;
  /** How long a copy takes, between a push's start and its copy's outcome. */
  private static final long COPY_MILLIS = 2;
  private static final Duration WINDOW = Duration.ofMillis(5);

  /** A log with {@code window} set, or the default when null. */
  private static SegmentedTransactionLog open(MemorySegmentStore store, @Nullable Duration window) {
    SegmentedTransactionLogBuilder b = SegmentedTransactionLog.builder(store);
    return (window == null ? b : b.groupCommitWindow(window)).open();
  }

  /**
   * A push as the log sees it: the durable start, a copy that takes {@link #COPY_MILLIS}, and the
   * copy's outcome (buffered).
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
  @DisplayName("with a window of 5 ms")
  class FiveMillis {

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
        // back-offs of 2, 4, ..., 64 batches allow about seven waits in 192 batches (a start and an
        // outcome per push), where a window without back-off would wait in every one.
        assertThat(waits[0]).as("waits").isBetween(2L, 12L);
        assertThat(waits[1]).as("wasted waits").isEqualTo(waits[0]);
        assertThat(log.syncCount()).isEqualTo(APPENDS);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("threads appending at the same time wait for each other, and share syncs")
    void concurrentAppendersShareSyncs() throws Exception {
      try (SegmentedTransactionLog log = open(MemorySegmentStore.files(), WINDOW)) {
        pushFromEightThreads(log);
        long[] waits = log.windowWaits();
        assertThat(waits[0]).as("waits").isPositive();
        assertThat(waits[0] - waits[1]).as("waits that others joined").isPositive();
        assertThat(log.syncCount()).isLessThan(APPENDS);
        assertThat(log.recent(APPENDS)).hasSize(APPENDS).allMatch(r -> r.copy("primary").isPresent());
      }
    }
  }

  @Test
  @DisplayName("by default (no window) the writer never waits, however many threads append")
  void zeroNeverWaits() throws Exception {
    try (SegmentedTransactionLog log = open(MemorySegmentStore.files(), null)) {
      pushFromEightThreads(log);
      assertThat(log.windowWaits()[0]).as("waits").isZero();
      assertThat(log.recent(APPENDS)).hasSize(APPENDS);
    }
  }

  /** {@link #APPENDS} pushes from eight threads at once, each pushing one after another. */
  private static void pushFromEightThreads(SegmentedTransactionLog log) throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
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
    } finally {
      pool.shutdownNow();
    }
  }
}
