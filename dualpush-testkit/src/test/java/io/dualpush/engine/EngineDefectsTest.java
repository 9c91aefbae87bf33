package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.ClientClosedException;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.Destination;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDedupeStore;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.dualpush.testkit.ManualClock;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Regressions of issue 11's engine defects, each through the public clients. */
@DisplayName("Engine defects of issue 11")
class EngineDefectsTest {
  /** Liveness bound only: nothing here asserts on speed. */
  private static final Duration BOUND = Duration.ofSeconds(20);

  private final ManualClock clock = new ManualClock();
  private final InMemoryDestination primaryStore = new InMemoryDestination("primary", clock);
  private final InMemoryDestination secondaryStore = new InMemoryDestination("secondary", clock);
  private final CountingLog log = new CountingLog(new InMemoryTransactionLog());
  private final List<DualPushEvent> events = new CopyOnWriteArrayList<>();
  private final List<DualPushClient> clients = new ArrayList<>();
  private final CountDownLatch streams = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    streams.countDown();
    clients.forEach(DualPushClient::close);
  }

  private DualPushClientBuilder builder(Destination primary, Destination secondary) {
    return new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").timeout(Duration.ofSeconds(30)).build(), primary)
        .destination(DestinationOptions.builder("secondary").timeout(Duration.ofSeconds(30)).build(), secondary)
        .transactionLog(log)
        .clock(clock)
        .retry(RetryOptions.none())
        .circuitBreaker(CircuitBreakerOptions.disabled())
        .listener(events::add);
  }

  private DualPushClientBuilder builderClosingFast(Destination primary, Destination secondary) {
    // A test that fails must not leave its teardown waiting out the default close timeout.
    return builder(primary, secondary).closeTimeout(Duration.ofSeconds(5));
  }

  private DualPushClient start(DualPushClientBuilder b) {
    DualPushClient c = b.buildClient();
    clients.add(c);
    return c;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean clientThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().startsWith("dualpush-"));
  }

  @Nested
  @DisplayName("(1) close()")
  class Close {
    @Test
    @DisplayName("completes every future (pushes queued, hashing, in flight, being verified) and leaves no thread of the client")
    void completesEveryFuture() {
      GatedDestination primary = new GatedDestination(primaryStore);
      DualPushClient client = start(builder(primary, secondaryStore).ioThreads(2).closeTimeout(Duration.ofMillis(300))
          .repair(RepairOptions.builder().enabled(false).build()));
      DualPushAsyncClient async = client.async();
      PushReceipt earlier = client.push("gold/earlier.csv", bytes("earlier"));
      primary.holdPuts().holdReads();

      CompletableFuture<PushReceipt> verifying = async.verify(earlier.transactionId(), VerifyMode.HASH);
      CompletableFuture<PushReceipt> inFlight = async.push(PushRequest.of("gold/in-flight.csv", bytes("in flight")));
      await().atMost(BOUND).until(() -> primary.waiting() == 2);
      // Both work threads hash a stream that does not end: the next pushes queue behind them.
      AtomicInteger hashing = new AtomicInteger();
      List<CompletableFuture<PushReceipt>> hashingPushes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        hashingPushes.add(async.push(PushRequest.of("gold/stream" + i + ".csv", PushContent.ofStream(() -> {
          hashing.incrementAndGet();
          try {
            streams.await();
          } catch (InterruptedException e) {
            throw new InterruptedIOException("interrupted");
          }
          return new ByteArrayInputStream(bytes("stream"));
        }))));
      }
      await().atMost(BOUND).until(() -> hashing.get() == 2);
      List<CompletableFuture<PushReceipt>> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        queued.add(async.push(PushRequest.of("gold/queued" + i + ".csv", bytes("queued" + i))));
      }

      client.close();

      List<CompletableFuture<PushReceipt>> all = new ArrayList<>(List.of(verifying, inFlight));
      all.addAll(hashingPushes);
      all.addAll(queued);
      assertThat(all).allSatisfy(f -> assertThat(f).isDone());
      assertThat(queued).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO)
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(ClientClosedException.class));
      assertThat(inFlight).isCompletedExceptionally();
      await().atMost(BOUND).until(() -> !clientThreadsAlive());
    }
  }

  @Nested
  @DisplayName("(2) the async client never blocks its caller")
  class NonBlocking {
    @Test
    @DisplayName("a push chained on a push's completion, on a client thread, with every place in flight taken, does not deadlock")
    void chainedPushDoesNotDeadlock() {
      GatedDestination secondary = new GatedDestination(secondaryStore).holdPuts();
      DualPushClient client = start(builderClosingFast(primaryStore, secondary).maxInFlight(1));
      DualPushAsyncClient async = client.async();
      List<String> threads = new CopyOnWriteArrayList<>();
      CompletableFuture<PushReceipt> chain = async.push(PushRequest.of("gold/first.csv", bytes("first")))
          .thenCompose(r -> {
            threads.add(Thread.currentThread().getName());
            return async.push(PushRequest.of("gold/second.csv", bytes("second")));
          });
      await().atMost(BOUND).until(() -> secondary.waiting() == 1);
      secondary.open();

      assertThat(chain).succeedsWithin(BOUND).satisfies(r -> assertThat(r.key()).isEqualTo("gold/second.csv"));
      assertThat(threads).singleElement().satisfies(t -> assertThat(t).startsWith("dualpush-"));
    }

    @Test
    @DisplayName("retryFailed returns at once while every place in flight is taken, and runs when one is free")
    void retryFailedDoesNotWaitForAPlace() {
      FaultInjectingDestination flaky = FaultInjectingDestination.wrap(secondaryStore);
      GatedDestination primary = new GatedDestination(primaryStore);
      DualPushClient client = start(builderClosingFast(primary, flaky).maxInFlight(1)
          .repair(RepairOptions.builder().enabled(false).build()));
      flaky.partition();
      String failed = pushFailing(client, "gold/failed.csv");
      flaky.heal();
      primary.holdPuts();
      CompletableFuture<PushReceipt> holder = client.async().push(PushRequest.of("gold/holder.csv", bytes("holder")));
      await().atMost(BOUND).until(() -> primary.waiting() == 1);

      CompletableFuture<CompletableFuture<PushReceipt>> call = CompletableFuture.supplyAsync(
          () -> client.async().retryFailed(failed));
      assertThat(call).succeedsWithin(BOUND);
      CompletableFuture<PushReceipt> retry = call.join();
      assertThat(retry).isNotDone();
      primary.open();
      assertThat(holder).succeedsWithin(BOUND);
      assertThat(retry).succeedsWithin(BOUND).satisfies(r -> assertThat(r.state()).isEqualTo(TransactionState.VERIFIED));
    }

    @Test
    @DisplayName("health() returns a future at once while a probe hangs, and completes when it returns")
    void healthDoesNotBlock() {
      GatedDestination secondary = new GatedDestination(secondaryStore).holdProbes();
      DualPushClient client = start(builderClosingFast(primaryStore, secondary));

      CompletableFuture<Map<String, io.dualpush.DestinationHealth>> health = client.async().health();
      await().atMost(BOUND).until(() -> secondary.waiting() == 1);
      assertThat(health).isNotDone();
      secondary.open();
      assertThat(health).succeedsWithin(BOUND).satisfies(h -> assertThat(h).containsOnlyKeys("primary", "secondary"));
    }
  }

  @Nested
  @DisplayName("(3, 4) repair ticks and stats never list the log")
  class NoScans {
    @Test
    @DisplayName("with a backlog, repair ticks and stats() polling call neither open() nor recent() on the log")
    void ticksAndStatsDoNotListTheLog() {
      FaultInjectingDestination flaky = FaultInjectingDestination.wrap(secondaryStore);
      DualPushClient client = start(builderClosingFast(primaryStore, flaky).repair(Fixture.repair(10)));
      flaky.partition();
      for (int i = 0; i < 20; i++) {
        pushFailing(client, "gold/b" + i + ".csv");
      }
      int listings = log.listings();
      for (int i = 0; i < 100; i++) {
        assertThat(client.stats().openTransactions()).isEqualTo(20);
      }
      clock.advance(Fixture.REPAIR_DELAY.multipliedBy(2));
      // Every transaction's first round ran: the scheduler ticked, and found them due.
      await().atMost(BOUND).until(() -> events.stream().filter(e -> e.type() == DualPushEvent.Type.REPAIR_FINISHED).count() == 20);

      assertThat(log.listings()).isEqualTo(listings);
      assertThat(client.stats().openTransactions()).isEqualTo(20);
      assertThat(client.stats().oldestOpenAge()).isGreaterThanOrEqualTo(Fixture.REPAIR_DELAY.multipliedBy(2));
    }

    @Test
    @DisplayName("repairAll retries every open and dead-lettered transaction, reading the open ones a page at a time")
    void repairAllPages() {
      FaultInjectingDestination flaky = FaultInjectingDestination.wrap(secondaryStore);
      DualPushClient client = start(builderClosingFast(primaryStore, flaky)
          .repair(RepairOptions.builder().enabled(false).build()));
      flaky.partition();
      // More than one page of the log's open transactions.
      for (int i = 0; i < 1100; i++) {
        pushFailing(client, "gold/p" + i + ".csv");
      }
      flaky.heal();
      int listings = log.listings();

      List<PushReceipt> receipts = client.repairAll();

      assertThat(receipts).hasSize(1100).allSatisfy(r -> assertThat(r.state()).isEqualTo(TransactionState.VERIFIED));
      assertThat(client.stats().openTransactions()).isZero();
      assertThat(log.listings()).isEqualTo(listings);
    }
  }

  @Nested
  @DisplayName("(8) duplicates")
  class Duplicates {
    @Test
    @DisplayName("a duplicate whose earlier record the log no longer holds is FORGOTTEN with what the dedupe store knew, never a fabricated VERIFIED")
    void compactedEarlierRecordIsForgotten() {
      InMemoryDedupeStore dedupe = new InMemoryDedupeStore(clock);
      dedupe.claim("msg-1", Duration.ofMinutes(1));
      // The form written before the typed outcome, still within its TTL.
      dedupe.markDone("msg-1", "txn-compacted|q83vEjRWeJCrze8SNFZ4kA==|12", Duration.ofDays(1));
      DualPushClient client = start(builderClosingFast(primaryStore, secondaryStore).dedupeStore(dedupe));

      PushReceipt r = client.push(PushRequest.builder("gold/d.csv", PushContent.ofBytes(bytes("d"))).messageId("msg-1").build());

      assertThat(r.duplicate()).isTrue();
      assertThat(r.state()).isEqualTo(TransactionState.FORGOTTEN);
      assertThat(r.transactionId()).isEqualTo("txn-compacted");
      assertThat(r.md5()).isEqualTo("q83vEjRWeJCrze8SNFZ4kA==");
      assertThat(r.size()).isEqualTo(12);
      assertThat(r.copies()).isEmpty();
      assertThat(primaryStore.size()).isZero();
    }

    @Test
    @DisplayName("a push with a message id records its outcome in the typed, versioned encoding, and a duplicate reads it back")
    void outcomeIsTyped() {
      InMemoryDedupeStore dedupe = new InMemoryDedupeStore(clock);
      DualPushClient client = start(builderClosingFast(primaryStore, secondaryStore).dedupeStore(dedupe));
      PushRequest request = PushRequest.builder("gold/e.csv", PushContent.ofBytes(bytes("e"))).messageId("msg-2").build();
      PushReceipt first = client.push(request);

      assertThat(dedupe.claim("msg-2", Duration.ofMinutes(1)).pushOutcome())
          .contains(new DedupeOutcome(first.transactionId(), first.md5(), first.size()));
      PushReceipt again = client.push(request);
      assertThat(again.duplicate()).isTrue();
      assertThat(again.transactionId()).isEqualTo(first.transactionId());
      assertThat(again.state()).isEqualTo(TransactionState.VERIFIED);
    }
  }

  private static String pushFailing(DualPushClient client, String key) {
    try {
      client.push(key, bytes(key));
    } catch (PushFailedException e) {
      return e.receipt().transactionId();
    }
    throw new AssertionError("the push of " + key + " was expected to fail");
  }

  /**
   * Counts the calls that list the log's transactions ({@code open()}, {@code recent()}); the
   * bounded calls ({@code openPage}, {@code openSummary}, {@code deadLettered}) go to the delegate.
   */
  static final class CountingLog implements TransactionLog {
    private final TransactionLog delegate;
    private final AtomicInteger listings = new AtomicInteger();

    CountingLog(TransactionLog delegate) {
      this.delegate = delegate;
    }

    int listings() {
      return listings.get();
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
      listings.incrementAndGet();
      return delegate.open();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      listings.incrementAndGet();
      return delegate.recent(limit);
    }

    @Override
    public io.dualpush.spi.OpenPage openPage(long position, int limit) {
      // A page is bounded by its limit in a log that pages: not a listing of everything.
      return delegate.openPage(position, limit);
    }

    @Override
    public io.dualpush.spi.OpenSummary openSummary() {
      return delegate.openSummary();
    }

    @Override
    public List<TransactionRecord> deadLettered() {
      return delegate.deadLettered();
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
