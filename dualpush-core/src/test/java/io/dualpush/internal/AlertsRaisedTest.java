package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushEvent;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Alerts raised where they apply")
class AlertsRaisedTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration DELAY = Duration.ofMinutes(1);
  /** Bounds the waits for work on other threads; never asserted on. */
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final byte[] PAYLOAD = "payload".getBytes(StandardCharsets.UTF_8);

  private final CircuitBreakerTest.MovableClock clock = new CircuitBreakerTest.MovableClock(T0);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final Watchdog watchdog = new Watchdog(timer);
  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final Recorder sink = new Recorder();
  private final List<DualPushEvent> events = new CopyOnWriteArrayList<>();
  private final Events engineEvents = new Events(List.of(events::add), sink, clock);
  private final List<Slot> slots = new ArrayList<>();
  private final EngineExecutors executors = new EngineExecutors(1);

  @AfterEach
  void tearDown() {
    executors.shutdownNow();
    slots.forEach(Slot::shutdown);
    timer.shutdownNow();
  }

  /** Keeps what it is given, raised and resolved apart. */
  static final class Recorder implements AlertSink {
    final List<Alert> raised = new CopyOnWriteArrayList<>();
    final List<Alert> resolved = new CopyOnWriteArrayList<>();

    @Override
    public void raise(Alert alert) {
      raised.add(alert);
    }

    @Override
    public void resolve(Alert r) {
      resolved.add(r);
    }

    List<Alert> of(Alert.Type type) {
      return raised.stream().filter(a -> a.type() == type).toList();
    }
  }

  private Slot slot(DestinationOptions options, io.dualpush.spi.Destination destination, CircuitBreakerOptions cb) {
    Slot s = new Slot(options, destination, RetryOptions.none(), cb, 2, watchdog, timer, clock, Runnable::run);
    slots.add(s);
    return s;
  }

  @Nested
  @DisplayName("PUSH_FAILURE")
  class PushFailure {
    @Test
    @DisplayName("names the push's transaction and the first required destination whose copy failed, at HIGH")
    void namesTheFailedDestination() {
      Slot primary = slot(DestinationOptions.of("primary"), new EngineTestSupport.NeverCalled(),
          CircuitBreakerOptions.disabled());
      Slot secondary = slot(DestinationOptions.of("secondary"), new EngineTestSupport.NeverCalled(),
          CircuitBreakerOptions.disabled());
      Slot edge = slot(DestinationOptions.builder("edge").required(false).build(), new EngineTestSupport.NeverCalled(),
          CircuitBreakerOptions.disabled());
      LogEntry.Started started = new LogEntry.Started("txn-1", T0, "k", 1, "md5", "", "", "application/octet-stream",
          Map.of(), List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true),
          new LogEntry.Target("edge", false)), 2, "");
      log.put(TransactionRecord.started(started));
      Flight flight = new Flight(started, List.of(primary, secondary, edge), 2, () -> { });
      flight.settle(edge, CopyStatus.FAILED);
      flight.settle(primary, CopyStatus.VERIFIED);
      flight.settle(secondary, CopyStatus.FAILED);
      Acknowledger acknowledger = new Acknowledger(EngineTestSupport.config(log, clock, RepairOptions.ofDefaults()),
          engineEvents);

      acknowledger.decide(flight);

      assertThat(sink.raised).singleElement().satisfies(a -> {
        assertThat(a.type()).isEqualTo(Alert.Type.PUSH_FAILURE);
        assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.transactionId()).isEqualTo("txn-1");
        // "edge" failed first, but it is optional: the push failed because of "secondary".
        assertThat(a.destinationId()).isEqualTo("secondary");
      });
    }
  }

  @Nested
  @DisplayName("repair")
  class Repair {
    private final MapDestination store = new MapDestination();
    private final DeadLetters deadLetters = new DeadLetters();
    private final PayloadRetention retention = new PayloadRetention(Long.MAX_VALUE);
    private final PermitQueue places = new PermitQueue(4, 16);

    private RepairScheduler scheduler(int maxRetries) {
      RepairOptions repair = RepairOptions.builder().initialDelay(DELAY).maxDelay(DELAY).jitter(0)
          .maxRetries(maxRetries).build();
      Map<String, Slot> byId = new java.util.HashMap<>();
      slots.forEach(s -> byId.put(s.id(), s));
      Verifier verifier = new Verifier(log, clock, engineEvents, byId);
      Repairer repairer = new Repairer(log, clock, engineEvents, byId, new Router(slots, verifier), verifier, retention);
      return new RepairScheduler(EngineTestSupport.config(log, clock, repair), slots, places, repairer, deadLetters,
          retention, engineEvents, executors, id -> false);
    }

    /** An open transaction whose copy at "primary" failed and is to be repaired, its payload retained. */
    private TransactionRecord failedAtPrimary(String id) {
      LogEntry.Started s = new LogEntry.Started(id, T0, "k/" + id, PAYLOAD.length, Md5.of(PAYLOAD), "", "",
          "application/octet-stream", Map.of(), List.of(new LogEntry.Target("mirror", true),
          new LogEntry.Target("primary", true)), 2, "");
      TransactionRecord r = io.dualpush.log.TransactionFold.apply(TransactionRecord.started(s),
          new LogEntry.CopyUpdated(id, T0, "mirror", CopyStatus.VERIFIED, Md5.of(PAYLOAD), "", false));
      r = io.dualpush.log.TransactionFold.apply(r,
          new LogEntry.CopyUpdated(id, T0, "primary", CopyStatus.FAILED, "", "down", false));
      retention.retain(id, () -> new ByteArrayInputStream(PAYLOAD), PAYLOAD.length, false);
      log.put(r);
      return r;
    }

    private void runDueRounds(RepairScheduler s) {
      s.tick();
      await().atMost(BOUND).until(() -> places.inUse() == 0);
    }

    @Test
    @DisplayName("a round that fails at a destination with another round to come raises RETRY_FAILURE naming both, at MEDIUM")
    void retryFailure() {
      log.folding = true;
      store.down = true;
      slot(DestinationOptions.of("primary"), store, CircuitBreakerOptions.disabled());
      RepairScheduler s = scheduler(5);
      s.afterPush(failedAtPrimary("t1"));
      clock.advance(DELAY);

      runDueRounds(s);

      await().atMost(BOUND).until(() -> !sink.of(Alert.Type.RETRY_FAILURE).isEmpty());
      assertThat(store.puts.get()).isEqualTo(1);
      assertThat(sink.of(Alert.Type.RETRY_FAILURE)).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Alert.Severity.MEDIUM);
        assertThat(a.transactionId()).isEqualTo("t1");
        assertThat(a.destinationId()).isEqualTo("primary");
        assertThat(a.message()).contains("round 1 of 5").contains("k/t1").contains("down");
      });
      assertThat(sink.of(Alert.Type.DEAD_LETTER)).isEmpty();
    }

    @Test
    @DisplayName("a round that verifies the copy raises no RETRY_FAILURE")
    void noRetryFailureWhenRepaired() {
      log.folding = true;
      slot(DestinationOptions.of("primary"), store, CircuitBreakerOptions.disabled());
      RepairScheduler s = scheduler(5);
      s.afterPush(failedAtPrimary("t1"));
      clock.advance(DELAY);

      runDueRounds(s);

      await().atMost(BOUND).until(() -> store.puts.get() == 1 && s.scheduled() == 0);
      assertThat(store.objects).containsKey("k/t1");
      assertThat(sink.raised).isEmpty();
    }

    @Test
    @DisplayName("the last round failing raises no RETRY_FAILURE, and dead-lettering raises DEAD_LETTER naming the destination not verified")
    void deadLetter() {
      log.folding = true;
      store.down = true;
      slot(DestinationOptions.of("primary"), store, CircuitBreakerOptions.disabled());
      RepairScheduler s = scheduler(1);
      s.afterPush(failedAtPrimary("t1"));
      clock.advance(DELAY);
      runDueRounds(s);
      await().atMost(BOUND).until(() -> log.records.get("t1").repairRounds() == 1);
      assertThat(sink.of(Alert.Type.RETRY_FAILURE)).isEmpty();

      clock.advance(DELAY.multipliedBy(2));
      runDueRounds(s);

      assertThat(sink.of(Alert.Type.DEAD_LETTER)).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.transactionId()).isEqualTo("t1");
        // "mirror" is verified: the copy left behind is the one at "primary".
        assertThat(a.destinationId()).isEqualTo("primary");
      });
    }
  }

  @Nested
  @DisplayName("PERFORMANCE_DEGRADATION")
  class Slow {
    private final LogEntry.Started started = EngineTestSupport.started("t1", T0, "k");

    private Verifier verifier(Slot slot) {
      return new Verifier(log, clock, engineEvents, Map.of(slot.id(), slot));
    }

    @Test
    @DisplayName("a copy written slower than the destination's slow-copy threshold raises it with the elapsed time")
    void slowCopy() {
      Slot slot = slot(DestinationOptions.builder("primary").slowCopyThreshold(Duration.ofMillis(200)).build(),
          new EngineTestSupport.NeverCalled(), CircuitBreakerOptions.disabled());

      verifier(slot).recordWrite(slot, started, new PutResult(true, "md5", Optional.empty()), null,
          Duration.ofMillis(1234));

      assertThat(sink.raised).singleElement().satisfies(a -> {
        assertThat(a.type()).isEqualTo(Alert.Type.PERFORMANCE_DEGRADATION);
        assertThat(a.severity()).isEqualTo(Alert.Severity.LOW);
        assertThat(a.transactionId()).isEqualTo("t1");
        assertThat(a.destinationId()).isEqualTo("primary");
        assertThat(a.message()).contains("1234 ms").contains("200 ms");
      });
    }

    @Test
    @DisplayName("a copy within the threshold raises nothing; by default the threshold is half the timeout")
    void fastCopy() {
      Slot slot = slot(DestinationOptions.builder("primary").timeout(Duration.ofSeconds(10)).build(),
          new EngineTestSupport.NeverCalled(), CircuitBreakerOptions.disabled());
      Verifier verifier = verifier(slot);

      verifier.recordWrite(slot, started, new PutResult(true, "md5", Optional.empty()), null, Duration.ofSeconds(5));
      assertThat(sink.raised).isEmpty();

      verifier.recordWrite(slot, started, new PutResult(true, "md5", Optional.empty()), null,
          Duration.ofMillis(5001));
      assertThat(sink.of(Alert.Type.PERFORMANCE_DEGRADATION)).hasSize(1);
    }
  }

  @Nested
  @DisplayName("CONNECTION_FAILURE")
  class Connection {
    private final CircuitBreakerOptions cb = CircuitBreakerOptions.builder().failureThreshold(2).openDelay(DELAY).build();
    private final CircuitBreaker breaker = new CircuitBreaker("east", cb, clock);

    @Test
    @DisplayName("is raised once when a destination goes down, with its id and the cause, and resolved at once when it is back")
    void downThenUp() {
      breaker.onStateChange(new DestinationStates(engineEvents).listener(
          DestinationOptions.builder("east").region("eastus2").build()));

      for (int i = 0; i < 5; i++) {
        breaker.onFailure(new RuntimeException("x"), "connection refused");
      }

      assertThat(sink.raised).singleElement().satisfies(a -> {
        assertThat(a.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.destinationId()).isEqualTo("east");
        assertThat(a.transactionId()).isEmpty();
        assertThat(a.message()).contains("east").contains("eastus2").contains("connection refused");
      });
      assertThat(sink.resolved).isEmpty();
      assertThat(events).extracting(DualPushEvent::type).containsExactly(DualPushEvent.Type.DESTINATION_DOWN);

      clock.advance(DELAY.plusSeconds(12));
      breaker.acquire();
      breaker.onSuccess();

      assertThat(sink.resolved).singleElement().satisfies(r -> {
        assertThat(r.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(r.destinationId()).isEqualTo("east");
        assertThat(r.message()).contains("back after 72.0 s");
        assertThat(r.at()).isEqualTo(clock.instant());
      });
      assertThat(sink.raised).hasSize(1);
      assertThat(events).extracting(DualPushEvent::type)
          .containsExactly(DualPushEvent.Type.DESTINATION_DOWN, DualPushEvent.Type.DESTINATION_UP);
    }
  }

  @Nested
  @DisplayName("severity map")
  class Severities {
    @Test
    @DisplayName("an override changes the severity of its type's alerts and resolves and leaves other types at their default")
    void override() {
      Map<Alert.Type, Alert.Severity> map = new EnumMap<>(Alert.Type.class);
      map.put(Alert.Type.CONNECTION_FAILURE, Alert.Severity.CRITICAL);
      Events overridden = new Events(List.of(), SeverityOverridingSink.wrap(sink, map), clock);

      overridden.alert(Alert.Type.CONNECTION_FAILURE, "down", "", "east");
      overridden.alert(Alert.Type.PUSH_FAILURE, "failed", "t1", "east");
      overridden.resolve(Alert.Type.CONNECTION_FAILURE, "back", "east");

      assertThat(sink.raised).extracting(Alert::type, Alert::severity).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Alert.Type.CONNECTION_FAILURE, Alert.Severity.CRITICAL),
          org.assertj.core.groups.Tuple.tuple(Alert.Type.PUSH_FAILURE, Alert.Severity.HIGH));
      assertThat(sink.resolved).extracting(Alert::severity).containsExactly(Alert.Severity.CRITICAL);
    }

    @Test
    @DisplayName("with no override the sink is handed on as it is")
    void noOverride() {
      assertThat(SeverityOverridingSink.wrap(sink, Map.of())).isSameAs(sink);
    }
  }
}
