package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.dualpush.CircuitBreakerOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("CircuitBreaker")
class CircuitBreakerTest {
  private static final Duration OPEN_DELAY = Duration.ofSeconds(30);
  private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T12:00:00Z"));
  private final CircuitBreaker breaker = new CircuitBreaker("disk",
      CircuitBreakerOptions.builder().failureThreshold(3).openDelay(OPEN_DELAY).build(), clock);

  /** A clock that moves only when told to (core's tests cannot use the testkit's ManualClock). */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private void fail(String why) {
    breaker.acquire();
    breaker.onFailure(new IOException(why), "transient: " + why);
  }

  private void succeed() {
    breaker.acquire();
    breaker.onSuccess();
  }

  @Nested
  @DisplayName("closed")
  class Closed {
    @Test
    @DisplayName("lets calls through, and a success clears the failures counted so far")
    void successClears() {
      fail("one");
      fail("two");
      succeed();
      fail("three");
      fail("four");
      assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(breaker.snapshot().consecutiveFailures()).isEqualTo(2);
    }

    @Test
    @DisplayName("opens after failureThreshold consecutive failures, remembering when and the failure that opened it")
    void opens() {
      fail("No space left on device");
      fail("No space left on device");
      clock.advance(Duration.ofSeconds(1));
      fail("Operation not permitted");

      CircuitBreaker.Snapshot s = breaker.snapshot();
      assertThat(s.state()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(s.since()).isEqualTo(Instant.parse("2026-01-01T12:00:01Z"));
      assertThat(s.openingCause()).isEqualTo("transient: Operation not permitted");
      assertThat(s.openingException()).get().extracting(Throwable::getMessage).isEqualTo("Operation not permitted");
      assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    @DisplayName("disabled, never opens")
    void disabled() {
      CircuitBreaker never = new CircuitBreaker("disk", CircuitBreakerOptions.disabled(), clock);
      for (int i = 0; i < 1000; i++) {
        never.acquire();
        never.onFailure(new IOException("x"), "x");
      }
      never.acquire();
      assertThat(never.isOpen()).isFalse();
    }
  }

  @Nested
  @DisplayName("open")
  class Open {
    @Test
    @DisplayName("refuses calls with the time it opened, the failures counted and the failure that opened it, as cause too")
    void refusalSaysWhy() {
      fail("a");
      fail("b");
      IOException opening = new IOException("No space left on device");
      breaker.acquire();
      breaker.onFailure(opening, "transient: Cannot write 'k': IOException No space left on device");
      clock.advance(Duration.ofSeconds(7));

      CircuitOpenException refusal = catchThrowableOfType(CircuitOpenException.class, breaker::acquire);

      assertThat(refusal).hasMessage("circuit breaker open since 2026-01-01T12:00:00Z after 3 failures; "
          + "last: transient: Cannot write 'k': IOException No space left on device");
      assertThat(refusal.getCause()).isSameAs(opening);
      assertThat(refusal.destinationId()).isEqualTo("disk");
      assertThat(refusal.openedAt()).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
    }

    @Test
    @DisplayName("stays open until openDelay has passed on the injected clock, however much real time passes")
    void followsTheClock() {
      fail("a");
      fail("b");
      fail("c");
      clock.advance(OPEN_DELAY.minusMillis(1));
      assertThatThrownBy(breaker::acquire).isInstanceOf(CircuitOpenException.class);
      clock.advance(Duration.ofMillis(1));
      breaker.acquire();
      assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    @Test
    @DisplayName("a success reported for a call let through before it opened changes nothing")
    void lateSuccessIgnored() {
      breaker.acquire();
      fail("a");
      fail("b");
      fail("c");
      breaker.onSuccess();
      assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    @DisplayName("reset() closes it at once and forgets the failures")
    void reset() {
      fail("a");
      fail("b");
      fail("c");
      breaker.reset();
      assertThat(breaker.snapshot()).satisfies(s -> {
        assertThat(s.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.openingCause()).isEmpty();
        assertThat(s.openingException()).isEmpty();
      });
      succeed();
    }
  }

  @Nested
  @DisplayName("half-open")
  class HalfOpen {
    private void openAndWait() {
      fail("a");
      fail("b");
      fail("c");
      clock.advance(OPEN_DELAY);
    }

    @Test
    @DisplayName("lets one trial call through and refuses others while it runs; its success closes the breaker")
    void trialSucceeds() {
      openAndWait();
      breaker.acquire();
      assertThatThrownBy(breaker::acquire).isInstanceOf(CircuitOpenException.class)
          .hasMessageContaining("a trial call is running");
      breaker.onSuccess();
      assertThat(breaker.snapshot().state()).isEqualTo(CircuitBreaker.State.CLOSED);
      succeed();
    }

    @Test
    @DisplayName("a failed trial opens it again from now, with the trial's failure as the cause")
    void trialFails() {
      openAndWait();
      breaker.acquire();
      breaker.onFailure(new IOException("still full"), "transient: still full");
      CircuitBreaker.Snapshot s = breaker.snapshot();
      assertThat(s.state()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(s.since()).isEqualTo(clock.instant());
      assertThat(s.openingCause()).isEqualTo("transient: still full");
      assertThatThrownBy(breaker::acquire).hasMessageContaining("since " + clock.instant() + " after 4 failures");
    }
  }

  @Nested
  @DisplayName("for work that waits on it")
  class Waiting {
    @Test
    @DisplayName("refusesNow() says whether acquire() would refuse: open, or half-open with the trial running")
    void refusesNow() {
      assertThat(breaker.refusesNow()).isFalse();
      fail("a");
      fail("b");
      fail("c");
      assertThat(breaker.refusesNow()).isTrue();
      assertThat(breaker.isHalfOpen()).isFalse();
      clock.advance(OPEN_DELAY);
      assertThat(breaker.isHalfOpen()).isTrue();
      assertThat(breaker.refusesNow()).isFalse();
      breaker.acquire();
      assertThat(breaker.refusesNow()).isTrue();
      breaker.onSuccess();
      assertThat(breaker.refusesNow()).isFalse();
    }

    @Test
    @DisplayName("closings() moves when a trial closes it and on every reset, not on a failed trial or a plain success")
    void closings() {
      succeed();
      assertThat(breaker.closings()).isZero();
      fail("a");
      fail("b");
      fail("c");
      clock.advance(OPEN_DELAY);
      breaker.acquire();
      breaker.onFailure(new IOException("still down"), "transient: still down");
      assertThat(breaker.closings()).isZero();
      clock.advance(OPEN_DELAY);
      succeed();
      assertThat(breaker.closings()).isEqualTo(1);
      breaker.reset();
      assertThat(breaker.closings()).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("tells its listener once when it opens from closed and once when it closes, with how long it was down")
  void tellsItsListenerOfOutagesOnly() {
    java.util.List<String> changes = new java.util.ArrayList<>();
    breaker.onStateChange((down, after, downFor) -> changes.add(
        (down ? "down " : "up ") + after.state() + " " + downFor.toSeconds() + "s " + after.openingCause()));
    fail("one");
    fail("two");
    assertThat(changes).isEmpty();
    fail("three");
    assertThat(changes).containsExactly("down OPEN 0s transient: three");
    clock.advance(OPEN_DELAY);
    fail("trial");
    // Re-opened from half-open: still the same outage, so no second "down".
    assertThat(changes).hasSize(1);
    clock.advance(OPEN_DELAY);
    succeed();
    assertThat(changes).containsExactly("down OPEN 0s transient: three", "up CLOSED 60s ");
    breaker.reset();
    assertThat(changes).hasSize(2);
  }
}
