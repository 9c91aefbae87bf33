package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Option types")
class OptionsTest {

  /** Durations every positive-duration setter refuses. */
  private static final Duration[] NOT_POSITIVE = {null, Duration.ZERO, Duration.ofMillis(-1), Duration.ofNanos(-1)};

  /** Asserts that {@code setter} refuses every non-positive duration, naming {@code field}. */
  private static void refusesNonPositive(Consumer<Duration> setter, String field) {
    for (Duration d : NOT_POSITIVE) {
      assertRefused(() -> setter.accept(d), field);
    }
  }

  /** Asserts that {@code setter} refuses jitters outside [0, 1], naming 'jitter'. */
  private static void refusesBadJitter(Consumer<Double> setter) {
    for (double j : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertRefused(() -> setter.accept(j), "jitter");
    }
  }

  @Nested
  @DisplayName("DestinationOptions")
  class Destinations {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"primary", "dr-westus2", "edge.asia_1", "0", "A"})
    @DisplayName("accepts ids of letters, digits, '.', '_' and '-' starting with a letter or digit")
    void goodIds(String id) {
      assertThat(DestinationOptions.of(id).id()).isEqualTo(id);
    }

    @Test
    @DisplayName("accepts an id of 63 characters")
    void longestId() {
      String id = "d".repeat(63);
      assertThat(DestinationOptions.of(id).id()).isEqualTo(id);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "-a", ".a", "_a", "a b", "a/b", "a:b", "é", "a\n"})
    @DisplayName("refuses a malformed id, naming 'id'")
    void badIds(String id) {
      assertRefused(() -> DestinationOptions.builder(id), "id");
      assertRefused(() -> DestinationOptions.of(id), "id");
    }

    @Test
    @DisplayName("refuses a null id and an id of 64 characters, naming 'id'")
    void nullAndLongIds() {
      assertRefused(() -> DestinationOptions.of(null), "id");
      assertRefused(() -> DestinationOptions.of("d".repeat(64)), "id");
    }

    @Test
    @DisplayName("refuses a negative priority, naming 'priority'")
    void negativePriority() {
      assertRefused(() -> DestinationOptions.builder("p").priority(-1), "priority");
      assertRefused(() -> DestinationOptions.builder("p").priority(Integer.MIN_VALUE), "priority");
      assertThat(DestinationOptions.builder("p").priority(0).build().priority()).isZero();
    }

    @Test
    @DisplayName("refuses a null, zero or negative timeout, naming 'timeout'")
    void badTimeout() {
      refusesNonPositive(d -> DestinationOptions.builder("p").timeout(d), "timeout");
    }

    @Test
    @DisplayName("refuses a null region, naming 'region'")
    void nullRegion() {
      assertRefused(() -> DestinationOptions.builder("p").region(null), "region");
    }

    @Test
    @DisplayName("defaults to required, priority 1, no region and a 60 s timeout")
    void defaults() {
      DestinationOptions o = DestinationOptions.of("p");
      assertThat(o.required()).isTrue();
      assertThat(o.priority()).isEqualTo(1);
      assertThat(o.region()).isEmpty();
      assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    @DisplayName("keeps a refused setter from changing the built options")
    void refusedSetterChangesNothing() {
      DestinationOptions.Builder b = DestinationOptions.builder("p").priority(2).timeout(Duration.ofSeconds(5));
      assertRefused(() -> b.priority(-5), "priority");
      assertRefused(() -> b.timeout(Duration.ZERO), "timeout");
      DestinationOptions o = b.build();
      assertThat(o.priority()).isEqualTo(2);
      assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(5));
    }
  }

  @Nested
  @DisplayName("RetryOptions")
  class Retry {

    @Test
    @DisplayName("refuses fewer than one attempt, naming 'maxAttempts'")
    void maxAttempts() {
      assertRefused(() -> RetryOptions.builder().maxAttempts(0), "maxAttempts");
      assertRefused(() -> RetryOptions.builder().maxAttempts(-1), "maxAttempts");
      assertThat(RetryOptions.builder().maxAttempts(1).build().maxAttempts()).isEqualTo(1);
    }

    @Test
    @DisplayName("refuses a non-positive initialDelay or maxDelay, naming each")
    void delays() {
      refusesNonPositive(d -> RetryOptions.builder().initialDelay(d), "initialDelay");
      refusesNonPositive(d -> RetryOptions.builder().maxDelay(d), "maxDelay");
    }

    @Test
    @DisplayName("refuses a jitter outside 0..1, naming 'jitter'")
    void jitter() {
      refusesBadJitter(j -> RetryOptions.builder().jitter(j));
      assertThat(RetryOptions.builder().jitter(0).build().jitter()).isZero();
      assertThat(RetryOptions.builder().jitter(1).build().jitter()).isEqualTo(1);
    }

    @Test
    @DisplayName("refuses at build() a maxDelay shorter than initialDelay, naming 'maxDelay'")
    void maxDelayShorterThanInitial() {
      InvalidInputException e = assertRefused(() -> RetryOptions.builder()
          .initialDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1)).build(), "maxDelay");
      assertThat(e.getMessage()).contains("initialDelay");
    }

    @Test
    @DisplayName("has the documented defaults, and none() makes one attempt")
    void defaults() {
      RetryOptions d = RetryOptions.ofDefaults();
      assertThat(d.maxAttempts()).isEqualTo(3);
      assertThat(d.initialDelay()).isEqualTo(Duration.ofMillis(100));
      assertThat(d.maxDelay()).isEqualTo(Duration.ofSeconds(5));
      assertThat(d.jitter()).isEqualTo(0.25);
      assertThat(RetryOptions.none().maxAttempts()).isEqualTo(1);
    }

    @Test
    @DisplayName("snapshots its builder on build()")
    void snapshot() {
      RetryOptions.Builder b = RetryOptions.builder().maxAttempts(4);
      RetryOptions built = b.build();
      b.maxAttempts(9);
      assertThat(built.maxAttempts()).isEqualTo(4);
    }
  }

  @Nested
  @DisplayName("RepairOptions")
  class Repair {

    @Test
    @DisplayName("refuses negative maxRetries, naming 'maxRetries', and accepts zero")
    void maxRetries() {
      assertRefused(() -> RepairOptions.builder().maxRetries(-1), "maxRetries");
      assertThat(RepairOptions.builder().maxRetries(0).build().maxRetries()).isZero();
    }

    @Test
    @DisplayName("refuses a non-positive initialDelay, maxDelay or scanInterval, naming each")
    void durations() {
      refusesNonPositive(d -> RepairOptions.builder().initialDelay(d), "initialDelay");
      refusesNonPositive(d -> RepairOptions.builder().maxDelay(d), "maxDelay");
      refusesNonPositive(d -> RepairOptions.builder().scanInterval(d), "scanInterval");
    }

    @Test
    @DisplayName("refuses a jitter outside 0..1, naming 'jitter'")
    void jitter() {
      refusesBadJitter(j -> RepairOptions.builder().jitter(j));
    }

    @Test
    @DisplayName("refuses at build() a maxDelay shorter than initialDelay, naming 'maxDelay'")
    void maxDelayShorterThanInitial() {
      assertRefused(() -> RepairOptions.builder()
          .initialDelay(Duration.ofMinutes(10)).build(), "maxDelay");
    }

    @Test
    @DisplayName("has the documented defaults")
    void defaults() {
      RepairOptions d = RepairOptions.ofDefaults();
      assertThat(d.maxRetries()).isEqualTo(5);
      assertThat(d.initialDelay()).isEqualTo(Duration.ofSeconds(1));
      assertThat(d.maxDelay()).isEqualTo(Duration.ofMinutes(5));
      assertThat(d.jitter()).isEqualTo(0.2);
      assertThat(d.scanInterval()).isEqualTo(Duration.ofSeconds(1));
      assertThat(d.enabled()).isTrue();
    }
  }

  @Nested
  @DisplayName("CircuitBreakerOptions")
  class CircuitBreaker {

    @Test
    @DisplayName("refuses a failureThreshold below 1, naming 'failureThreshold'")
    void failureThreshold() {
      assertRefused(() -> CircuitBreakerOptions.builder().failureThreshold(0), "failureThreshold");
      assertRefused(() -> CircuitBreakerOptions.builder().failureThreshold(-3), "failureThreshold");
    }

    @Test
    @DisplayName("refuses a non-positive openDelay, naming 'openDelay'")
    void openDelay() {
      refusesNonPositive(d -> CircuitBreakerOptions.builder().openDelay(d), "openDelay");
    }

    @Test
    @DisplayName("has the documented defaults, and disabled() never opens")
    void defaults() {
      assertThat(CircuitBreakerOptions.ofDefaults().failureThreshold()).isEqualTo(5);
      assertThat(CircuitBreakerOptions.ofDefaults().openDelay()).isEqualTo(Duration.ofSeconds(30));
      assertThat(CircuitBreakerOptions.disabled().failureThreshold()).isEqualTo(Integer.MAX_VALUE);
    }
  }

  @Nested
  @DisplayName("AckPolicy")
  class Ack {

    @ParameterizedTest(name = "quorum({0})")
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    @DisplayName("refuses a quorum below 1, naming 'quorum'")
    void badQuorum(int count) {
      assertRefused(() -> AckPolicy.quorum(count), "quorum");
    }

    @Test
    @DisplayName("allRequired needs every required copy; quorum(n) needs n")
    void requiredCopies() {
      Function<Integer, Integer> all = AckPolicy.allRequired()::requiredCopies;
      assertThat(all.apply(3)).isEqualTo(3);
      assertThat(AckPolicy.quorum(2).requiredCopies(3)).isEqualTo(2);
      assertThat(AckPolicy.allRequired().isAllRequired()).isTrue();
      assertThat(AckPolicy.quorum(1).isAllRequired()).isFalse();
      assertThat(AckPolicy.quorum(2)).isEqualTo(AckPolicy.quorum(2)).isNotEqualTo(AckPolicy.quorum(3));
    }
  }
}
