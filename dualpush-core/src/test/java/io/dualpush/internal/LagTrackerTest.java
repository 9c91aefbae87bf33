package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DestinationLag;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LagTracker")
class LagTrackerTest {
  private final CircuitBreakerTest.MovableClock clock = new CircuitBreakerTest.MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final List<String> alerts = new CopyOnWriteArrayList<>();
  private final LagTracker tracker = new LagTracker(List.of(DestinationOptions.builder("a").build(),
      DestinationOptions.builder("b").recoveryPointBudget(Duration.ofSeconds(10)).build()), clock,
      new LagTracker.BudgetAlerts() {
        @Override
        public void exceeded(String destinationId, Duration oldest, Duration budget, long backlogCopies) {
          alerts.add("exceeded " + destinationId + " " + oldest.toSeconds() + " " + backlogCopies);
        }

        @Override
        public void cleared(String destinationId, Duration oldest, Duration budget) {
          alerts.add("cleared " + destinationId);
        }
      });

  private void start(String id, String key, long bytes) {
    tracker.observe(DualPushEvent.Type.PUSH_STARTED, id, key, "", bytes);
  }

  private void verified(String id, String key, String destination) {
    tracker.observe(DualPushEvent.Type.COPY_VERIFIED, id, key, destination, 0);
  }

  @Test
  @DisplayName("the budget alert is raised once when the oldest copy passes it, and cleared once when it no longer does")
  void budgetRaisedOnceAndCleared() {
    start("t1", "k1", 5);
    start("t2", "k2", 7);
    verified("t1", "k1", "a");
    verified("t2", "k2", "a");
    clock.advance(Duration.ofSeconds(10));
    tracker.checkBudgets();
    assertThat(alerts).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    tracker.checkBudgets();
    tracker.checkBudgets();
    assertThat(alerts).containsExactly("exceeded b 11 2");
    verified("t1", "k1", "b");
    tracker.checkBudgets();
    assertThat(alerts).hasSize(1);
    verified("t2", "k2", "b");
    tracker.checkBudgets();
    assertThat(alerts).containsExactly("exceeded b 11 2", "cleared b");
    DestinationLag b = tracker.lag().get("b");
    assertThat(b.backlogCopies()).isZero();
    assertThat(b.completionP50()).isEqualTo(Duration.ofSeconds(11));
  }

  @Test
  @DisplayName("a copy verified twice, or verified for a transaction it never saw start, changes no backlog")
  void unknownAndRepeatedVerifications() {
    start("t1", "k1", 5);
    verified("t1", "k1", "a");
    verified("t1", "k1", "a");
    verified("elsewhere", "k1", "a");
    verified("t1", "k1", "nowhere");
    DestinationLag a = tracker.lag().get("a");
    assertThat(a.backlogCopies()).isZero();
    assertThat(a.backlogBytes()).isZero();
    assertThat(a.verifiedCopies()).isEqualTo(3);
    assertThat(tracker.lag().get("b").backlogCopies()).isEqualTo(1);
    assertThat(tracker.lag().get("b").backlogBytes()).isEqualTo(5);
  }

  @Test
  @DisplayName("a newer push of a key replaces the earlier one's pending copies, counted as abandoned; the earlier one's late verification changes nothing")
  void supersededByKey() {
    start("t1", "k", 10);
    verified("t1", "k", "a");
    start("t2", "k", 30);
    DestinationLag b = tracker.lag().get("b");
    assertThat(b.backlogCopies()).isEqualTo(1);
    assertThat(b.backlogBytes()).isEqualTo(30);
    assertThat(b.abandonedCopies()).isEqualTo(1);
    // At a, t1 was verified before t2 started: nothing was abandoned there.
    assertThat(tracker.lag().get("a").abandonedCopies()).isZero();
    verified("t1", "k", "b");
    assertThat(tracker.lag().get("b").backlogCopies()).isEqualTo(1);
    verified("t2", "k", "b");
    verified("t2", "k", "a");
    assertThat(tracker.lag().get("b").backlogCopies()).isZero();
    assertThat(tracker.lag().get("b").backlogBytes()).isZero();
    assertThat(tracker.lag().get("a").backlogCopies()).isZero();
  }

  @Test
  @DisplayName("threads starting and verifying at once leave every backlog and its bytes at zero")
  void concurrentStartsAndVerifications() throws InterruptedException {
    int threads = 8;
    int each = 5_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * each;
      Thread w = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          String id = "t" + (base + i);
          // Keys repeat across threads: supersedes race with verifications.
          start(id, "k" + (i % 64), 3);
          verified(id, "k" + (i % 64), "a");
          verified(id, "k" + (i % 64), "b");
        }
      });
      w.start();
      workers.add(w);
    }
    go.countDown();
    for (Thread w : workers) {
      w.join();
    }
    for (String d : List.of("a", "b")) {
      DestinationLag lag = tracker.lag().get(d);
      assertThat(lag.backlogCopies()).as(d).isZero();
      assertThat(lag.backlogBytes()).as(d).isZero();
      assertThat(lag.verifiedCopies()).as(d).isEqualTo((long) threads * each);
      // Every copy left the backlog exactly once: verified (with a latency) or superseded first.
      assertThat(lag.abandonedCopies()).as(d).isLessThanOrEqualTo((long) threads * each);
    }
  }
}
