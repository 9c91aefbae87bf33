package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.TransactionRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Router and Repairer")
class RoutingAndRepairTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final byte[] PAYLOAD = "payload".getBytes(StandardCharsets.UTF_8);

  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final Watchdog watchdog = new Watchdog(timer);
  private final MapDestination storeA = new MapDestination();
  private final MapDestination storeB = new MapDestination();
  private final Slot a = slot("a", storeA);
  private final Slot b = slot("b", storeB);
  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final Events events = new Events(List.of(), x -> { }, clock);
  private final Verifier verifier = new Verifier(log, clock, events, Map.of("a", a, "b", b));
  private final Router router = new Router(List.of(a, b), verifier);
  private final PayloadRetention retention = new PayloadRetention(1024);
  private final Repairer repairer = new Repairer(log, clock, events, Map.of("a", a, "b", b), router, verifier, retention);
  private final ContentOpener opener = () -> new ByteArrayInputStream(PAYLOAD);
  private final LogEntry.Started started = new LogEntry.Started("txn-1", T0, "k", PAYLOAD.length, Md5.of(PAYLOAD), "", "",
      "application/octet-stream", Map.of(), List.of(new LogEntry.Target("a", true), new LogEntry.Target("b", true)), 2, "");

  @AfterEach
  void tearDown() {
    a.shutdown();
    b.shutdown();
    timer.shutdownNow();
  }

  private Slot slot(String id, MapDestination d) {
    return new Slot(DestinationOptions.of(id), d, RetryOptions.none(), CircuitBreakerOptions.disabled(), 1, watchdog, timer,
        clock, Runnable::run);
  }

  private List<CopyStatus> logged() {
    return log.entries.stream().filter(e -> e instanceof LogEntry.CopyUpdated).map(e -> ((LogEntry.CopyUpdated) e).status())
        .toList();
  }

  @Nested
  @DisplayName("Router")
  class Routing {
    private final AtomicInteger released = new AtomicInteger();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Router.Settling settling = new Router.Settling() {
      @Override
      public void decided(Flight f) {
        calls.add("decided");
      }

      @Override
      public void allSettled(Flight f) {
        calls.add("allSettled");
      }
    };

    @Test
    @DisplayName("writes every copy in parallel, records each, hands the push over before deciding, and frees its place once")
    void routesEveryCopy() {
      Flight flight = new Flight(started, List.of(a, b), 2, released::incrementAndGet);

      router.route(flight, opener, settling);

      await().atMost(BOUND).until(() -> released.get() == 1);
      assertThat(calls).containsExactly("allSettled", "decided");
      assertThat(storeA.objects).containsKey("k");
      assertThat(storeB.objects).containsKey("k");
      assertThat(logged()).containsExactly(CopyStatus.VERIFIED, CopyStatus.VERIFIED);
      assertThat(log.buffered).as("copy outcomes need no sync of their own: Started was durable first")
          .containsExactlyElementsOf(log.entries);
      assertThat(flight.allVerified()).isTrue();
    }

    @Test
    @DisplayName("a copy whose destination reports another digest settles FAILED and the policy does not hold")
    void mismatchFails() {
      storeB.lies = true;
      Flight flight = new Flight(started, List.of(a, b), 2, released::incrementAndGet);

      router.route(flight, opener, settling);

      await().atMost(BOUND).until(() -> released.get() == 1);
      assertThat(flight.ackHolds()).isFalse();
      assertThat(logged()).containsExactlyInAnyOrder(CopyStatus.VERIFIED, CopyStatus.FAILED);
    }

    @Test
    @DisplayName("a repair write refused without a call is neither logged nor counted")
    void refusalIsNotRecorded() {
      b.shutdown();

      Optional<CopyStatus> written = router.write(b, started, opener, false, false).join();

      assertThat(written).isEmpty();
      assertThat(log.entries).isEmpty();
      assertThat(storeB.puts.get()).isZero();
    }
  }

  @Nested
  @DisplayName("Repairer")
  class Repairing {
    private TransactionRecord partial() {
      return new TransactionRecord(started, List.of(
          new CopyRecord("a", true, CopyStatus.VERIFIED, started.md5(), "", false, T0),
          new CopyRecord("b", true, CopyStatus.FAILED, "", "down", false, T0)), 0, Optional.empty(), false, T0);
    }

    @Test
    @DisplayName("rewrites only the copies not verified, from the retained payload first, and counts the round")
    void fromRetainedPayload() {
      retention.retain("txn-1", opener, PAYLOAD.length, false);

      Repairer.Round round = repairer.round(partial()).join();

      assertThat(round.attempted()).isTrue();
      assertThat(storeA.puts.get()).isZero();
      assertThat(storeB.objects.get("k")).isEqualTo(PAYLOAD);
      assertThat(log.entries).last().isInstanceOf(LogEntry.RepairAttempted.class);
    }

    @Test
    @DisplayName("with no payload kept, copies from a verified copy at another destination")
    void fromVerifiedCopy() {
      storeA.objects.put("k", PAYLOAD);

      repairer.round(partial()).join();

      assertThat(storeB.objects.get("k")).isEqualTo(PAYLOAD);
      assertThat(logged()).containsExactly(CopyStatus.VERIFIED);
    }

    /** The transaction as recovery finds it after a power cut took its copies' VERIFIED records. */
    private TransactionRecord unrecorded() {
      TransactionRecord r = new TransactionRecord(started, List.of(
          new CopyRecord("a", true, CopyStatus.PENDING, "", "", false, T0),
          new CopyRecord("b", true, CopyStatus.PENDING, "", "", false, T0)), 0, Optional.empty(), false, T0);
      log.put(r);
      log.folding = true;
      storeA.heads = true;
      storeB.heads = true;
      return r;
    }

    @Test
    @DisplayName("with no payload and no source file, verifies in place copies whose stored MD5 is the source's, "
        + "writing nothing")
    void verifiesInPlace() {
      TransactionRecord r = unrecorded();
      storeA.objects.put("k", PAYLOAD);
      storeB.objects.put("k", PAYLOAD);

      Repairer.Round round = repairer.round(r).join();

      assertThat(round.after().state()).isEqualTo(io.dualpush.TransactionState.VERIFIED);
      assertThat(storeA.puts.get() + storeB.puts.get()).isZero();
      assertThat(logged()).containsExactly(CopyStatus.VERIFIED, CopyStatus.VERIFIED);
      assertThat(log.entries).noneMatch(e -> e instanceof LogEntry.RepairAttempted);
    }

    @Test
    @DisplayName("rewrites a copy missing at its destination from one verified in place, in the same round")
    void missingFromVerifiedInPlace() {
      TransactionRecord r = unrecorded();
      storeA.objects.put("k", PAYLOAD);

      Repairer.Round round = repairer.round(r).join();

      assertThat(round.after().state()).isEqualTo(io.dualpush.TransactionState.VERIFIED);
      assertThat(storeB.objects.get("k")).isEqualTo(PAYLOAD);
      assertThat(storeA.puts.get()).isZero();
    }

    @Test
    @DisplayName("records a copy FAILED for want of a source only when no copy is whole where it is")
    void noSourceWhenNothingIsWhole() {
      TransactionRecord r = unrecorded();
      storeA.objects.put("k", "another version".getBytes(StandardCharsets.UTF_8));

      Repairer.Round round = repairer.round(r).join();

      assertThat(round.after().copies()).extracting(CopyRecord::status).containsOnly(CopyStatus.FAILED);
      assertThat(round.after().copies()).allSatisfy(c -> assertThat(c.error()).contains("no source left"));
      assertThat(log.buffered).as("copy outcomes and the round are buffered").containsExactlyElementsOf(log.entries);
    }

    @Test
    @DisplayName("does not check in place a copy recorded as a mismatch, whose destination may report a stale digest")
    void mismatchIsNotCheckedInPlace() {
      TransactionRecord r = new TransactionRecord(started, List.of(
          new CopyRecord("a", true, CopyStatus.PENDING, "", "", false, T0),
          new CopyRecord("b", true, CopyStatus.FAILED, started.md5(), "bytes differ", true, T0)), 0, Optional.empty(),
          false, T0);
      log.put(r);
      log.folding = true;
      storeA.heads = true;
      storeB.heads = true;
      storeA.objects.put("k", PAYLOAD);
      storeB.objects.put("k", PAYLOAD); // head reports the right digest; deep verify had found otherwise

      repairer.round(r).join();

      assertThat(storeB.puts.get()).as("b is rewritten, not believed").isEqualTo(1);
      assertThat(log.read("txn-1").orElseThrow().state()).isEqualTo(io.dualpush.TransactionState.VERIFIED);
    }

    @Test
    @DisplayName("a round whose every write was refused without a call is not attempted and logs nothing")
    void refusedRoundIsNotAttempted() {
      retention.retain("txn-1", opener, PAYLOAD.length, false);
      b.shutdown();

      Repairer.Round round = repairer.round(partial()).join();

      assertThat(round.attempted()).isFalse();
      assertThat(log.entries).isEmpty();
    }
  }
}
