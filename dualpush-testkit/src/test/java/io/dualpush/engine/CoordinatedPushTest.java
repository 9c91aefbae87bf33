package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.NotActiveException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.RetryOptions;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.spi.WriteRequest;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryLeaseStore;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.dualpush.testkit.ManualClock;
import io.dualpush.testkit.RecordingAlertSink;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The push path under an {@link ActiveRegionCoordinator} (G6): admission refuses a process that is not
 * active, every write carries the lease's token, a lost lease leaves copies pending (never failed or
 * verified), and repairs wait while standing by.
 */
@DisplayName("Pushes fenced by an active-region coordinator")
class CoordinatedPushTest {
  static final Duration TTL = Duration.ofSeconds(9);
  static final Duration RENEW = Duration.ofSeconds(3);

  /** The lease's clock and ticker, apart from the client's, so that repair time and lease time move separately. */
  final ManualClock leaseClock = new ManualClock();
  final ManualClock clock = new ManualClock();
  final InMemoryLeaseStore memory = new InMemoryLeaseStore(leaseClock);
  final ActiveRegionCoordinatorTest.ControlledStore store = new ActiveRegionCoordinatorTest.ControlledStore(memory);
  final InMemoryDestination primaryStore = new InMemoryDestination("primary", clock);
  final InMemoryDestination secondaryStore = new InMemoryDestination("secondary", clock);
  final RecordingDestination primary = new RecordingDestination(primaryStore);
  final FaultInjectingDestination secondaryFaults = FaultInjectingDestination.wrap(secondaryStore);
  final RecordingDestination secondary = new RecordingDestination(secondaryFaults);
  final InMemoryTransactionLog log = new InMemoryTransactionLog();
  final RecordingAlertSink alerts = new RecordingAlertSink();
  ActiveRegionCoordinator coordinator;
  DualPushAsyncClient client;

  @AfterEach
  void close() {
    store.unblock();
    if (client != null) {
      client.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
  }

  long nanos() {
    Instant i = leaseClock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  ActiveRegionCoordinator coordinator(String owner) {
    return ActiveRegionCoordinator.builder().leaseStore(store).leaseName("active_dc").owner(owner).ttl(TTL)
        .retryInterval(Duration.ofSeconds(1)).ticker(this::nanos).clock(leaseClock).healthInterval(Duration.ofMillis(20))
        .build();
  }

  DualPushAsyncClient client(Destination second) {
    coordinator = coordinator("region-a");
    client = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").timeout(Duration.ofSeconds(5)).build(), primary)
        .destination(DestinationOptions.builder("secondary").timeout(Duration.ofSeconds(5)).build(), second)
        .transactionLog(log).clock(clock).alertSink(alerts).coordinator(coordinator)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).build())
        .repair(Fixture.repair(3))
        .buildAsyncClient();
    return client;
  }

  void activate() throws InterruptedException {
    coordinator.start();
    assertThat(coordinator.awaitActive(Duration.ofSeconds(10))).isTrue();
  }

  static PushRequest request(String key, String content, String messageId) {
    return PushRequest.builder(key, io.dualpush.PushContent.ofBytes(content.getBytes(StandardCharsets.UTF_8))).messageId(messageId).build();
  }

  static Throwable failure(CompletableFuture<PushReceipt> push) {
    try {
      push.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the push succeeded");
  }

  @Nested
  @DisplayName("admission")
  class Admission {
    @Test
    @DisplayName("a push while standing by is refused with NotActiveException before anything is logged, and accepted once active")
    void refusedWhileStandbyAcceptedWhenActive() throws Exception {
      memory.acquire("active_dc", "region-b", TTL);
      client(secondary);
      coordinator.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> coordinator.role() == ActiveRegionCoordinator.Role.STANDBY);

      assertThatThrownBy(() -> client.push(request("gold/a.csv", "a", "msg-1")))
          .isInstanceOfSatisfying(NotActiveException.class, e -> {
            assertThat(e.lease()).isEqualTo("active_dc");
            assertThat(e.role()).isEqualTo(ActiveRegionCoordinator.Role.STANDBY);
          });
      assertThat(log.recent(10)).as("nothing logged").isEmpty();
      assertThat(primaryStore.size() + secondaryStore.size()).as("nothing written").isZero();

      leaseClock.advance(TTL.plusSeconds(1)); // region-b's lease lapses; region-a retries every second
      assertThat(coordinator.awaitActive(Duration.ofSeconds(10))).isTrue();
      PushReceipt receipt = client.push(request("gold/a.csv", "a", "msg-1")).get(10, TimeUnit.SECONDS);
      assertThat(receipt.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(receipt.duplicate()).as("the refused push claimed nothing").isFalse();
    }
  }

  @Nested
  @DisplayName("fencing tokens")
  class Tokens {
    @Test
    @DisplayName("every write the engine sends, first copies and repairs, carries the lease's fencing token")
    void everyWriteCarriesToken() throws Exception {
      client(secondary);
      activate();
      long token = coordinator.requireActive();
      client.push(request("gold/a.csv", "a", "m-a")).get(10, TimeUnit.SECONDS);
      client.push(request("gold/b.csv", "b", "m-b")).get(10, TimeUnit.SECONDS);
      secondaryFaults.failNext(1, false);
      Throwable failed = failure(client.push(request("gold/c.csv", "c", "m-c")));
      assertThat(failed).isInstanceOf(io.dualpush.PushFailedException.class);
      String id = ((io.dualpush.PushFailedException) failed).receipt().transactionId();
      client.retryFailed(id).get(10, TimeUnit.SECONDS);
      assertThat(log.read(id)).map(TransactionRecord::state).contains(TransactionState.VERIFIED);

      assertThat(primary.tokens).hasSize(3);
      assertThat(secondary.tokens).hasSizeGreaterThanOrEqualTo(4); // 3 first copies (one failed) and a repair
      assertThat(primary.tokens).allMatch(t -> t.equals(OptionalLong.of(token)));
      assertThat(secondary.tokens).allMatch(t -> t.equals(OptionalLong.of(token)));
      assertThat(secondaryStore.stored("gold/c.csv")).map(InMemoryDestination.Stored::fencingToken).contains(token);
    }

    @Test
    @DisplayName("token taken, lease lost, newer holder writes, old write lands: refused, copy left pending, push not VERIFIED")
    void staleWriteLeavesCopyPending() throws Exception {
      GatedDestination gated = new GatedDestination(secondary).holdPuts();
      client(gated);
      activate();
      long token = coordinator.requireActive();
      CompletableFuture<PushReceipt> push = client.push(request("gold/x.csv", "old region's data", "m-x"));
      await().atMost(Duration.ofSeconds(5)).until(() -> gated.waiting() == 1); // the token is taken

      // region-a freezes past its TTL; region-b takes the lease and writes the key with its newer token.
      store.refuseRenewals = true;
      store.refuseAcquires = true; // region-b, not region-a again, takes the lapsed lease
      leaseClock.advance(TTL.plusSeconds(1));
      long newer = memory.acquire("active_dc", "region-b", TTL).orElseThrow().fencingToken();
      assertThat(newer).isGreaterThan(token);
      secondaryStore.put(new WriteRequest("gold/x.csv", 3, io.dualpush.spi.Md5.of("new".getBytes(StandardCharsets.UTF_8)),
          "application/octet-stream", Map.of(), "txn-b", "", OptionalLong.of(newer),
          () -> new java.io.ByteArrayInputStream("new".getBytes(StandardCharsets.UTF_8))));

      gated.open(); // region-a's late write lands
      Throwable failed = failure(push);
      assertThat(failed).isInstanceOf(NotActiveException.class).hasMessageContaining("stale fencing token")
          .cause().isInstanceOf(StaleFencingTokenException.class);
      assertThat(secondaryStore.bytes("gold/x.csv")).contains("new".getBytes(StandardCharsets.UTF_8));
      TransactionRecord r = log.recent(1).get(0);
      assertThat(r.state()).isNotEqualTo(TransactionState.VERIFIED);
      assertThat(r.state().isTerminal()).isFalse();
      assertThat(r.copy("secondary")).map(c -> c.status()).contains(CopyStatus.PENDING);
      assertThat(r.deadLetterReason()).isEmpty();
      assertThat(alerts.alertsOfType(Alert.Type.PUSH_FAILURE)).isEmpty();
      assertThat(client.health().get(10, TimeUnit.SECONDS).get("secondary").circuitBreaker().consecutiveFailures())
          .as("a stale writer is not a failing destination").isZero();
    }
  }

  @Nested
  @DisplayName("a write that lands after the lease was lost, before any newer holder wrote")
  class LateButFirst {
    @Test
    @DisplayName("is accepted and verified (its bytes are there), and the newer holder's token then fences it out")
    void lateWriteBeforeNewerHolderIsAcceptedThenFenced() throws Exception {
      GatedDestination gated = new GatedDestination(secondary).holdPuts();
      client(gated);
      activate();
      CompletableFuture<PushReceipt> push = client.push(request("gold/y.csv", "old region's data", "m-y"));
      await().atMost(Duration.ofSeconds(5)).until(() -> gated.waiting() == 1); // the token (1) is taken
      store.refuseRenewals = true;
      store.refuseAcquires = true; // region-b, not region-a again, takes the lapsed lease
      leaseClock.advance(TTL.plusSeconds(1));
      assertThat(coordinator.isActive()).isFalse();

      gated.open(); // no newer token has acted on the key: nothing to refuse it
      assertThat(push.get(10, TimeUnit.SECONDS).state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(secondaryStore.stored("gold/y.csv")).map(InMemoryDestination.Stored::fencingToken).contains(1L);

      long newer = memory.acquire("active_dc", "region-b", TTL).orElseThrow().fencingToken();
      byte[] b = "region-b's data".getBytes(StandardCharsets.UTF_8);
      secondaryStore.put(new WriteRequest("gold/y.csv", b.length, io.dualpush.spi.Md5.of(b), "text/csv", Map.of(),
          "txn-b", "", OptionalLong.of(newer), () -> new java.io.ByteArrayInputStream(b)));
      byte[] late = "old region again".getBytes(StandardCharsets.UTF_8);
      assertThatThrownBy(() -> secondaryStore.put(new WriteRequest("gold/y.csv", late.length,
          io.dualpush.spi.Md5.of(late), "text/csv", Map.of(), "txn-a2", "", OptionalLong.of(1),
          () -> new java.io.ByteArrayInputStream(late)))).isInstanceOf(StaleFencingTokenException.class);
      assertThat(secondaryStore.bytes("gold/y.csv")).contains(b);
    }
  }

  @Nested
  @DisplayName("repair")
  class Repair {
    @Test
    @DisplayName("repairs wait while standing by, neither written nor counted, and run with the new token once active")
    void repairsDeferredWhileStandby() throws Exception {
      client(secondary);
      activate();
      secondaryFaults.failNext(1, false);
      Throwable failed = failure(client.push(request("gold/r.csv", "r", "m-r")));
      String id = ((io.dualpush.PushFailedException) failed).receipt().transactionId();
      int writesBefore = secondary.tokens.size();

      store.refuseRenewals = true;
      leaseClock.advance(RENEW);
      await().atMost(Duration.ofSeconds(5)).until(() -> !coordinator.isActive());
      for (int i = 0; i < 10; i++) {
        clock.advance(Fixture.REPAIR_DELAY.multipliedBy(16)); // every round due, many times over
        Thread.sleep(20); // lets the 5 ms repair ticks run; the assertions below do not depend on it
      }
      TransactionRecord waiting = log.read(id).orElseThrow();
      assertThat(waiting.repairRounds()).isZero();
      assertThat(waiting.deadLetterReason()).isEmpty();
      assertThat(secondary.tokens).hasSize(writesBefore);

      store.refuseRenewals = false;
      leaseClock.advance(TTL.plusSeconds(1)); // its own old lease lapses; it acquires anew
      assertThat(coordinator.awaitActive(Duration.ofSeconds(10))).isTrue();
      long token = coordinator.requireActive();
      assertThat(token).isEqualTo(2);
      clock.advance(Fixture.REPAIR_DELAY.multipliedBy(16));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> log.read(id).map(TransactionRecord::state).orElseThrow() == TransactionState.VERIFIED);
      assertThat(secondary.tokens.get(secondary.tokens.size() - 1)).isEqualTo(OptionalLong.of(token));
    }
  }

  @Nested
  @DisplayName("watchdog")
  class Watchdog {
    @Test
    @DisplayName("a destination going down while active raises one CONNECTION_FAILURE alert through the client's sink")
    void destinationDownWhileActiveAlerts() throws Exception {
      client(secondary);
      activate();
      secondaryFaults.partition();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> !alerts.alertsOfType(Alert.Type.CONNECTION_FAILURE).isEmpty());
      Alert alert = alerts.alertsOfType(Alert.Type.CONNECTION_FAILURE).get(0);
      assertThat(alert.destinationId()).isEqualTo("secondary");
      assertThat(alert.severity()).isEqualTo(Alert.Severity.HIGH);
      assertThat(alert.message()).contains("active_dc", "partitioned");
      Thread.sleep(100); // several more probes of the same outage: the assertion below does not depend on timing
      assertThat(alerts.alertsOfType(Alert.Type.CONNECTION_FAILURE)).as("once per outage").hasSize(1);
    }
  }

  /** Records the fencing token of every write it passes on. */
  static final class RecordingDestination implements Destination {
    final Destination delegate;
    final List<OptionalLong> tokens = new CopyOnWriteArrayList<>();

    RecordingDestination(Destination delegate) {
      this.delegate = delegate;
    }

    @Override
    public PutResult put(WriteRequest request) {
      tokens.add(request.fencingToken());
      return delegate.put(request);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return delegate.head(key);
    }

    @Override
    public Optional<InputStream> get(String key) {
      return delegate.get(key);
    }

    @Override
    public boolean delete(String key) {
      return delegate.delete(key);
    }

    @Override
    public HealthStatus probe() {
      return delegate.probe();
    }

    @Override
    public String describe() {
      return delegate.describe();
    }

    @Override
    public boolean supportsFencing() {
      return delegate.supportsFencing();
    }
  }
}
