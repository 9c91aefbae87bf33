package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationHealth;
import io.dualpush.DestinationOptions;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.spi.LogEntry;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, case 7: a destination whose calls block where an interrupt does nothing (a frozen file
 * system, a dead NFS mount) must not hang pushes, verify, health or {@code close()}.
 */
@DisplayName("A destination stuck beyond the reach of interrupts")
class StuckDestinationTest {
  /** Liveness bound only: everything here settles in well under a second once it works. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Duration TIMEOUT = Duration.ofMillis(200);
  private static final String THREADS = "dualpush-io-stuck-";

  private final Fixture f = new Fixture();
  private final InMemoryDestination stuckStore = new InMemoryDestination("stuck", f.clock);
  private final FaultInjectingDestination stuck = FaultInjectingDestination.wrap(stuckStore);

  @AfterEach
  void tearDown() {
    stuck.release();
    f.close();
  }

  private void start(boolean required, int ioThreads) {
    f.start(false, b -> b.repair(Fixture.repair(3)).ioThreads(ioThreads)
        .destination(DestinationOptions.builder("stuck").required(required).timeout(TIMEOUT).build(), stuck));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }

  private CopyStatus stuckCopy(String transactionId) {
    return f.client.receipt(transactionId).orElseThrow().copy("stuck").orElseThrow().status();
  }

  private String stuckError(String transactionId) {
    return f.client.receipt(transactionId).orElseThrow().copy("stuck").orElseThrow().error();
  }

  @Test
  @DisplayName("a push with a required stuck destination ends at the timeout: PushFailedException whose receipt says 'timed out', "
      + "the healthy copies verified")
  void requiredStuckFailsAtTheTimeout() {
    start(true, 4);
    stuck.hangUninterruptibly();

    CompletableFuture<PushReceipt> push = f.client.async().push(PushRequest.of("gold/a.csv", bytes("a")));

    assertThat(push).failsWithin(BOUND).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(PushFailedException.class, e -> {
          PushReceipt r = e.receipt();
          assertThat(r.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
          assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
          assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
          assertThat(r.copy("stuck").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
          assertThat(r.copy("stuck").orElseThrow().error()).contains("timed out after " + TIMEOUT.toMillis() + " ms");
        });
    // Both attempts (the fixture retries once) are still blocked: they were abandoned, not awaited.
    assertThat(stuck.hungCalls()).isEqualTo(2);
  }

  @Test
  @DisplayName("a push with an optional stuck destination is acknowledged, and the stuck copy is recorded as timed out")
  void optionalStuckIsAcknowledged() {
    start(false, 4);
    stuck.hangUninterruptibly();

    CompletableFuture<PushReceipt> push = f.client.async().push(PushRequest.of("gold/b.csv", bytes("b")));

    assertThat(push).succeedsWithin(BOUND).satisfies(r -> assertThat(r.state()).isEqualTo(TransactionState.COMPLETED));
    String id = push.join().transactionId();
    await().atMost(BOUND).until(() -> stuckCopy(id) == CopyStatus.FAILED);
    assertThat(stuckError(id)).contains("timed out after " + TIMEOUT.toMillis() + " ms");
    assertThat(f.primaryStore.bytes("gold/b.csv")).hasValue(bytes("b"));
  }

  @Test
  @DisplayName("repeated pushes do not pile up threads: past as many abandoned calls as the slot has threads, attempts "
      + "fail fast saying the destination is stuck; once the calls return their threads serve again")
  void abandonedThreadsAreBounded() {
    int threads = 2;
    // Threads of an earlier test's client, released at its end, may still be on their way out.
    await().atMost(BOUND).until(() -> liveThreads(THREADS) == 0);
    start(false, threads);
    stuck.hangUninterruptibly();

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ids.add(f.client.push("gold/c" + i + ".csv", bytes("c" + i)).transactionId());
    }
    await().atMost(BOUND).until(() -> ids.stream().allMatch(id -> stuckCopy(id) == CopyStatus.FAILED));

    // The slot's own threads plus at most as many abandoned ones. (Calls that started before the
    // cap was reached may still be abandoned after it, so the count of stuck calls is a range.)
    assertThat(liveThreads(THREADS)).isLessThanOrEqualTo(2L * threads);
    assertThat(stuck.hungCalls()).isBetween(threads, 2 * threads);
    assertThat(stuckError(ids.get(ids.size() - 1))).matches("destination stuck: \\d+ calls have not returned for \\d+ s");

    stuck.release();
    await().atMost(BOUND).until(() -> stuck.hungCalls() == 0);
    // The slot counts a call as returned just after it returns: wait for that, not for a fixed time.
    await().atMost(BOUND).untilAsserted(() -> {
      PushReceipt after = f.client.push("gold/d" + System.nanoTime() + ".csv", bytes("d"));
      await().atMost(BOUND).until(() -> stuckCopy(after.transactionId()).isSettled());
      assertThat(stuckCopy(after.transactionId())).isEqualTo(CopyStatus.VERIFIED);
    });
    assertThat(liveThreads(THREADS)).isLessThanOrEqualTo(2L * threads);
  }

  @Test
  @DisplayName("close() returns while calls are stuck, leaving only daemon threads behind")
  void closeReturns() {
    start(false, 2);
    stuck.hangUninterruptibly();
    f.client.push("gold/e.csv", bytes("e"));
    await().atMost(BOUND).until(() -> stuck.hungCalls() >= 1);

    assertThat(CompletableFuture.runAsync(f.client::close)).succeedsWithin(BOUND);
    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.isAlive() && t.getName().startsWith(THREADS))
        .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
  }

  @Test
  @DisplayName("verify and health do not hang on a stuck destination either: the same timeout bounds head, get and probe")
  void verifyAndHealthAreBounded() {
    start(false, 2);
    PushReceipt pushed = f.client.push("gold/f.csv", bytes("f"));
    await().atMost(BOUND).until(() -> f.client.receipt(pushed.transactionId()).orElseThrow().isVerified());
    stuck.hangUninterruptibly();

    assertThat(CompletableFuture.supplyAsync(() -> f.client.health())).succeedsWithin(BOUND)
        .satisfies((Map<String, DestinationHealth> health) -> {
          assertThat(health.get("stuck").healthy()).isFalse();
          assertThat(health.get("primary").healthy()).isTrue();
        });
    for (VerifyMode mode : VerifyMode.values()) {
      assertThat(CompletableFuture.supplyAsync(() -> f.client.verify(pushed.transactionId(), mode))).succeedsWithin(BOUND)
          .satisfies(r -> assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED));
    }
  }

  @Test
  @DisplayName("a repair round refused because the destination is stuck is not an attempt: nothing is logged, nothing "
      + "moves toward dead letter, and once the stuck calls return the waiting repairs go without the clock moving")
  void stuckRepairsWait() {
    f.start(false, b -> b.repair(Fixture.repair(2)).ioThreads(2).circuitBreaker(CircuitBreakerOptions.disabled())
        .destination(DestinationOptions.builder("stuck").required(false).timeout(TIMEOUT).build(), stuck));
    stuck.hangUninterruptibly();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(f.client.push("gold/g" + i + ".csv", bytes("g" + i)).transactionId());
    }
    await().atMost(BOUND).until(() -> ids.stream().allMatch(id -> stuckCopy(id) == CopyStatus.FAILED));
    // Every write that got a thread is blocked, and the destination now refuses calls as stuck.
    assertThat(ids).anySatisfy(id -> assertThat(stuckError(id)).contains("destination stuck"));
    long calls = stuck.putCount();
    Map<String, String> errors = new HashMap<>();
    ids.forEach(id -> errors.put(id, stuckError(id)));

    for (int round = 0; round < 4; round++) {
      f.nextRound();
      await().pollDelay(Duration.ofMillis(20)).during(Duration.ofMillis(40)).atMost(BOUND)
          .until(() -> f.client.stats().inFlightPushes() == 0);
    }

    assertThat(stuck.putCount()).isEqualTo(calls);
    assertThat(f.log.entries()).noneMatch(e -> e instanceof LogEntry.RepairAttempted || e instanceof LogEntry.DeadLettered);
    ids.forEach(id -> assertThat(stuckError(id)).isEqualTo(errors.get(id)));

    stuck.release();
    await().atMost(BOUND).until(() -> ids.stream().allMatch(id -> f.client.receipt(id).orElseThrow().isVerified()));
  }
}
