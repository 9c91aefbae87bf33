package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.ClientClosedException;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.PushReceipt;
import io.dualpush.spi.Md5;
import io.dualpush.spi.WriteRequest;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("FailoverReadClient over destinations")
class FailoverReadClientTest {
  private static final byte[] PAYLOAD = "the quarterly dataset".getBytes(StandardCharsets.UTF_8);

  private FaultInjectingDestination primary;
  private FaultInjectingDestination secondary;
  private FailoverReadClient reader;

  @BeforeEach
  void setUp() {
    primary = FaultInjectingDestination.wrap(new InMemoryDestination("primary"));
    secondary = FaultInjectingDestination.wrap(new InMemoryDestination("secondary"));
  }

  @AfterEach
  void tearDown() {
    if (reader != null) {
      reader.close();
    }
  }

  static void store(io.dualpush.spi.Destination destination, String key, byte[] bytes) {
    destination.put(new WriteRequest(key, bytes.length, Md5.of(bytes), "application/octet-stream", Map.of(), "t-1",
        "ds", OptionalLong.empty(), () -> new ByteArrayInputStream(bytes)));
  }

  private FailoverReadClientBuilder builder() {
    return new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.of("primary", primary))
        .endpoint(ReadEndpoint.of("secondary", secondary).withPriority(1));
  }

  @Nested
  @DisplayName("a plain read")
  class Plain {
    @Test
    @DisplayName("comes from the preferred endpoint, checked against the stored MD5")
    void readsFromPrimary() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      reader = builder().buildClient();

      ReadResult result = reader.read("k").orElseThrow();

      assertThat(result.toByteArray()).isEqualTo(PAYLOAD);
      assertThat(result.endpointId()).isEqualTo("primary");
      assertThat(result.digestSource()).isEqualTo(DigestSource.STORED);
      assertThat(result.md5()).isEqualTo(Md5.of(PAYLOAD));
      assertThat(result.fromCache()).isFalse();
      assertThat(result.attempts()).extracting(ReadAttempt::outcome).containsExactly(ReadAttempt.Outcome.SUCCEEDED);
    }

    @Test
    @DisplayName("is empty when every endpoint answers that it has no such object")
    void emptyWhenNowhere() {
      reader = builder().buildClient();
      assertThat(reader.read("missing")).isEmpty();
    }

    @Test
    @DisplayName("finds the object on the second endpoint when the first has no copy yet")
    void notFoundThenFound() {
      store(secondary, "k", PAYLOAD);
      reader = builder().buildClient();
      ReadResult result = reader.read("k").orElseThrow();
      assertThat(result.endpointId()).isEqualTo("secondary");
      assertThat(result.attempts()).extracting(ReadAttempt::outcome)
          .containsExactly(ReadAttempt.Outcome.NOT_FOUND, ReadAttempt.Outcome.SUCCEEDED);
    }

    @Test
    @DisplayName("refuses a bad key before reading anything, naming the field")
    void badKey() {
      reader = builder().buildClient();
      assertThatThrownBy(() -> reader.read("../etc/passwd")).isInstanceOf(InvalidInputException.class);
      assertThat(primary.getCount()).isZero();
    }
  }

  @Nested
  @DisplayName("failover")
  class Failover {
    @Test
    @DisplayName("moves to the next endpoint when one fails, and says so in the attempts")
    void failsOver() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.failNextReads(1);
      reader = builder().buildClient();

      ReadResult result = reader.read("k").orElseThrow();

      assertThat(result.endpointId()).isEqualTo("secondary");
      assertThat(result.toByteArray()).isEqualTo(PAYLOAD);
      assertThat(result.attempts()).extracting(ReadAttempt::endpointId, ReadAttempt::outcome).containsExactly(
          org.assertj.core.groups.Tuple.tuple("primary", ReadAttempt.Outcome.FAILED),
          org.assertj.core.groups.Tuple.tuple("secondary", ReadAttempt.Outcome.SUCCEEDED));
    }

    @Test
    @DisplayName("regression: a try cut short by the endpoint client's own timeout is TIMED_OUT, not FAILED")
    void clientTimeoutIsTimedOut() {
      store(secondary, "k", PAYLOAD);
      reader = new FailoverReadClientBuilder()
          .endpoint(ReadEndpoint.of("primary", new TimingOutDestination()))
          .endpoint(ReadEndpoint.of("secondary", secondary).withPriority(1))
          .buildClient();

      ReadResult result = reader.read("k").orElseThrow();

      assertThat(result.endpointId()).isEqualTo("secondary");
      assertThat(result.toByteArray()).isEqualTo(PAYLOAD);
      assertThat(result.attempts()).extracting(ReadAttempt::endpointId, ReadAttempt::outcome).containsExactly(
          org.assertj.core.groups.Tuple.tuple("primary", ReadAttempt.Outcome.TIMED_OUT),
          org.assertj.core.groups.Tuple.tuple("secondary", ReadAttempt.Outcome.SUCCEEDED));
    }

    @Test
    @DisplayName("never returns a corrupt copy: a copy whose bytes differ from the stored MD5 is refused")
    void corruptCopyRefused() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.corruptNextReads(1);
      reader = builder().buildClient();

      ReadResult result = reader.read("k").orElseThrow();

      assertThat(result.toByteArray()).isEqualTo(PAYLOAD);
      assertThat(result.endpointId()).isEqualTo("secondary");
      assertThat(result.attempts().get(0).outcome()).isEqualTo(ReadAttempt.Outcome.CORRUPT);
    }

    @Test
    @DisplayName("tries an endpoint that returned a corrupt copy of a key last for that key")
    void badCopyTriedLast() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      store(primary, "other", PAYLOAD);
      primary.corruptNextReads(1);
      reader = builder().buildClient();
      reader.read("k");

      assertThat(reader.read("k").orElseThrow().attempts()).extracting(ReadAttempt::endpointId)
          .containsExactly("secondary");
      assertThat(reader.read("other").orElseThrow().endpointId()).isEqualTo("primary");
    }

    @Test
    @DisplayName("refuses a copy that matches its stored MD5 but not the caller's")
    void callerMd5() {
      store(primary, "k", "an older version".getBytes(StandardCharsets.UTF_8));
      store(secondary, "k", PAYLOAD);
      reader = builder().buildClient();

      ReadResult result = reader.read(ReadRequest.of("k").expectedMd5(Md5.of(PAYLOAD))).orElseThrow();

      assertThat(result.endpointId()).isEqualTo("secondary");
      assertThat(result.digestSource()).isEqualTo(DigestSource.CALLER);
    }

    @Test
    @DisplayName("fails with every endpoint's failure when none has a good copy, the first failure as cause")
    void allFail() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.failNextReads(1);
      secondary.corruptNextReads(1);
      reader = builder().buildClient();

      assertThatThrownBy(() -> reader.read("k"))
          .isInstanceOf(AllEndpointsFailedException.class)
          .hasMessageContaining("primary=FAILED")
          .hasMessageContaining("injected read failure")
          .hasMessageContaining("secondary=CORRUPT")
          .hasRootCauseMessage("injected read failure")
          .satisfies(e -> assertThat(((AllEndpointsFailedException) e).attempts()).hasSize(2));
    }

    @Test
    @DisplayName("does not say 'not found' when an endpoint that failed may hold the object")
    void failureIsNotAbsence() {
      store(primary, "k", PAYLOAD);
      primary.failNextReads(1);
      reader = builder().buildClient();
      assertThatThrownBy(() -> reader.read("k")).isInstanceOf(AllEndpointsFailedException.class);
    }

    @Test
    @DisplayName("refuses a copy with no MD5 to check it against, unless told to accept it")
    void noDigest() {
      byte[] bytes = PAYLOAD;
      io.dualpush.spi.Destination noMd5 = new NoMd5Destination(bytes);
      reader = new FailoverReadClientBuilder().endpoint("plain", noMd5).buildClient();
      assertThatThrownBy(() -> reader.read("k")).isInstanceOf(AllEndpointsFailedException.class)
          .hasMessageContaining("no MD5 to check");
      reader.close();

      reader = new FailoverReadClientBuilder().endpoint("plain", noMd5).requireDigest(false).buildClient();
      ReadResult result = reader.read("k").orElseThrow();
      assertThat(result.digestSource()).isEqualTo(DigestSource.NONE);
      assertThat(result.toByteArray()).isEqualTo(bytes);
    }

    @Test
    @DisplayName("skips a deactivated endpoint until it is activated again")
    void deactivate() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      reader = builder().buildClient();
      reader.deactivate("primary");
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("secondary");
      assertThat(reader.health().get(0).status()).isEqualTo(EndpointHealth.Status.DOWN);
      reader.activate("primary");
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("primary");
      assertThatThrownBy(() -> reader.deactivate("nope")).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("nope");
    }
  }

  @Nested
  @DisplayName("the circuit breaker")
  class Breaker {
    @Test
    @DisplayName("opens after the threshold, keeps reads off the endpoint, and its probe reaches the endpoint")
    void opensAndProbes() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.partition();
      reader = builder().circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(2)
          .openDelay(Duration.ofMillis(200)).build()).hedging(HedgeOptions.disabled()).buildClient();

      // After one failure the endpoint goes behind the healthy one, so the second failure comes from a read of its
      // own (no other endpoint allowed).
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("secondary");
      assertThat(reader.health().get(0).status()).isEqualTo(EndpointHealth.Status.DEGRADED);
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("secondary");
      reader.deactivate("secondary");
      assertThatThrownBy(() -> reader.read("k")).isInstanceOf(AllEndpointsFailedException.class);
      reader.activate("secondary");
      EndpointHealth health = reader.health().get(0);
      assertThat(health.breaker().state()).isEqualTo(CircuitBreakerState.State.OPEN);
      assertThat(health.breaker().openingCause()).hasValueSatisfying(c -> assertThat(c).contains("unreachable"));
      long callsWhenOpened = primary.getCount();

      for (int i = 0; i < 20; i++) {
        assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("secondary");
      }
      assertThat(primary.getCount()).isEqualTo(callsWhenOpened);

      primary.heal();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        reader.read("k");
        assertThat(reader.health().get(0).breaker().state()).isEqualTo(CircuitBreakerState.State.CLOSED);
      });
      assertThat(primary.getCount()).isGreaterThan(callsWhenOpened);
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("primary");
    }

    @Test
    @DisplayName("tries an open endpoint as a last resort when every other endpoint failed")
    void lastResort() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.partition();
      reader = builder().circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1)
          .openDelay(Duration.ofMinutes(10)).build()).buildClient();
      reader.read("k");
      primary.heal();
      secondary.partition();

      ReadResult result = reader.read("k").orElseThrow();

      assertThat(result.endpointId()).isEqualTo("primary");
      assertThat(reader.health().get(0).breaker().state()).isEqualTo(CircuitBreakerState.State.CLOSED);
    }

    @Test
    @DisplayName("background health checks open the breaker of an unreachable endpoint before any read fails there")
    void healthChecks() {
      primary.partition();
      reader = builder().healthCheckInterval(Duration.ofMillis(20))
          .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(2).openDelay(Duration.ofMinutes(1)).build())
          .buildClient();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        EndpointHealth h = reader.health().get(0);
        assertThat(h.status()).isEqualTo(EndpointHealth.Status.DOWN);
        assertThat(h.lastChecked()).isPresent();
        assertThat(h.lastFailureCause()).hasValueSatisfying(c -> assertThat(c).startsWith("health check"));
      });
      assertThat(primary.getCount()).isZero();
    }
  }

  @Nested
  @DisplayName("hedged reads")
  class Hedging {
    @Test
    @DisplayName("answer from the next endpoint when the first hangs, long before the attempt timeout")
    void hedgeBeatsHang() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      reader = builder().attemptTimeout(Duration.ofMinutes(5))
          .hedging(HedgeOptions.builder().minDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(50)).budget(1)
              .burst(5).build())
          .buildClient();
      reader.read("k");
      primary.hangUninterruptibly();
      try {
        ReadResult result = reader.read("k").orElseThrow();
        assertThat(result.endpointId()).isEqualTo("secondary");
        assertThat(result.hedges()).isEqualTo(1);
        assertThat(result.attempts()).extracting(ReadAttempt::outcome)
            .containsExactly(ReadAttempt.Outcome.CANCELLED, ReadAttempt.Outcome.SUCCEEDED);
      } finally {
        primary.release();
      }
    }

    @Test
    @DisplayName("stay within the budget: with every read slow, hedges are at most budget x reads + burst")
    void budget() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      reader = builder().attemptTimeout(Duration.ofSeconds(30))
          .hedging(HedgeOptions.builder().minDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).budget(0.1)
              .burst(2).build())
          .buildClient();
      primary.latency(Duration.ofMillis(30));
      int reads = 60;
      int hedges = 0;
      for (int i = 0; i < reads; i++) {
        hedges += reader.read("k").orElseThrow().hedges();
      }
      assertThat(hedges).isGreaterThan(0).isLessThanOrEqualTo((int) (0.1 * reads) + 2);
    }

    @Test
    @DisplayName("route the next reads around an endpoint that lost a hedge, for the penalty only")
    void penalty() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      HedgeOptions.Builder hedging = HedgeOptions.builder().minDelay(Duration.ofMillis(1))
          .maxDelay(Duration.ofMillis(5)).budget(1).burst(5);
      reader = builder().hedging(hedging.penalty(Duration.ofMinutes(5)).build()).buildClient();
      primary.latency(Duration.ofMillis(200));

      ReadResult hedged = reader.read("k").orElseThrow();
      assertThat(hedged.endpointId()).isEqualTo("secondary");
      assertThat(hedged.attempts().get(0).detail()).isEqualTo("slower than the hedge");
      assertThat(reader.health().get(0).status()).isEqualTo(EndpointHealth.Status.DEGRADED);
      primary.latency(Duration.ZERO);
      assertThat(reader.read("k").orElseThrow().attempts()).extracting(ReadAttempt::endpointId)
          .containsExactly("secondary");
      reader.close();

      reader = builder().hedging(hedging.penalty(Duration.ZERO).build()).buildClient();
      primary.latency(Duration.ofMillis(200));
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("secondary");
      primary.latency(Duration.ZERO);
      assertThat(reader.read("k").orElseThrow().attempts()).extracting(ReadAttempt::endpointId)
          .containsExactly("primary");
    }

    @Test
    @DisplayName("time out a hung endpoint and fail over when hedging is off")
    void timeout() {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      reader = builder().attemptTimeout(Duration.ofMillis(100)).hedging(HedgeOptions.disabled()).buildClient();
      primary.hangUninterruptibly();
      try {
        ReadResult result = reader.read("k").orElseThrow();
        assertThat(result.endpointId()).isEqualTo("secondary");
        assertThat(result.attempts().get(0).outcome()).isEqualTo(ReadAttempt.Outcome.TIMED_OUT);
      } finally {
        primary.release();
      }
    }
  }

  @Nested
  @DisplayName("read-your-writes")
  class ReadYourWrites {
    @Test
    @DisplayName("reads only copies the push verified, with the receipt's MD5")
    void onlyVerifiedCopies() {
      InMemoryDestination a = new InMemoryDestination("a");
      FaultInjectingDestination b = FaultInjectingDestination.wrap(new InMemoryDestination("b"));
      try (DualPushClient pusher = new DualPushClientBuilder().destination("a", a).destination("b", b)
          .transactionLog(new InMemoryTransactionLog()).buildClient()) {
        PushReceipt first = pusher.push("k", "version 1".getBytes(StandardCharsets.UTF_8));
        b.partition();
        PushReceipt second;
        try {
          second = pusher.push("k", PAYLOAD);
        } catch (io.dualpush.PushFailedException e) {
          second = e.receipt();
        }
        assertThat(second.copy("b").orElseThrow().status()).isNotEqualTo(io.dualpush.CopyStatus.VERIFIED);
        b.heal();
        reader = new FailoverReadClientBuilder().endpoint(ReadEndpoint.of("b", b))
            .endpoint(ReadEndpoint.of("a", a).withPriority(5)).buildClient();

        ReadResult fresh = reader.read(ReadRequest.of("k").after(second)).orElseThrow();
        assertThat(fresh.toByteArray()).isEqualTo(PAYLOAD);
        assertThat(fresh.endpointId()).isEqualTo("a");
        assertThat(fresh.digestSource()).isEqualTo(DigestSource.RECEIPT);
        // A plain read takes b, whose copy is still the first version.
        assertThat(reader.read("k").orElseThrow().toByteArray()).isEqualTo("version 1".getBytes(StandardCharsets.UTF_8));
        assertThat(first.isVerified()).isTrue();
      }
    }

    @Test
    @DisplayName("looks a transaction id up through the receipt lookup")
    void byTransactionId() {
      InMemoryDestination a = new InMemoryDestination("a");
      try (DualPushClient pusher = new DualPushClientBuilder().destination("a", a)
          .transactionLog(new InMemoryTransactionLog()).buildClient()) {
        PushReceipt receipt = pusher.push("k", PAYLOAD);
        reader = new FailoverReadClientBuilder().endpoint("a", a).receiptLookup(pusher::receipt).buildClient();
        assertThat(reader.read(ReadRequest.of("k").afterTransaction(receipt.transactionId())).orElseThrow()
            .toByteArray()).isEqualTo(PAYLOAD);
        assertThatThrownBy(() -> reader.read(ReadRequest.of("k").afterTransaction("no-such-txn")))
            .isInstanceOf(io.dualpush.TransactionNotFoundException.class);
      }
    }

    @Test
    @DisplayName("fails, never 'not found', when a copy the receipt verified is missing")
    void verifiedCopyMissing() {
      InMemoryDestination a = new InMemoryDestination("a");
      try (DualPushClient pusher = new DualPushClientBuilder().destination("a", a)
          .transactionLog(new InMemoryTransactionLog()).buildClient()) {
        PushReceipt receipt = pusher.push("k", PAYLOAD);
        a.delete("k");
        reader = new FailoverReadClientBuilder().endpoint("a", a).buildClient();
        assertThatThrownBy(() -> reader.read(ReadRequest.of("k").after(receipt)))
            .isInstanceOf(AllEndpointsFailedException.class).hasMessageContaining("verified this copy");
      }
    }
  }

  @Nested
  @DisplayName("the stale-if-error cache")
  class StaleCache {
    @Test
    @DisplayName("serves the last good copy, flagged, when every endpoint is down")
    void servesStale() {
      store(primary, "k", PAYLOAD);
      reader = new FailoverReadClientBuilder().endpoint("primary", primary).staleCache(1024 * 1024).buildClient();
      reader.read("k");
      primary.partition();

      ReadResult stale = reader.read("k").orElseThrow();

      assertThat(stale.fromCache()).isTrue();
      assertThat(stale.toByteArray()).isEqualTo(PAYLOAD);
      assertThat(stale.attempts()).extracting(ReadAttempt::outcome).containsExactly(ReadAttempt.Outcome.FAILED);
      assertThatThrownBy(() -> reader.read(ReadRequest.of("k").allowStale(false)))
          .isInstanceOf(AllEndpointsFailedException.class);
      assertThatThrownBy(() -> reader.read(ReadRequest.of("k").expectedMd5(Md5.of(new byte[] {1}))))
          .isInstanceOf(AllEndpointsFailedException.class);
    }

    @Test
    @DisplayName("regression: is bounded by bytes at once, even while the common pool is busy")
    void boundedWhileCommonPoolBusy() throws Exception {
      byte[] big = new byte[600 * 1024];
      store(primary, "a", big);
      store(primary, "b", big);
      reader = new FailoverReadClientBuilder().endpoint("primary", primary).staleCache(1024 * 1024).buildClient();
      // Every common-pool worker waits, so nothing evicts in the background.
      int workers = java.util.concurrent.ForkJoinPool.commonPool().getParallelism();
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(workers);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.ForkJoinTask<?>> blockers = new java.util.ArrayList<>();
      for (int i = 0; i < workers; i++) {
        // Submitted to the common pool itself: CompletableFuture.runAsync would use a thread of its own on 2 CPUs.
        blockers.add(java.util.concurrent.ForkJoinPool.commonPool().submit(() -> {
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      try {
        assertThat(started.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        reader.read("a");
        reader.read("b");
        primary.partition();
        int served = 0;
        for (String key : List.of("a", "b")) {
          try {
            served += reader.read(key).orElseThrow().fromCache() ? 1 : 0;
          } catch (AllEndpointsFailedException e) {
            // Evicted.
          }
        }
        assertThat(served).isLessThanOrEqualTo(1);
      } finally {
        release.countDown();
        blockers.forEach(java.util.concurrent.ForkJoinTask::join);
      }
    }

    @Test
    @DisplayName("is bounded by bytes")
    void bounded() {
      byte[] big = new byte[600 * 1024];
      store(primary, "a", big);
      store(primary, "b", big);
      reader = new FailoverReadClientBuilder().endpoint("primary", primary).staleCache(1024 * 1024).buildClient();
      reader.read("a");
      reader.read("b");
      primary.partition();
      int served = 0;
      for (String key : List.of("a", "b")) {
        try {
          served += reader.read(key).orElseThrow().fromCache() ? 1 : 0;
        } catch (AllEndpointsFailedException e) {
          // Evicted.
        }
      }
      assertThat(served).isLessThanOrEqualTo(1);
    }
  }

  @Nested
  @DisplayName("streamed reads")
  class Streams {
    @Test
    @DisplayName("check a small object before handing it over, and fail over from a corrupt one")
    void smallVerifiedUpFront() throws Exception {
      store(primary, "k", PAYLOAD);
      store(secondary, "k", PAYLOAD);
      primary.corruptNextReads(1);
      reader = builder().buildClient();
      try (ReadStream in = reader.openStream(ReadRequest.of("k")).orElseThrow()) {
        assertThat(in.verifiedUpFront()).isTrue();
        assertThat(in.endpointId()).isEqualTo("secondary");
        assertThat(in.readAllBytes()).isEqualTo(PAYLOAD);
      }
    }

    @Test
    @DisplayName("of a large corrupt copy fail at their end instead of returning end-of-stream, and mark it bad")
    void largeCorruptFailsAtEnd() throws Exception {
      byte[] big = new byte[3 * 1024 * 1024];
      new Random(7).nextBytes(big);
      store(primary, "big", big);
      store(secondary, "big", big);
      primary.corruptNextReads(1);
      reader = builder().verifyBufferSize(64 * 1024).buildClient();

      try (ReadStream in = reader.openStream(ReadRequest.of("big")).orElseThrow()) {
        assertThat(in.verifiedUpFront()).isFalse();
        assertThat(in.endpointId()).isEqualTo("primary");
        assertThatThrownBy(in::readAllBytes).isInstanceOf(CorruptCopyException.class).hasMessageContaining("MD5");
        assertThatThrownBy(in::read).isInstanceOf(CorruptCopyException.class);
      }
      try (ReadStream in = reader.openStream(ReadRequest.of("big")).orElseThrow()) {
        assertThat(in.endpointId()).isEqualTo("secondary");
        assertThat(Arrays.equals(in.readAllBytes(), big)).isTrue();
      }
    }

    @Test
    @DisplayName("of a large good copy return every byte and a clean end")
    void largeGood() throws Exception {
      byte[] big = new byte[2 * 1024 * 1024 + 17];
      new Random(8).nextBytes(big);
      store(primary, "big", big);
      reader = builder().verifyBufferSize(1024).buildClient();
      try (ReadStream in = reader.openStream(ReadRequest.of("big")).orElseThrow()) {
        assertThat(in.size()).hasValue(big.length);
        assertThat(Md5.of(in).base64()).isEqualTo(Md5.of(big));
      }
    }

    @Test
    @DisplayName("a buffered read of an object over the buffer limit fails at once, naming openStream")
    void tooLarge() {
      store(primary, "big", new byte[4096]);
      reader = builder().bufferLimit(1024).buildClient();
      assertThatThrownBy(() -> reader.read("big")).isInstanceOf(ObjectTooLargeException.class)
          .hasMessageContaining("openStream");
    }
  }

  @Nested
  @DisplayName("the builder and lifecycle")
  class Lifecycle {
    @Test
    @DisplayName("refuses duplicate endpoint ids, settings given twice, and no endpoints")
    void validation() {
      assertThatThrownBy(() -> new FailoverReadClientBuilder().endpoint("a", primary).endpoint("a", secondary))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("'a'");
      assertThatThrownBy(() -> new FailoverReadClientBuilder().attemptTimeout(Duration.ofSeconds(1))
          .attemptTimeout(Duration.ofSeconds(2))).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("attemptTimeout was already set to PT1S");
      assertThatThrownBy(() -> new FailoverReadClientBuilder().attemptTimeout(Duration.ZERO))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("'attemptTimeout'");
      assertThatThrownBy(() -> new FailoverReadClientBuilder().buildClient())
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("endpoint");
      assertThatThrownBy(() -> ReadEndpoint.http("x", java.net.URI.create("ftp://host/x")))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("'baseUri'");
    }

    @Test
    @DisplayName("close fails reads still running with ClientClosedException and refuses new ones")
    void close() {
      store(primary, "k", PAYLOAD);
      reader = new FailoverReadClientBuilder().endpoint("primary", primary).hedging(HedgeOptions.disabled())
          .buildClient();
      primary.hangUninterruptibly();
      try {
        CompletableFuture<Optional<ReadResult>> running = reader.async().read("k");
        reader.close();
        assertThatThrownBy(running::join).hasCauseInstanceOf(ClientClosedException.class);
        assertThatThrownBy(() -> reader.read("k")).isInstanceOf(ClientClosedException.class);
      } finally {
        primary.release();
      }
    }
  }

  /** A destination that stores no MD5 with its one object. */
  /** A destination whose client gives up waiting, as java.net.http does at its request timeout. */
  private static final class TimingOutDestination implements io.dualpush.spi.Destination {
    private static RuntimeException timeout() {
      return new java.io.UncheckedIOException(new java.net.http.HttpTimeoutException("request timed out"));
    }

    @Override
    public io.dualpush.spi.PutResult put(WriteRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<io.dualpush.spi.ObjectInfo> head(String key) {
      throw timeout();
    }

    @Override
    public Optional<InputStream> get(String key) {
      throw timeout();
    }

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public io.dualpush.spi.HealthStatus probe() {
      return io.dualpush.spi.HealthStatus.healthy(Duration.ZERO);
    }

    @Override
    public String describe() {
      return "timing-out";
    }
  }

  private static final class NoMd5Destination implements io.dualpush.spi.Destination {
    private final byte[] bytes;

    NoMd5Destination(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public io.dualpush.spi.PutResult put(WriteRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<io.dualpush.spi.ObjectInfo> head(String key) {
      return Optional.of(new io.dualpush.spi.ObjectInfo(key, bytes.length, Optional.empty(), Optional.empty(),
          java.time.Instant.EPOCH, Map.of()));
    }

    @Override
    public Optional<InputStream> get(String key) {
      return Optional.of(new ByteArrayInputStream(bytes));
    }

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public io.dualpush.spi.HealthStatus probe() {
      return io.dualpush.spi.HealthStatus.healthy(Duration.ZERO);
    }

    @Override
    public String describe() {
      return "no-md5";
    }
  }

}
