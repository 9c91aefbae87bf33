package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.PushFailedException;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Acknowledgement tracking")
class AcknowledgementTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final Watchdog watchdog = new Watchdog(timer);
  private final Slot primary = slot("primary", true);
  private final Slot secondary = slot("secondary", true);
  private final Slot edge = slot("edge", false);
  private final AtomicInteger released = new AtomicInteger();
  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final LogEntry.Started started = new LogEntry.Started("txn-1", T0, "k", 1, "md5", "", "", "application/octet-stream",
      java.util.Map.of(), List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true),
      new LogEntry.Target("edge", false)), 2, "");

  @AfterEach
  void tearDown() {
    for (Slot s : List.of(primary, secondary, edge)) {
      s.shutdown();
    }
    timer.shutdownNow();
  }

  private Slot slot(String id, boolean required) {
    return new Slot(DestinationOptions.builder(id).required(required).build(), new EngineTestSupport.NeverCalled(), RetryOptions.none(),
        CircuitBreakerOptions.disabled(), 1, watchdog, timer, clock, Runnable::run);
  }

  private Flight flight() {
    return new Flight(started, List.of(primary, secondary, edge), 2, released::incrementAndGet);
  }

  @Nested
  @DisplayName("Flight")
  class FlightTracking {
    @Test
    @DisplayName("joining the flights of a client whose close() already swept them fails the push at once with ClientClosedException")
    void joinAfterCloseSweepFails() {
      EngineExecutors executors = new EngineExecutors(1);
      try {
        executors.failPending();
        java.util.Map<String, Flight> live = new java.util.concurrent.ConcurrentHashMap<>();
        Flight f = flight();

        f.join(live, executors);

        assertThat(live).containsEntry("txn-1", f);
        assertThat(f.ack).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
            .havingCause().isInstanceOfSatisfying(io.dualpush.ClientClosedException.class,
                e -> assertThat(e.operation()).isEqualTo("push of 'k'"));
      } finally {
        executors.shutdownNow();
      }
    }

    @Test
    @DisplayName("joining the flights of an open client leaves the push to complete as its copies settle")
    void joinWhileOpen() {
      EngineExecutors executors = new EngineExecutors(1);
      try {
        Flight f = flight();

        f.join(new java.util.concurrent.ConcurrentHashMap<>(), executors);

        assertThat(f.ack).isNotDone();
        f.failClosed();
        assertThat(f.ack).isCompletedExceptionally();
      } finally {
        executors.shutdownNow();
      }
    }

    @Test
    @DisplayName("is decided exactly once: when the required copies are verified, before an optional copy settles")
    void decidedOnce() {
      Flight f = flight();

      assertThat(f.settle(primary, CopyStatus.VERIFIED)).isFalse();
      assertThat(f.settle(secondary, CopyStatus.VERIFIED)).isTrue();
      assertThat(f.ackHolds()).isTrue();
      assertThat(f.allSettled()).isFalse();
      assertThat(f.settle(edge, CopyStatus.FAILED)).isFalse();
      assertThat(f.allSettled()).isTrue();
      assertThat(f.allVerified()).isFalse();
    }

    @Test
    @DisplayName("is decided against the policy once every required copy settled short of it")
    void decidedShort() {
      Flight f = flight();
      f.settle(primary, CopyStatus.FAILED);

      assertThat(f.settle(secondary, CopyStatus.VERIFIED)).isTrue();
      assertThat(f.ackHolds()).isFalse();
    }

    @Test
    @DisplayName("gives its place back once, however often it is released")
    void releasesOnce() {
      Flight f = flight();
      f.release();
      f.release();

      assertThat(released.get()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("Acknowledger")
  class Deciding {
    private final Acknowledger acknowledger = new Acknowledger(
        EngineTestSupport.config(log, clock, RepairOptions.ofDefaults()), new Events(List.of(), a -> { }, clock));

    @Test
    @DisplayName("completes the push with the receipt when the policy holds, even if the log compacted the record")
    void holds() {
      Flight f = flight();
      f.settle(primary, CopyStatus.VERIFIED);
      f.settle(secondary, CopyStatus.VERIFIED);

      acknowledger.decide(f);

      assertThat(f.ack).isCompletedWithValueMatching(r -> r.transactionId().equals("txn-1")
          && r.copy("edge").orElseThrow().status() == CopyStatus.IN_PROGRESS);
    }

    @Test
    @DisplayName("fails the push with PushFailedException carrying the receipt when the policy does not hold")
    void doesNotHold() {
      log.put(TransactionRecord.started(started));
      Flight f = flight();
      f.settle(primary, CopyStatus.FAILED);
      f.settle(secondary, CopyStatus.VERIFIED);

      acknowledger.decide(f);

      assertThat(f.ack).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
          .havingCause().isInstanceOfSatisfying(PushFailedException.class,
              e -> assertThat(e.receipt().state()).isNotEqualTo(TransactionState.VERIFIED));
    }

    @Test
    @DisplayName("fails the push with the log's own failure when a copy's outcome could not be recorded")
    void unrecorded() {
      Flight f = flight();
      IllegalStateException logDown = new IllegalStateException("log down");
      f.recordFailed(logDown);
      f.settle(primary, CopyStatus.VERIFIED);
      f.settle(secondary, CopyStatus.VERIFIED);

      acknowledger.decide(f);

      assertThat(f.ack).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class).withCause(logDown);
    }
  }

}
