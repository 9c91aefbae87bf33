package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Watchdog")
class WatchdogTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));

  @AfterEach
  void tearDown() {
    timer.shutdownNow();
  }

  private static final class Call implements Watchdog.Overdue {
    final long deadline;
    final AtomicInteger expired = new AtomicInteger();

    Call(Duration in) {
      this.deadline = System.nanoTime() + in.toNanos();
    }

    @Override
    public long deadlineNanos() {
      return deadline;
    }

    @Override
    public void expire() {
      expired.incrementAndGet();
    }
  }

  @Test
  @DisplayName("an idle watchdog schedules nothing: the timer sleeps until a call is watched")
  void idleSchedulesNothing() {
    timer.setRemoveOnCancelPolicy(true);
    Watchdog watchdog = new Watchdog(timer);

    assertThat(timer.getQueue()).isEmpty();
    assertThat(watchdog.scans()).isZero();
  }

  @Test
  @DisplayName("a call past its deadline is expired once, and then nothing more is scheduled")
  void expiresOnceThenSleeps() {
    timer.setRemoveOnCancelPolicy(true);
    Watchdog watchdog = new Watchdog(timer);
    Call call = new Call(Duration.ofMillis(20));

    watchdog.watch(call);

    await().atMost(BOUND).until(() -> call.expired.get() == 1);
    await().atMost(BOUND).until(() -> timer.getQueue().isEmpty() && timer.getActiveCount() == 0);
    assertThat(call.expired.get()).isEqualTo(1);
  }

  @Test
  @DisplayName("a call unwatched before its deadline is never expired, and its wake-up finds nothing to reschedule")
  void unwatchedNeverExpires() {
    timer.setRemoveOnCancelPolicy(true);
    Watchdog watchdog = new Watchdog(timer);
    Call call = new Call(Duration.ofMillis(20));
    watchdog.watch(call);
    watchdog.unwatch(call);

    await().atMost(BOUND).until(() -> watchdog.scans() == 1 && timer.getQueue().isEmpty());
    assertThat(call.expired.get()).isZero();
  }

  @Test
  @DisplayName("a call with an earlier deadline than the one scheduled brings the scan forward")
  void earlierDeadlineBringsScanForward() {
    timer.setRemoveOnCancelPolicy(true);
    Watchdog watchdog = new Watchdog(timer);
    Call late = new Call(Duration.ofHours(1));
    Call soon = new Call(Duration.ofMillis(10));
    watchdog.watch(late);
    watchdog.watch(soon);

    await().atMost(BOUND).until(() -> soon.expired.get() == 1);
    assertThat(late.expired.get()).isZero();
    // Still watching the late one: one wake-up stays scheduled for it.
    assertThat(timer.getQueue()).hasSize(1);
  }
}
