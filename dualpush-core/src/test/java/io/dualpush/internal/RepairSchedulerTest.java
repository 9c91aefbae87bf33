package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.TransactionRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
  /** Bounds the waits for rounds running on other threads; never asserted on. */
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final byte[] PAYLOAD = "payload".getBytes(StandardCharsets.UTF_8);

  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final DeadLetters deadLetters = new DeadLetters();
  private final EngineExecutors executors = new EngineExecutors(1);
  private final CircuitBreakerTest.MovableClock clock = new CircuitBreakerTest.MovableClock(T0);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final MapDestination store = new MapDestination();
  private final List<Slot> slots = new ArrayList<>();
  private final PayloadRetention retention = new PayloadRetention(Long.MAX_VALUE);
  private PermitQueue places = new PermitQueue(4, 16);

  @AfterEach
  void tearDown() {
    executors.shutdownNow();
    slots.forEach(Slot::shutdown);
    timer.shutdownNow();
  }

  private RepairScheduler scheduler() {
    return scheduler(RepairScheduler.CAPACITY);
  }

  private RepairScheduler scheduler(int capacity) {
    RepairOptions repair = RepairOptions.builder().initialDelay(DELAY).maxDelay(DELAY.multipliedBy(8)).jitter(0)
        .maxRetries(100).build();
    EngineConfig config = EngineTestSupport.config(log, clock, repair);
    Events events = new Events(List.of(), a -> { }, clock);
    Map<String, Slot> byId = new java.util.HashMap<>();
    slots.forEach(s -> byId.put(s.id(), s));
    Verifier verifier = new Verifier(log, clock, events, byId);
    Repairer repairer = new Repairer(log, clock, events, byId, new Router(slots, verifier), verifier, retention);
    return new RepairScheduler(config, slots, places, repairer, deadLetters, retention, events, executors, id -> false,
        capacity);
  }

  /** Adds the destination "primary", writing to {@link #store}, behind a breaker that opens at its first failure. */
  private Slot primary() {
    CircuitBreakerOptions breaker = CircuitBreakerOptions.builder().failureThreshold(1).openDelay(DELAY).build();
    Slot slot = new Slot(DestinationOptions.of("primary"), store, RetryOptions.none(), breaker, 4,
        new Watchdog(timer), timer, clock, Runnable::run);
    slots.add(slot);
    return slot;
  }

  /** An open transaction of one copy at "primary", its payload retained for repair, put in the log. */
  private TransactionRecord open(String id, Instant at) {
    LogEntry.Started s = new LogEntry.Started(id, at, "k/" + id, PAYLOAD.length, Md5.of(PAYLOAD), "", "",
        "application/octet-stream", Map.of(), List.of(new LogEntry.Target("primary", true)), 1, "");
    TransactionRecord r = TransactionRecord.started(s);
    retention.retain(id, () -> new ByteArrayInputStream(PAYLOAD), PAYLOAD.length, false);
    log.put(r);
    return r;
  }

  /** {@code n} open transactions, started at T0 and scheduled after their push; none is due before T0 + DELAY. */
  private void backlogOf(RepairScheduler s, int n, String prefix) {
    for (int i = 0; i < n; i++) {
      TransactionRecord r = TransactionRecord.started(EngineTestSupport.started(prefix + i, T0, prefix + "/k" + i));
      s.afterPush(r);
    }
  }

  /** Ticks until nothing is open or {@code ticks} ran, waiting after each for the rounds it started. */
  private int tickUntilConverged(RepairScheduler s, int ticks, int capacity) {
    int n = 0;
    while (log.openCount() > 0 && n < ticks) {
      s.tick();
      n++;
      assertThat(s.scheduled()).isLessThanOrEqualTo(capacity);
      await().atMost(BOUND).until(() -> places.inUse() == 0);
    }
    return n;
  }

  private long verified() {
    return log.records.values().stream().filter(r -> r.state() == TransactionState.VERIFIED).count();
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
      assertThat(log.pages.get()).isZero();
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
        s.afterPush(TransactionRecord.started(EngineTestSupport.started("due-" + i, earlier, "due/k" + i)));
      }
      backlogOf(s, backlogSize, "txn-");
      log.reads.set(0);

      s.tick();

      // The due ones are gone from the log (compacted): read once each, then dropped as ended.
      assertThat(log.reads.get()).isEqualTo(5);
      assertThat(log.listings.get()).isZero();
      assertThat(s.scheduled()).isEqualTo(backlogSize);
    }
  }

  @Nested
  @DisplayName("a bounded queue")
  class Bounded {
    @Test
    @DisplayName("of 10 repairs all of 1,000 open transactions turned away by it, reading the log a page at a time")
    void turnedAwayConverge() {
      primary();
      log.folding = true;
      RepairScheduler s = scheduler(10);
      for (int i = 0; i < 1000; i++) {
        s.afterPush(open("txn-" + i, T0));
      }
      assertThat(s.scheduled()).isEqualTo(10);
      clock.advance(DELAY.multipliedBy(2));

      int ticks = tickUntilConverged(s, 5_000, 10);

      assertThat(verified()).as("after %d ticks", ticks).isEqualTo(1000);
      assertThat(log.largestPage.get()).isLessThanOrEqualTo(10);
      assertThat(log.listings.get()).as("never the whole list of open transactions").isZero();
      assertThat(s.passing()).isFalse();
    }

    @Test
    @DisplayName("of 10 recovers 1,000 open transactions found in the log, all due at once")
    void recoveryConverges() {
      primary();
      log.folding = true;
      for (int i = 0; i < 1000; i++) {
        open("txn-" + i, T0);
      }
      RepairScheduler s = scheduler(10);
      s.recover();

      int ticks = tickUntilConverged(s, 5_000, 10);

      assertThat(verified()).as("after %d ticks", ticks).isEqualTo(1000);
      assertThat(log.largestPage.get()).isLessThanOrEqualTo(10);
      assertThat(log.listings.get()).isZero();
    }

    @Test
    @DisplayName("a pass leaves room for the failures of new pushes")
    void passLeavesRoom() {
      RepairScheduler s = scheduler(100);
      for (int i = 0; i < 1000; i++) {
        open("old-" + i, T0);
      }
      // One push turned away (the queue full of others) starts a pass over the log.
      backlogOf(s, 100, "full-");
      s.afterPush(TransactionRecord.started(EngineTestSupport.started("away", T0, "away")));
      for (int i = 0; i < 100; i++) {
        s.forget("full-" + i);
      }

      for (int i = 0; i < 50; i++) {
        s.tick();
      }
      assertThat(s.scheduled()).as("the pass stops at three quarters").isEqualTo(75);
      for (int i = 0; i < 25; i++) {
        s.afterPush(TransactionRecord.started(EngineTestSupport.started("new-" + i, T0, "new/k" + i)));
      }
      assertThat(s.scheduled()).as("every new failure found room").isEqualTo(100);
    }
  }

  @Nested
  @DisplayName("pace")
  class Pace {
    @Test
    @DisplayName("a round that ends starts the next due one at once, not at the next scan interval")
    void roundEndStartsNext() {
      primary();
      log.folding = true;
      places = new PermitQueue(1, 16);
      RepairScheduler s = scheduler();
      for (int i = 0; i < 20; i++) {
        s.afterPush(open("txn-" + i, T0));
      }
      clock.advance(DELAY.multipliedBy(2));

      // One tick by hand, one place: the other 19 rounds follow without another tick of the schedule.
      s.tick();

      await().atMost(BOUND).until(() -> verified() == 20);
      assertThat(store.puts.get()).isEqualTo(20);
    }

    @Test
    @DisplayName("a half-open breaker's trial takes one parked transaction; the others are not read again")
    void halfOpenReleasesOne() {
      Slot slot = primary();
      log.folding = true;
      RepairScheduler s = scheduler();
      store.down = true;
      for (int i = 0; i < 100; i++) {
        s.afterPush(open("txn-" + i, T0));
      }
      clock.advance(DELAY.multipliedBy(2));
      // The first round fails and opens the breaker; the other 99 are parked without a call.
      s.tick();
      await().atMost(BOUND).until(() -> places.inUse() == 0 && s.scheduled() == 100);
      s.tick();
      await().atMost(BOUND).until(() -> places.inUse() == 0);
      assertThat(slot.breakerState().state()).isEqualTo(io.dualpush.CircuitBreakerState.State.OPEN);
      int putsWhileOpen = store.puts.get();

      clock.advance(DELAY);
      log.reads.set(0);
      s.tick();
      await().atMost(BOUND).until(() -> places.inUse() == 0);

      assertThat(store.puts.get()).as("one trial call").isEqualTo(putsWhileOpen + 1);
      assertThat(log.reads.get()).as("reads of the one trial round, not of every parked transaction")
          .isLessThan(10);
      assertThat(s.scheduled()).isEqualTo(100);
    }

    @Test
    @DisplayName("when a breaker closes, what waited only in the log for it is due when the pass reaches it, whatever its backoff")
    void closingMakesLogOnlyDue() {
      Slot slot = primary();
      log.folding = true;
      RepairScheduler s = scheduler(10);
      s.tick();
      // 50 transactions failed at T0 after 3 rounds (backoff 8 min); only 10 fit in the queue.
      for (int i = 0; i < 50; i++) {
        TransactionRecord r = open("txn-" + i, T0);
        TransactionRecord tried = new TransactionRecord(r.start(), List.of(new CopyRecord("primary", true,
            CopyStatus.FAILED, "", "down", false, T0)), 3, java.util.Optional.empty(), false, T0);
        log.put(tried);
        s.afterPush(tried);
      }
      clock.advance(Duration.ofSeconds(1));
      slot.resetBreaker();

      int ticks = tickUntilConverged(s, 500, 10);

      assertThat(verified()).as("after %d ticks, well before their backoff", ticks).isEqualTo(50);
      assertThat(clock.instant()).isBefore(T0.plus(DELAY));
    }
  }

  @Test
  @DisplayName("recovery makes every open transaction due at once")
  void recoveryIsDueNow() {
    RepairScheduler s = scheduler();
    log.put(TransactionRecord.started(EngineTestSupport.started("txn-r", T0, "r")));
    s.recover();
    s.tick();

    await().atMost(BOUND).until(() -> places.inUse() == 0);
    assertThat(log.pages.get()).isEqualTo(1);
    assertThat(store.puts.get()).isZero();
  }

  @Test
  @DisplayName("dueAt backs off exponentially from the last update, capped at the maximum delay")
  void dueAtBacksOff() {
    RepairScheduler s = scheduler();
    TransactionRecord r = TransactionRecord.started(EngineTestSupport.started("txn-b", T0, "b"));

    assertThat(s.dueAt(r)).isEqualTo(T0.plus(DELAY));
  }
}
