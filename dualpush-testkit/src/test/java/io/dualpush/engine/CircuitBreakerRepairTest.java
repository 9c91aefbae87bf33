package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationHealth;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.PushFailedException;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, item 2: after a region outage, repair rounds refused by the destination's open circuit
 * breaker were counted as attempts, and transactions were dead-lettered without the destination
 * ever being tried again. A refused round is not an attempt; repair waits for the breaker's
 * half-open probe, and a successful probe lets every waiting repair through at once.
 */
@DisplayName("Circuit breaker and repair")
class CircuitBreakerRepairTest {
  /** Liveness bound only. */
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final Duration OPEN_DELAY = Duration.ofSeconds(30);

  private final Fixture f = new Fixture();
  private final CountingDestination secondary = new CountingDestination(f.secondary);

  @AfterEach
  void tearDown() {
    f.secondary.heal();
    f.close();
  }

  /** Two required regions, the secondary counted; the breaker opens after 5 failed calls for {@code openDelay}. */
  private void start(int maxRetries, int failureThreshold, Duration openDelay) {
    f.client = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").timeout(Duration.ofSeconds(5)).build(), f.primary)
        .destination(DestinationOptions.builder("secondary").timeout(Duration.ofSeconds(5)).build(), secondary)
        .transactionLog(f.log)
        .clock(f.clock)
        .alertSink(f.alerts::add)
        .listener(f.events::add)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(failureThreshold).openDelay(openDelay).build())
        .repair(Fixture.repair(maxRetries))
        .buildClient();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Pushes {@code n} objects while the secondary is down; returns their transaction ids. */
  private List<String> pushDuringOutage(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = "gold/part-" + i + ".csv";
      PushFailedException e = catchThrowableOfType(() -> f.client.push(key, bytes(key)), PushFailedException.class);
      assertThat(e).as("push of %s during the outage", key).isNotNull();
      ids.add(e.receipt().transactionId());
    }
    return ids;
  }

  /**
   * Lets the repair scheduler act on the clock as it now stands: waits (bounded) until no push or
   * repair round has been in flight for a few scans. Not an assertion on speed: a slow machine only
   * makes a step take longer.
   */
  private void settle() {
    await().pollDelay(Duration.ofMillis(20)).during(Duration.ofMillis(40)).atMost(BOUND)
        .until(() -> f.client.stats().inFlightPushes() == 0);
  }

  private TransactionRecord record(String id) {
    return f.log.read(id).orElseThrow();
  }

  @Nested
  @DisplayName("after a region outage")
  class RegionOutage {
    @Test
    @DisplayName("no transaction is dead-lettered unless its destination was really tried maxRetries times, "
        + "and every one ends verified once the region is back")
    void refusedRoundsDoNotDeadLetter() {
      int maxRetries = 3;
      start(maxRetries, 5, OPEN_DELAY);
      f.secondary.partition();
      List<String> ids = pushDuringOutage(300);
      Map<String, Integer> pushCalls = new HashMap<>();
      for (String id : ids) {
        pushCalls.put(id, secondary.puts(record(id).key()));
      }
      // Most pushes never reached the secondary: its breaker opened after the first few failed.
      assertThat(secondary.puts()).isLessThan(20);

      // Twenty minutes of outage, a minute at a time: long enough for every transaction's rounds
      // to be due several times over.
      int beforeOutage = secondary.puts();
      for (int minute = 0; minute < 20; minute++) {
        f.clock.advance(Duration.ofMinutes(1));
        settle();
      }
      // Repair went on trying, one half-open probe at a time, and gave up on nothing.
      assertThat(secondary.puts()).isGreaterThan(beforeOutage);
      assertThat(f.client.stats().deadLettered()).isZero();
      f.secondary.heal();
      for (int minute = 0; minute < 60 && !allVerifiedOrDead(ids); minute++) {
        f.clock.advance(Duration.ofMinutes(1));
        settle();
      }

      for (String id : ids) {
        TransactionRecord r = record(id);
        int repairCalls = secondary.puts(r.key()) - pushCalls.get(id);
        assertThat(r.repairRounds()).as("%s: repair rounds counted vs writes that reached the secondary", r.key())
            .isLessThanOrEqualTo(repairCalls);
        if (r.state() == TransactionState.DEAD_LETTERED) {
          assertThat(repairCalls).as("%s was dead-lettered: %s", r.key(), r.deadLetterReason().orElse(""))
              .isGreaterThanOrEqualTo(maxRetries);
        }
      }
      assertThat(ids).allSatisfy(id -> assertThat(record(id).state()).as(record(id).key()).isEqualTo(TransactionState.VERIFIED));
    }

    private boolean allVerifiedOrDead(List<String> ids) {
      return ids.stream().map(id -> record(id).state())
          .allMatch(s -> s == TransactionState.VERIFIED || s == TransactionState.DEAD_LETTERED);
    }

    @Test
    @DisplayName("once the region is healed, moving the clock past the open delay lets the half-open probe through, "
        + "and its success makes every waiting repair due at once")
    void probeReleasesWaitingRepairs() {
      start(5, 5, OPEN_DELAY);
      f.secondary.partition();
      List<String> ids = pushDuringOutage(20);
      // The first repairs are due: the breaker has been open longer than its delay, so one of them is
      // the probe, which fails; the breaker opens again and the rest wait.
      f.clock.advance(Fixture.REPAIR_DELAY);
      settle();
      assertThat(ids).allSatisfy(id -> assertThat(record(id).state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED));

      f.secondary.heal();
      f.clock.advance(OPEN_DELAY);

      // No more clock: the probe succeeds and everything waiting follows, without a backoff.
      await().atMost(BOUND).untilAsserted(() -> assertThat(ids)
          .allSatisfy(id -> assertThat(record(id).state()).isEqualTo(TransactionState.VERIFIED)));
    }
  }

  @Nested
  @DisplayName("a repair round refused by the open breaker")
  class RefusedRound {
    @Test
    @DisplayName("is not recorded, does not move the transaction toward dead letter, and keeps the copy's first cause")
    void refusedRoundIsNotRecorded() {
      start(2, 1, Duration.ofHours(2));
      f.secondary.partition();
      List<String> ids = pushDuringOutage(5);
      Map<String, String> errors = new HashMap<>();
      for (String id : ids) {
        errors.put(id, record(id).copy("secondary").orElseThrow().error());
      }
      assertThat(errors.get(ids.get(0))).contains("unreachable");
      int entries = f.log.entries().size();
      int calls = secondary.puts();

      // Every round is due several times over, and every one would be refused: the breaker stays open.
      for (Duration step : List.of(Duration.ofMinutes(2), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofMinutes(30))) {
        f.clock.advance(step);
        settle();
      }

      assertThat(secondary.puts()).isEqualTo(calls);
      assertThat(f.log.entries()).hasSize(entries)
          .noneMatch(e -> e instanceof LogEntry.RepairAttempted || e instanceof LogEntry.DeadLettered);
      for (String id : ids) {
        TransactionRecord r = record(id);
        assertThat(r.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
        assertThat(r.repairRounds()).isZero();
        assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
        assertThat(r.copy("secondary").orElseThrow().error()).isEqualTo(errors.get(id));
      }
    }
  }

  @Nested
  @DisplayName("health() and resetCircuitBreaker")
  class HealthAndReset {
    @Test
    @DisplayName("health() shows each destination's breaker state, since when, and the failure that opened it")
    void healthShowsTheBreaker() {
      start(3, 2, OPEN_DELAY);
      Instant started = f.clock.instant();
      assertThat(f.client.health().get("secondary")).satisfies(h -> {
        assertThat(h.healthy()).isTrue();
        assertThat(h.circuitBreaker()).isEqualTo(new CircuitBreakerState(CircuitBreakerState.State.CLOSED, started, 0, Optional.empty()));
      });

      f.clock.advance(Duration.ofSeconds(7));
      Instant openedAt = f.clock.instant();
      f.secondary.partition();
      pushDuringOutage(1);
      f.clock.advance(Duration.ofSeconds(3));

      Map<String, DestinationHealth> health = f.client.health();
      assertThat(health).containsOnlyKeys("primary", "secondary");
      assertThat(health.get("primary").healthy()).isTrue();
      assertThat(health.get("primary").circuitBreaker().state()).isEqualTo(CircuitBreakerState.State.CLOSED);
      DestinationHealth down = health.get("secondary");
      assertThat(down.destinationId()).isEqualTo("secondary");
      assertThat(down.healthy()).isFalse();
      assertThat(down.probe().healthy()).isFalse();
      assertThat(down.stuckCalls()).isZero();
      assertThat(down.circuitBreaker().state()).isEqualTo(CircuitBreakerState.State.OPEN);
      assertThat(down.circuitBreaker().since()).isEqualTo(openedAt);
      assertThat(down.circuitBreaker().consecutiveFailures()).isEqualTo(2);
      assertThat(down.circuitBreaker().openingCause()).hasValueSatisfying(c -> assertThat(c).contains("unreachable"));

      // Back, but the breaker has not let a write through yet: half-open once its delay has passed.
      f.secondary.heal();
      f.clock.advance(OPEN_DELAY);
      DestinationHealth back = f.client.health().get("secondary");
      assertThat(back.probe().healthy()).isTrue();
      assertThat(back.circuitBreaker().state()).isEqualTo(CircuitBreakerState.State.HALF_OPEN);
      assertThat(back.circuitBreaker().since()).isEqualTo(openedAt.plus(OPEN_DELAY));
      assertThat(back.circuitBreaker().openingCause()).hasValueSatisfying(c -> assertThat(c).contains("unreachable"));
      assertThat(back.healthy()).isTrue();
    }

    @Test
    @DisplayName("resetting the breaker closes it and makes every waiting repair due at once, without moving the clock")
    void resetReleasesWaitingRepairs() {
      start(5, 5, Duration.ofHours(1));
      f.secondary.partition();
      List<String> ids = pushDuringOutage(10);
      f.clock.advance(Fixture.REPAIR_DELAY);
      settle();
      int calls = secondary.puts();
      assertThat(f.client.health().get("secondary").circuitBreaker().state()).isEqualTo(CircuitBreakerState.State.OPEN);

      f.secondary.heal();
      f.client.resetCircuitBreaker("secondary");

      assertThat(f.client.health().get("secondary").circuitBreaker())
          .satisfies(b -> {
            assertThat(b.state()).isEqualTo(CircuitBreakerState.State.CLOSED);
            assertThat(b.openingCause()).isEmpty();
          });
      await().atMost(BOUND).untilAsserted(() -> assertThat(ids)
          .allSatisfy(id -> assertThat(record(id).state()).isEqualTo(TransactionState.VERIFIED)));
      assertThat(secondary.puts()).isGreaterThanOrEqualTo(calls + ids.size());
    }

    @Test
    @DisplayName("resetting an unknown destination's breaker fails naming the field and the destinations there are")
    void resetUnknown() {
      start(3, 5, OPEN_DELAY);
      assertThatThrownBy(() -> f.client.resetCircuitBreaker("tertiary"))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("destinationId");
            assertThat(e).hasMessage("'destinationId' names no destination of this client: 'tertiary'; "
                + "destinations: primary, secondary.");
          });
      assertThatThrownBy(() -> f.client.resetCircuitBreaker(null))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("destinationId"));
    }
  }
}
