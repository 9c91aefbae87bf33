package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.spi.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("AlertCoalescer")
class AlertCoalescerTest {
  private final StepClock clock = new StepClock();
  private final List<Alert> out = new CopyOnWriteArrayList<>();
  private final AlertCoalescer coalescer = AlertCoalescer.builder().sink(out::add).clock(clock).sampleKeys(3).build();

  @AfterEach
  void close() {
    coalescer.close();
  }

  private Alert alert(Alert.Type type, String destination, String tx) {
    return new Alert(type, type.defaultSeverity(), "push failed", tx, destination, clock.instant());
  }

  @Nested
  @DisplayName("within one (type, destination)")
  class OneGroup {
    @Test
    @DisplayName("1,000 alerts in a window give the first at once, one summary counting 999, then one resolve")
    void stormBecomesThree() {
      for (int i = 0; i < 1000; i++) {
        coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "tx-" + i));
      }
      assertThat(out).hasSize(1);
      assertThat(out.get(0).transactionId()).isEqualTo("tx-0");

      clock.advance(Duration.ofSeconds(59));
      coalescer.flushDue();
      assertThat(out).hasSize(1);

      clock.advance(Duration.ofSeconds(1));
      coalescer.flushDue();
      assertThat(out).hasSize(2);
      Alert summary = out.get(1);
      assertThat(summary.type()).isEqualTo(Alert.Type.PUSH_FAILURE);
      assertThat(summary.severity()).isEqualTo(Alert.Severity.HIGH);
      assertThat(summary.destinationId()).isEqualTo("east");
      assertThat(summary.message())
          .isEqualTo("push failed (and 999 more in the last 60 s; first transactions: tx-1, tx-2, tx-3)");

      clock.advance(Duration.ofSeconds(1));
      coalescer.flushDue();
      assertThat(out).hasSize(3);
      Alert resolve = out.get(2);
      assertThat(resolve.type()).isEqualTo(Alert.Type.PUSH_FAILURE);
      assertThat(resolve.destinationId()).isEqualTo("east");
      assertThat(resolve.message()).isEqualTo("PUSH_FAILURE on east resolved after 1000 alerts (quiet for 60 s)");
      assertThat(coalescer.trackedGroups()).isZero();

      clock.advance(Duration.ofMinutes(5));
      coalescer.flushDue();
      assertThat(out).hasSize(3);
    }

    @Test
    @DisplayName("a lone alert is forwarded, and resolved after a quiet window, with no summary")
    void loneAlert() {
      coalescer.raise(alert(Alert.Type.DEAD_LETTER, "west", "tx"));
      clock.advance(Duration.ofSeconds(60));
      coalescer.flushDue();
      assertThat(out).extracting(Alert::message)
          .containsExactly("push failed", "DEAD_LETTER on west resolved after 1 alert (quiet for 60 s)");
    }

    @Test
    @DisplayName("after a resolve, the next alert passes through at once again")
    void newEpisode() {
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "a"));
      clock.advance(Duration.ofSeconds(60));
      coalescer.flushDue();
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "b"));
      assertThat(out).extracting(Alert::transactionId).containsExactly("a", "", "b");
    }

    @Test
    @DisplayName("a steady storm gives one summary a window and no resolve while it lasts")
    void steadyStorm() {
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "first"));
      for (int s = 1; s <= 180; s++) {
        clock.advance(Duration.ofSeconds(1));
        coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "t" + s));
        coalescer.flushDue();
      }
      assertThat(out).hasSize(4);
      assertThat(out.subList(1, 4)).allSatisfy(a -> assertThat(a.message()).contains("more in the last 60 s"));
    }

    @Test
    @DisplayName("close forwards the summary of alerts still counted, then alerts pass straight through")
    void closeFlushes() {
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "a"));
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "b"));
      coalescer.close();
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "c"));
      coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "d"));
      assertThat(out).extracting(Alert::transactionId).containsExactly("a", "", "c", "d");
      assertThat(out.get(1).message()).contains("and 1 more");
    }
  }

  @Nested
  @DisplayName("groups")
  class Groups {
    @Test
    @DisplayName("two destinations are coalesced separately")
    void destinationsSeparate() {
      for (int i = 0; i < 10; i++) {
        coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "e" + i));
        coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "west", "w" + i));
      }
      assertThat(out).extracting(Alert::destinationId).containsExactly("east", "west");
      clock.advance(Duration.ofSeconds(60));
      coalescer.flushDue();
      assertThat(out).hasSize(4);
      assertThat(out.subList(2, 4)).extracting(Alert::message)
          .allSatisfy(m -> assertThat(m).contains("and 9 more"));
    }

    @Test
    @DisplayName("different types on one destination are coalesced separately")
    void typesSeparate() {
      for (int i = 0; i < 10; i++) {
        coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "p" + i));
        coalescer.raise(alert(Alert.Type.VERIFICATION_FAILURE, "east", "v" + i));
      }
      assertThat(out).extracting(Alert::type)
          .containsExactly(Alert.Type.PUSH_FAILURE, Alert.Type.VERIFICATION_FAILURE);
    }

    @Test
    @DisplayName("beyond maxKeys groups, alerts pass through uncoalesced and memory stays bounded")
    void capped() {
      try (AlertCoalescer small = AlertCoalescer.builder().sink(out::add).clock(clock).maxKeys(2).build()) {
        for (int i = 0; i < 5; i++) {
          small.raise(alert(Alert.Type.PUSH_FAILURE, "d" + i, "x"));
          small.raise(alert(Alert.Type.PUSH_FAILURE, "d" + i, "y"));
        }
        assertThat(small.trackedGroups()).isEqualTo(2);
        assertThat(out).hasSize(2 + 3 * 2);
      }
    }
  }

  @Nested
  @DisplayName("resolve (the condition cleared)")
  class Resolve {
    private final List<Alert> resolved = new CopyOnWriteArrayList<>();
    private final AlertCoalescer tracking = AlertCoalescer.builder().sink(new io.dualpush.spi.AlertSink() {
      @Override
      public void raise(Alert alert) {
        out.add(alert);
      }

      @Override
      public void resolve(Alert r) {
        resolved.add(r);
      }
    }).clock(clock).build();

    @AfterEach
    void closeTracking() {
      tracking.close();
    }

    private Alert back(String destination) {
      return new Alert(Alert.Type.CONNECTION_FAILURE, Alert.Severity.HIGH, "Destination " + destination + " is back",
          "", destination, clock.instant());
    }

    @Test
    @DisplayName("is forwarded at once, without waiting for the quiet window, and the group is forgotten")
    void forwardedAtOnce() {
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "east", ""));

      tracking.resolve(back("east"));

      assertThat(out).hasSize(1);
      assertThat(resolved).singleElement().satisfies(r -> {
        assertThat(r.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(r.destinationId()).isEqualTo("east");
      });
      assertThat(tracking.trackedGroups()).isZero();
      // Nothing more after the window: the group was resolved already.
      clock.advance(Duration.ofMinutes(5));
      tracking.flushDue();
      assertThat(out).hasSize(1);
      // The next outage is news again: its first alert passes at once.
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "east", ""));
      assertThat(out).hasSize(2);
    }

    @Test
    @DisplayName("a destination down for many windows is not declared resolved by quiet: only its resolve ends it")
    void noQuietResolveForAnOutage() {
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "east", ""));
      for (int i = 0; i < 10; i++) {
        clock.advance(Duration.ofSeconds(60));
        tracking.flushDue();
      }
      assertThat(out).hasSize(1);
      assertThat(tracking.trackedGroups()).isEqualTo(1);

      tracking.resolve(back("east"));

      assertThat(resolved).hasSize(1);
      assertThat(tracking.trackedGroups()).isZero();
    }

    @Test
    @DisplayName("first forwards the summary of alerts still counted, so no count is lost")
    void summaryFirst() {
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "east", "a"));
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "east", "b"));
      tracking.raise(alert(Alert.Type.CONNECTION_FAILURE, "west", "c"));

      tracking.resolve(back("east"));

      assertThat(out).extracting(Alert::message).containsExactly("push failed", "push failed",
          "push failed (and 1 more in the last 60 s; first transactions: b)");
      assertThat(resolved).hasSize(1);
      assertThat(tracking.trackedGroups()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("its own thread forwards the summary and the resolve once the clock has moved")
  void flusherThread() {
    coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "a"));
    coalescer.raise(alert(Alert.Type.PUSH_FAILURE, "east", "b"));
    clock.advance(Duration.ofSeconds(60));
    await().atMost(Duration.ofSeconds(10)).until(() -> out.size() == 2);
    clock.advance(Duration.ofSeconds(60));
    await().atMost(Duration.ofSeconds(10)).until(() -> out.size() == 3);
    assertThat(out.get(2).message()).contains("resolved after 2 alerts");
  }

  @Test
  @DisplayName("the builder refuses a missing sink, a non-positive window and a setting given twice")
  void builderRefusals() {
    assertThatThrownBy(() -> AlertCoalescer.builder().build()).hasMessageContaining("sink");
    assertThatThrownBy(() -> AlertCoalescer.builder().window(Duration.ZERO)).hasMessageContaining("window");
    assertThatThrownBy(() -> AlertCoalescer.builder().sampleKeys(1).sampleKeys(2))
        .hasMessageContaining("sampleKeys was already set");
  }

  /** A clock that moves only when told. */
  private static final class StepClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
