package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.RepairOptions;
import io.dualpush.spi.TransactionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("RepairScheduler")
class RepairSchedulerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration DELAY = Duration.ofMinutes(1);

  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final Backlog backlog = new Backlog();
  private final EngineExecutors executors = new EngineExecutors(1);
  private Clock clock = Clock.fixed(T0, ZoneOffset.UTC);

  @AfterEach
  void tearDown() {
    executors.shutdownNow();
  }

  private RepairScheduler scheduler() {
    return scheduler(RepairScheduler.CAPACITY);
  }

  private RepairScheduler scheduler(int capacity) {
    RepairOptions repair = RepairOptions.builder().initialDelay(DELAY).maxDelay(DELAY.multipliedBy(8)).jitter(0).build();
    EngineConfig config = EngineTestSupport.config(log, clock, repair);
    Events events = new Events(List.of(), a -> { }, clock);
    PayloadRetention retention = new PayloadRetention(0);
    Verifier verifier = new Verifier(log, clock, events, Map.of());
    Repairer repairer = new Repairer(log, clock, events, Map.of(), new Router(List.of(), verifier), retention);
    return new RepairScheduler(config, List.of(), new PermitQueue(4, 16), repairer, backlog, retention, events,
        executors, id -> false, capacity);
  }

  /** {@code n} open transactions, started at T0 and scheduled after their push; none is due before T0 + DELAY. */
  private void backlogOf(RepairScheduler s, int n, String prefix) {
    for (int i = 0; i < n; i++) {
      TransactionRecord r = TransactionRecord.started(EngineTestSupport.started(prefix + i, T0, prefix + "/k" + i));
      backlog.opened(r.transactionId(), r.key(), r.createdAt());
      s.afterPush(r);
    }
  }

  @Nested
  @DisplayName("a tick's work")
  class TickCost {
    @ParameterizedTest(name = "backlog of {0}")
    @ValueSource(ints = {10, 10_000})
    @DisplayName("does not grow with the backlog: nothing due reads nothing from the log")
    void nothingDueReadsNothing(int backlogSize) {
      RepairScheduler s = scheduler();
      backlogOf(s, backlogSize, "txn-");
      log.reads.set(0);

      for (int i = 0; i < 100; i++) {
        s.tick();
      }

      assertThat(log.reads.get()).isZero();
      assertThat(log.listings.get()).isZero();
      assertThat(s.scheduled()).isEqualTo(backlogSize);
    }

    @ParameterizedTest(name = "backlog of {0}")
    @ValueSource(ints = {10, 10_000})
    @DisplayName("is one log read per transaction due, whatever the backlog")
    void oneReadPerDue(int backlogSize) {
      RepairScheduler s = scheduler();
      // Five transactions pushed earlier are due at T0 + DELAY; the backlog, pushed later, is not.
      Instant earlier = T0.minus(DELAY);
      for (int i = 0; i < 5; i++) {
        TransactionRecord r = TransactionRecord.started(EngineTestSupport.started("due-" + i, earlier, "due/k" + i));
        backlog.opened(r.transactionId(), r.key(), r.createdAt());
        s.afterPush(r);
      }
      backlogOf(s, backlogSize, "txn-");
      log.reads.set(0);

      s.tick();

      // The due ones are gone from the log (compacted): read once each, then dropped as ended.
      assertThat(log.reads.get()).isEqualTo(5);
      assertThat(log.listings.get()).isZero();
      assertThat(s.scheduled()).isEqualTo(backlogSize);
      assertThat(backlog.open()).isEqualTo(backlogSize);
    }
  }

  @Test
  @DisplayName("holds at most its capacity in memory; what overflowed is read back from the log once the schedule drained")
  void overflowGoesBackToTheLog() {
    RepairScheduler s = scheduler(4);
    List<TransactionRecord> open = new java.util.ArrayList<>();
    for (int i = 0; i < 10; i++) {
      TransactionRecord r = TransactionRecord.started(EngineTestSupport.started("txn-" + i, T0, "k" + i));
      open.add(r);
      if (i >= 4) {
        // The first four are gone from the log by their first tick (ended meanwhile).
        log.put(r);
      }
    }
    s.recover(open);
    assertThat(s.scheduled()).isEqualTo(4);

    s.tick();
    assertThat(s.scheduled()).isZero();
    assertThat(log.listings.get()).isZero();

    s.tick();
    assertThat(log.listings.get()).isEqualTo(1);
    assertThat(s.scheduled()).isEqualTo(4);

    s.tick();
    assertThat(log.listings.get()).as("no listing while the schedule is more than half full").isEqualTo(1);
  }

  @Test
  @DisplayName("recovery makes every open transaction due at once")
  void recoveryIsDueNow() {
    RepairScheduler s = scheduler();
    TransactionRecord r = TransactionRecord.started(EngineTestSupport.started("txn-r", T0, "r"));
    s.recover(List.of(r));
    log.reads.set(0);

    s.tick();

    assertThat(log.reads.get()).isEqualTo(1);
    assertThat(s.scheduled()).isZero();
  }

  @Test
  @DisplayName("dueAt backs off exponentially from the last update, capped at the maximum delay")
  void dueAtBacksOff() {
    RepairScheduler s = scheduler();
    TransactionRecord r = TransactionRecord.started(EngineTestSupport.started("txn-b", T0, "b"));

    assertThat(s.dueAt(r)).isEqualTo(T0.plus(DELAY));
  }
}
