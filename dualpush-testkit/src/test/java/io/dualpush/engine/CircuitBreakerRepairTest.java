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
