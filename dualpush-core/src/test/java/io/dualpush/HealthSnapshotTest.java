package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.HealthSnapshot.Status;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogStats;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("DualPushClient.healthSnapshot()")
class HealthSnapshotTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final byte[] BYTES = {1, 2, 3};

  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock(T0);
  private final CountDownLatch hang = new CountDownLatch(1);
  /** "transaction@destination" of every copy settled (verified or failed), as the events tell. */
  private final Set<String> settled = ConcurrentHashMap.newKeySet();
  private DualPushClient client;

  @AfterEach
  void tearDown() {
    hang.countDown();
    if (client != null) {
      client.close();
    }
  }

  private Controlled destination(String name) throws Exception {
    return new Controlled(new FileSystemDestination(Files.createDirectories(dir.resolve(name))), hang);
  }

  private DualPushClientBuilder builder(Controlled dr, boolean drRequired) throws Exception {
    return builder(dr, drRequired, CircuitBreakerOptions.builder().failureThreshold(2).openDelay(Duration.ofMinutes(1))
        .build());
  }

  private DualPushClientBuilder builder(Controlled dr, boolean drRequired, CircuitBreakerOptions breaker)
      throws Exception {
    return builder(dr, drRequired, breaker,
        RepairOptions.builder().initialDelay(Duration.ofHours(1)).maxDelay(Duration.ofHours(2)).build());
  }

  private DualPushClientBuilder builder(Controlled dr, boolean drRequired, CircuitBreakerOptions breaker,
      RepairOptions repair) throws Exception {
    return new DualPushClientBuilder()
        .destination("primary", new FileSystemDestination(Files.createDirectories(dir.resolve("primary"))))
        .destination(DestinationOptions.builder("dr").required(drRequired).region("westeurope").build(), dr)
        .retry(RetryOptions.none())
        .circuitBreaker(breaker)
        .repair(repair)
        .clock(clock)
        .listener(e -> {
          if (e.type() == DualPushEvent.Type.COPY_VERIFIED || e.type() == DualPushEvent.Type.COPY_FAILED) {
            settled.add(e.transactionId() + "@" + e.destinationId());
          }
        });
  }

  /** Pushes and waits until the optional copy at dr has settled too (the ack does not wait for it). */
  private PushReceipt pushSettled(int i) {
    PushReceipt r = client.push(request(i));
    await().atMost(BOUND).until(() -> settled.contains(r.transactionId() + "@dr"));
    return r;
  }

  private static PushRequest request(int i) {
    return PushRequest.of("gold/" + i + ".csv", PushContent.ofBytes(BYTES));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Nested
  @DisplayName("a destination's component")
  class Destinations {
    @Test
    @DisplayName("turns DOWN with its breaker's since and cause and its last failure when it fails until the breaker "
        + "opens, then UP with its last success when it is back")
    void downThenUp() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      pushSettled(0);
      Instant firstSuccess = clock.instant();

      clock.advance(Duration.ofSeconds(5));
      Instant failedAt = clock.instant();
      dr.failPuts.set(true);
      pushSettled(1);
      pushSettled(2);

      HealthSnapshot down = client.healthSnapshot();
      HealthComponent c = down.component("destination:dr").orElseThrow();
      assertThat(c.status()).isEqualTo(Status.DOWN);
      Map<String, Object> breaker = map(c.details().get("circuitBreaker"));
      assertThat(breaker).containsEntry("state", "OPEN").containsEntry("since", failedAt.toString());
      assertThat((String) breaker.get("openingCause")).contains("injected outage");
      assertThat(c.detail()).contains("Circuit breaker open since " + failedAt).contains("injected outage");
      assertThat(map(c.details().get("lastFailure"))).containsEntry("at", failedAt.toString());
      assertThat((String) map(c.details().get("lastFailure")).get("cause")).contains("injected outage");
      assertThat(c.details()).containsEntry("lastSuccess", firstSuccess.toString()).containsEntry("required", false)
          .containsEntry("region", "westeurope");
      assertThat(down.component("destination:primary").orElseThrow().status()).isEqualTo(Status.UP);
      assertThat(down.overall()).as("an optional destination down degrades, it does not fail the client")
          .isEqualTo(Status.DEGRADED);

      dr.failPuts.set(false);
      clock.advance(Duration.ofMinutes(2));
      assertThat(client.healthSnapshot().component("destination:dr").orElseThrow().status())
          .as("half-open once the open delay has passed").isEqualTo(Status.DEGRADED);
      Instant backAt = clock.instant();
      pushSettled(3);

      HealthSnapshot up = client.healthSnapshot();
      HealthComponent back = up.component("destination:dr").orElseThrow();
      assertThat(back.status()).isEqualTo(Status.UP);
      assertThat(map(back.details().get("circuitBreaker"))).containsEntry("state", "CLOSED")
          .containsEntry("since", backAt.toString()).doesNotContainKey("openingCause");
      assertThat(back.details()).containsEntry("lastSuccess", backAt.toString());
      assertThat(map(back.details().get("lastFailure"))).containsEntry("at", failedAt.toString());
      assertThat(back.checkedAt()).isEqualTo(backAt);
      assertThat(up.overall()).isEqualTo(Status.UP);
    }

    @Test
    @DisplayName("a required destination down makes the client DOWN")
    void requiredDown() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, true).transactionLog(dir.resolve("log")).buildClient();
      dr.failPuts.set(true);
      for (int i = 0; i < 2; i++) {
        int n = i;
        assertThatThrownBy(() -> client.push(request(n))).isInstanceOf(PushFailedException.class);
      }

      HealthSnapshot snapshot = client.healthSnapshot();

      assertThat(snapshot.component("destination:dr").orElseThrow().status()).isEqualTo(Status.DOWN);
      assertThat(snapshot.overall()).isEqualTo(Status.DOWN);
    }

    @Test
    @DisplayName("a destination whose last copy failed, breaker still closed, is DEGRADED with the cause")
    void lastCopyFailed() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      dr.failPuts.set(true);
      pushSettled(0);

      HealthComponent c = client.healthSnapshot().component("destination:dr").orElseThrow();

      assertThat(c.status()).isEqualTo(Status.DEGRADED);
      assertThat(c.detail()).contains("the last copy failed").contains("injected outage");
      assertThat(map(c.details().get("circuitBreaker"))).containsEntry("state", "CLOSED")
          .containsEntry("consecutiveFailures", 1);
    }

    @Test
    @DisplayName("a failing probe makes the destination DOWN with the probe's detail")
    void probeFails() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      dr.probeFails.set(true);

      HealthComponent c = client.healthSnapshot().component("destination:dr").orElseThrow();

      assertThat(c.status()).isEqualTo(Status.DOWN);
      assertThat(map(c.details().get("probe"))).containsEntry("healthy", false).containsEntry("detail", "probe refused");
    }

    @Test
    @DisplayName("a probe that hangs is cut off at the snapshot's wait and reported DOWN, saying so")
    void hangingProbeBounded() throws Exception {
      Controlled dr = destination("dr");
      client = new DualPushClientBuilder()
          .destination("primary", new FileSystemDestination(Files.createDirectories(dir.resolve("primary"))))
          .destination(DestinationOptions.builder("dr").required(false).timeout(Duration.ofHours(1)).build(), dr)
          .transactionLog(dir.resolve("log")).clock(clock).buildClient();
      dr.probeHangs.set(true);

      CompletableFuture<HealthSnapshot> taken = client.async().healthSnapshot(Duration.ofMillis(200));

      await().atMost(BOUND).until(taken::isDone);
      HealthSnapshot snapshot = taken.join();
      HealthComponent c = snapshot.component("destination:dr").orElseThrow();
      assertThat(c.status()).isEqualTo(Status.DOWN);
      assertThat((String) map(c.details().get("probe")).get("detail"))
          .isEqualTo("the probe did not finish within the snapshot's wait of 200 ms");
      assertThat(snapshot.component("destination:primary").orElseThrow().status()).isEqualTo(Status.UP);
      assertThat(dr.probes.get()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("the transaction log's component")
  class Log {
    @Test
    @DisplayName("shows the file log writable with its segments, size and last sync latency")
    void fileLogStats() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      client.push(request(0));

      HealthComponent c = client.healthSnapshot().component("transactionLog").orElseThrow();

      assertThat(c.status()).isEqualTo(Status.UP);
      assertThat(c.details()).containsEntry("writable", true).containsEntry("segments", 1)
          .containsKey("lastSyncLatencyMicros");
      long onDisk;
      try (var files = Files.list(dir.resolve("log"))) {
        onDisk = files.filter(p -> p.getFileName().toString().endsWith(".wal")).mapToLong(p -> p.toFile().length()).sum();
      }
      assertThat((Long) c.details().get("sizeBytes")).isPositive().isEqualTo(onDisk);
    }

    @Test
    @DisplayName("a log that refuses appends is DOWN with its failure, and the client DOWN")
    void notWritable() throws Exception {
      Controlled dr = destination("dr");
      try (FileTransactionLog file = FileTransactionLog.open(Files.createDirectories(dir.resolve("log")))) {
        Broken log = new Broken(file);
        client = builder(dr, false).transactionLog(log).buildClient();

        HealthSnapshot snapshot = client.healthSnapshot();

        HealthComponent c = snapshot.component("transactionLog").orElseThrow();
        assertThat(c.status()).isEqualTo(Status.DOWN);
        assertThat(c.detail()).contains("disk full (injected)");
        assertThat(c.details()).containsEntry("writable", false);
        assertThat(snapshot.overall()).isEqualTo(Status.DOWN);
        client.close();
        client = null;
      }
    }
  }

  @Nested
  @DisplayName("the dedupe store's component")
  class Dedupe {
    @Test
    @DisplayName("a store whose probe hangs is DOWN at the snapshot's wait, and is not probed again while it hangs")
    void hangingDedupe() throws Exception {
      Controlled dr = destination("dr");
      HangingDedupe store = new HangingDedupe(hang);
      client = builder(dr, false).dedupeStore(store).transactionLog(dir.resolve("log")).buildClient();

      CompletableFuture<HealthSnapshot> first = client.async().healthSnapshot(Duration.ofMillis(100));
      await().atMost(BOUND).until(first::isDone);
      CompletableFuture<HealthSnapshot> second = client.async().healthSnapshot(Duration.ofMillis(100));
      await().atMost(BOUND).until(second::isDone);

      HealthComponent c = first.join().component("dedupeStore").orElseThrow();
      assertThat(c.status()).isEqualTo(Status.DOWN);
      assertThat(c.detail()).contains("did not finish within the snapshot's wait of 100 ms");
      HealthComponent again = second.join().component("dedupeStore").orElseThrow();
      assertThat(again.status()).isEqualTo(Status.DOWN);
      assertThat((String) again.details().get("detail")).contains("the previous probe").contains("has not returned");
      assertThat(store.probes.get()).isEqualTo(1);
      assertThat(first.join().overall()).isEqualTo(Status.DEGRADED);
    }

    @Test
    @DisplayName("the default store is UP")
    void defaultStore() throws Exception {
      client = builder(destination("dr"), false).transactionLog(dir.resolve("log")).buildClient();

      assertThat(client.healthSnapshot().component("dedupeStore").orElseThrow().status()).isEqualTo(Status.UP);
    }
  }

  @Nested
  @DisplayName("the repair backlog's component")
  class Backlog {
    @Test
    @DisplayName("is DEGRADED once the oldest open transaction is older than the recovery-point budget")
    void overBudget() throws Exception {
      Controlled dr = destination("dr");
      client = new DualPushClientBuilder()
          .destination("primary", new FileSystemDestination(Files.createDirectories(dir.resolve("primary"))))
          .destination(DestinationOptions.builder("dr").required(false).recoveryPointBudget(Duration.ofMinutes(1))
              .build(), dr)
          .retry(RetryOptions.none())
          .repair(RepairOptions.builder().initialDelay(Duration.ofHours(1)).maxDelay(Duration.ofHours(2)).build())
          .transactionLog(dir.resolve("log")).clock(clock).buildClient();
      dr.failPuts.set(true);
      client.push(request(0));

      HealthComponent within = client.healthSnapshot().component("repairBacklog").orElseThrow();
      clock.advance(Duration.ofMinutes(2));
      HealthComponent over = client.healthSnapshot().component("repairBacklog").orElseThrow();

      assertThat(within.status()).isEqualTo(Status.UP);
      assertThat(within.details()).containsEntry("openTransactions", 1);
      assertThat(over.status()).isEqualTo(Status.DEGRADED);
      assertThat(over.details()).containsEntry("oldestOpenAgeMillis", Duration.ofMinutes(2).toMillis())
          .containsEntry("recoveryPointBudgetMillis", Duration.ofMinutes(1).toMillis());
      assertThat(over.detail()).contains("recovery-point budget at dr");
      assertThat(over.details()).containsEntry("overBudget", List.of("dr"));
      assertThat(client.healthSnapshot().component("destination:dr").orElseThrow().details())
          .containsEntry("backlogCopies", 1L).containsEntry("overBudget", true)
          .containsEntry("oldestPendingAgeMillis", Duration.ofMinutes(2).toMillis());
    }
  }

  @Nested
  @DisplayName("the coordinator's component")
  class Coordinator {
    @Test
    @DisplayName("is UP while active with its token, DOWN standing by with the failure's type (never its message) "
        + "while the lease store fails, and UP again with a new token once it answers")
    void leaseStoreOutage() throws Exception {
      FailingLeases leases = new FailingLeases();
      try (ActiveRegionCoordinator coordinator = ActiveRegionCoordinator.builder().leaseStore(leases)
          .leaseName("health").ttl(Duration.ofMillis(900)).build()) {
        coordinator.start();
        assertThat(coordinator.awaitActive(BOUND)).isTrue();
        client = builder(destination("dr"), false).coordinator(coordinator).transactionLog(dir.resolve("log"))
            .buildClient();

        HealthComponent active = client.healthSnapshot().component("coordinator").orElseThrow();
        assertThat(active.status()).as(active.detail()).isEqualTo(Status.UP);
        assertThat(active.details()).containsEntry("role", "ACTIVE").containsEntry("fencingToken", 1L)
            .containsEntry("leaseName", "health").containsKey("activeRemainingMillis");

        leases.failing.set(true);
        AtomicReference<HealthSnapshot> down = new AtomicReference<>();
        await().atMost(BOUND).until(() -> {
          down.set(client.healthSnapshot());
          return down.get().component("coordinator").orElseThrow().status() == Status.DOWN;
        });
        HealthComponent standby = down.get().component("coordinator").orElseThrow();
        assertThat(standby.details()).containsEntry("role", "STANDBY").doesNotContainKey("fencingToken");
        assertThat((String) standby.details().get("storeFailure")).contains("DestinationException");
        assertThat(standby.detail()).contains("the lease store cannot be reached");
        assertThat(down.get().overall()).isEqualTo(Status.DEGRADED);
        assertThat(down.get().toMap().toString()).doesNotContain(FailingLeases.SECRET);

        leases.failing.set(false);
        // Standing by without a failure is UP too (another holder, or its own lapsing lease): wait for ACTIVE.
        AtomicReference<HealthComponent> back = new AtomicReference<>();
        await().atMost(BOUND).until(() -> {
          back.set(client.healthSnapshot().component("coordinator").orElseThrow());
          return "ACTIVE".equals(back.get().details().get("role"));
        });
        assertThat(back.get().status()).isEqualTo(Status.UP);
        assertThat(back.get().details()).containsEntry("fencingToken", 2L).doesNotContainKey("storeFailure");
        client.close();
        client = null;
      }
    }
  }

  @Nested
  @DisplayName("recent activity")
  class Recent {
    @Test
    @DisplayName("counts what was pushed by outcome, and the minute and the hour roll with the clock")
    void countsAndRolls() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, true, CircuitBreakerOptions.disabled()).transactionLog(dir.resolve("log")).buildClient();
      for (int i = 0; i < 3; i++) {
        client.push(request(i));
      }
      clock.advance(Duration.ofSeconds(30));
      dr.failPuts.set(true);
      for (int i = 3; i < 5; i++) {
        int n = i;
        assertThatThrownBy(() -> client.push(request(n))).isInstanceOf(PushFailedException.class);
      }

      PushCounts expected = new PushCounts(5, 3, 0, 2, 0);
      assertThat(client.healthSnapshot().recent()).isEqualTo(new RecentActivity(expected, expected));

      clock.advance(Duration.ofSeconds(40));
      assertThat(client.healthSnapshot().recent())
          .as("the first three are over a minute old; the last two are not")
          .isEqualTo(new RecentActivity(new PushCounts(2, 0, 0, 2, 0), expected));

      clock.advance(Duration.ofMinutes(2));
      assertThat(client.healthSnapshot().recent()).isEqualTo(new RecentActivity(PushCounts.NONE, expected));

      clock.advance(Duration.ofMinutes(60));
      assertThat(client.healthSnapshot().recent()).isEqualTo(new RecentActivity(PushCounts.NONE, PushCounts.NONE));
    }

    @Test
    @DisplayName("counts a push acknowledged while an optional copy is still pending as partial")
    void partial() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      dr.blockPuts.set(true);

      client.push(request(0));

      assertThat(client.healthSnapshot().recent().lastMinute()).isEqualTo(new PushCounts(1, 0, 1, 0, 0));
    }

    @Test
    @DisplayName("counts a transaction repair gave up on as dead-lettered")
    void deadLettered() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, true, CircuitBreakerOptions.disabled(), RepairOptions.builder().maxRetries(0).build())
          .transactionLog(dir.resolve("log")).buildClient();
      dr.failPuts.set(true);
      assertThatThrownBy(() -> client.push(request(0))).isInstanceOf(PushFailedException.class);

      clock.advance(Duration.ofSeconds(10)); // the repair is due after its initial delay, on the client's clock

      await().atMost(BOUND).until(() -> client.stats().deadLettered() == 1);
      assertThat(client.healthSnapshot().recent().lastMinute()).isEqualTo(new PushCounts(1, 0, 0, 1, 1));
    }
  }

  @Nested
  @DisplayName("toMap()")
  class Rendering {
    @Test
    @DisplayName("holds only JSON-native values, recursively, with every component by name")
    void jsonNative() throws Exception {
      Controlled dr = destination("dr");
      client = builder(dr, false).transactionLog(dir.resolve("log")).buildClient();
      pushSettled(0);
      dr.failPuts.set(true);
      pushSettled(1);
      pushSettled(2);

      HealthSnapshot snapshot = client.healthSnapshot();
      Map<String, Object> json = snapshot.toMap();

      assertJsonNative(json, "$");
      assertThat(json).containsEntry("status", "DEGRADED").containsEntry("at", snapshot.at().toString());
      assertThat(map(json.get("components"))).containsOnlyKeys("destination:primary", "destination:dr",
          "transactionLog", "repairBacklog", "dedupeStore");
      Map<String, Object> drMap = map(map(json.get("components")).get("destination:dr"));
      assertThat(drMap).containsEntry("status", "DOWN").containsEntry("kind", "DESTINATION");
      assertThat(map(map(json.get("recent")).get("lastMinute"))).containsEntry("pushes", 3L);
    }

    private void assertJsonNative(Object value, String path) {
      if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
        return;
      }
      if (value instanceof Map<?, ?> m) {
        m.forEach((k, v) -> {
          assertThat(k).as(path + " key").isInstanceOf(String.class);
          assertJsonNative(v, path + "." + k);
        });
        return;
      }
      if (value instanceof List<?> l) {
        for (int i = 0; i < l.size(); i++) {
          assertJsonNative(l.get(i), path + "[" + i + "]");
        }
        return;
      }
      throw new AssertionError(path + " is a " + value.getClass().getName() + ", not a JSON-native value");
    }
  }

  @Test
  @DisplayName("refuses a wait that is not positive, naming maxWait")
  void refusesBadWait() throws Exception {
    client = builder(destination("dr"), false).transactionLog(dir.resolve("log")).buildClient();

    assertThatThrownBy(() -> client.healthSnapshot(Duration.ZERO)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("maxWait");
  }

  // ---------------------------------------------------------------- fakes

  /** A destination over a directory whose puts and probe fail or hang on demand. */
  static final class Controlled implements Destination {
    final AtomicBoolean failPuts = new AtomicBoolean();
    final AtomicBoolean probeFails = new AtomicBoolean();
    final AtomicBoolean probeHangs = new AtomicBoolean();
    final AtomicBoolean blockPuts = new AtomicBoolean();
    final AtomicInteger probes = new AtomicInteger();
    private final FileSystemDestination delegate;
    private final CountDownLatch hang;

    Controlled(FileSystemDestination delegate, CountDownLatch hang) {
      this.delegate = delegate;
      this.hang = hang;
    }

    @Override
    public PutResult put(WriteRequest request) {
      if (failPuts.get()) {
        throw new DestinationException("dr", true, "injected outage");
      }
      if (blockPuts.get()) {
        try {
          hang.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
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
      probes.incrementAndGet();
      if (probeHangs.get()) {
        try {
          hang.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return probeFails.get() ? HealthStatus.unhealthy(Duration.ZERO, "probe refused") : delegate.probe();
    }

    @Override
    public String describe() {
      return "controlled " + delegate.describe();
    }
  }

  /** An in-process lease store that fails every call, with a secret in the message, while told to. */
  static final class FailingLeases implements io.dualpush.spi.LeaseStore {
    static final String SECRET = "password=hunter2";
    final AtomicBoolean failing = new AtomicBoolean();
    private final io.dualpush.local.InProcessLeaseStore delegate = new io.dualpush.local.InProcessLeaseStore();

    private void check() {
      if (failing.get()) {
        throw new DestinationException("leases", true, "cannot reach the lease store with " + SECRET);
      }
    }

    @Override
    public Optional<io.dualpush.spi.Lease> acquire(String name, String owner, Duration ttl) {
      check();
      return delegate.acquire(name, owner, ttl);
    }

    @Override
    public Optional<io.dualpush.spi.Lease> renew(io.dualpush.spi.Lease lease, Duration ttl) {
      check();
      return delegate.renew(lease, ttl);
    }

    @Override
    public boolean release(io.dualpush.spi.Lease lease) {
      check();
      return delegate.release(lease);
    }

    @Override
    public Optional<io.dualpush.spi.Lease> current(String name) {
      check();
      return delegate.current(name);
    }
  }

  /** A dedupe store whose probe hangs until released. */
  static final class HangingDedupe implements DedupeStore {
    final AtomicInteger probes = new AtomicInteger();
    private final DedupeStore delegate = new io.dualpush.local.InProcessDedupeStore(Clock.systemUTC());
    private final CountDownLatch hang;

    HangingDedupe(CountDownLatch hang) {
      this.hang = hang;
    }

    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      return delegate.claim(messageId, claimTtl);
    }

    @Override
    public void markDone(String messageId, String outcome, Duration ttl) {
      delegate.markDone(messageId, outcome, ttl);
    }

    @Override
    public void release(String messageId) {
      delegate.release(messageId);
    }

    @Override
    public HealthStatus probe() {
      probes.incrementAndGet();
      try {
        hang.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return HealthStatus.healthy(Duration.ZERO);
    }
  }

  /** A log that reports it refuses appends; everything else goes to the real log. */
  static final class Broken implements TransactionLog {
    private final TransactionLog delegate;

    Broken(TransactionLog delegate) {
      this.delegate = delegate;
    }

    @Override
    public Optional<LogStats> stats() {
      return Optional.of(new LogStats(false, Optional.of("disk full (injected)"), 0, 1, Optional.empty()));
    }

    @Override
    public void append(LogEntry entry) {
      delegate.append(entry);
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      return delegate.read(transactionId);
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      return delegate.latest(key);
    }

    @Override
    public List<TransactionRecord> open() {
      return delegate.open();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      return delegate.recent(limit);
    }

    @Override
    public void checkpoint() {
      delegate.checkpoint();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
