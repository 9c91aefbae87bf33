package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.TransactionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RepairGate")
class RepairGateTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final CircuitBreakerTest.MovableClock clock = new CircuitBreakerTest.MovableClock(T0);
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final List<Slot> slots = new ArrayList<>();
  private final RepairQueue queue = new RepairQueue(16);

  @AfterEach
  void tearDown() {
    slots.forEach(Slot::shutdown);
    timer.shutdownNow();
  }

  private Slot slot(String id) {
    CircuitBreakerOptions breaker = CircuitBreakerOptions.builder().failureThreshold(1).openDelay(Duration.ofMinutes(1)).build();
    Slot slot = new Slot(DestinationOptions.of(id), new MapDestination(), RetryOptions.none(), breaker, 4,
        new Watchdog(timer), timer, clock, Runnable::run);
    slots.add(slot);
    return slot;
  }

  /** A transaction with a copy at each destination given, in the status given. */
  private static TransactionRecord withCopies(String id, Object... destinationAndStatus) {
    List<CopyRecord> copies = new ArrayList<>();
    for (int i = 0; i < destinationAndStatus.length; i += 2) {
      copies.add(new CopyRecord((String) destinationAndStatus[i], true, (CopyStatus) destinationAndStatus[i + 1], "",
          "", false, T0));
    }
    TransactionRecord r = TransactionRecord.started(EngineTestSupport.started(id, T0, "k/" + id));
    return new TransactionRecord(r.start(), copies, 0, Optional.empty(), false, T0);
  }

  @Nested
  @DisplayName("a transaction's repair targets")
  class Targets {
    @Test
    @DisplayName("are the known destinations of its copies not verified, as slots and as a bit per index")
    void unverifiedKnownDestinations() {
      slot("a");
      Slot b = slot("b");
      RepairGate gate = new RepairGate(slots, queue);
      TransactionRecord r = withCopies("t", "a", CopyStatus.VERIFIED, "b", CopyStatus.FAILED, "gone", CopyStatus.FAILED);

      assertThat(gate.repairTargets(r)).containsExactly(b);
      assertThat(gate.targets(r)).isEqualTo(0b10L);
    }

    @Test
    @DisplayName("take repairs when every destination does, with the bits past the last destination set")
    void takingMaskOfHealthyDestinations() {
      slot("a");
      slot("b");
      RepairGate gate = new RepairGate(slots, queue);

      assertThat(gate.takingMask()).isEqualTo(-1L);
      assertThat(gate.anyTakesRepairs(0b01L)).isTrue();
    }
  }

  @Nested
  @DisplayName("a breaker that closes between ticks")
  class Closing {
    @Test
    @DisplayName("releases what was parked on its destination and marks that destination closed since before")
    void releasesParkedAndMarksClosed() {
      Slot a = slot("a");
      slot("b");
      RepairGate gate = new RepairGate(slots, queue);
      gate.releaseRecovered(T0);
      assertThat(queue.park("t", 0, 0b01L)).isTrue();
      Instant now = T0.plusSeconds(5);
      clock.advance(Duration.ofSeconds(5));

      a.resetBreaker();
      gate.releaseRecovered(now);

      assertThat(queue.pollDue(now, 10)).extracting(RepairQueue.Due::id).containsExactly("t");
      assertThat(gate.closedSince(0b01L, T0)).isTrue();
      assertThat(gate.closedSince(0b10L, T0)).as("the other destination did not close").isFalse();
      assertThat(gate.closedSince(0b01L, now)).as("not after the transaction's own update").isFalse();
    }

    @Test
    @DisplayName("releases nothing at the first tick, which only learns where each breaker stands")
    void firstTickIsABaseline() {
      Slot a = slot("a");
      a.resetBreaker();
      RepairGate gate = new RepairGate(slots, queue);
      assertThat(queue.park("t", 0, 0b01L)).isTrue();

      gate.releaseRecovered(T0);

      assertThat(queue.hasDue(T0)).isFalse();
      assertThat(gate.closedSince(0b01L, T0.minusSeconds(1))).isFalse();
    }
  }
}
