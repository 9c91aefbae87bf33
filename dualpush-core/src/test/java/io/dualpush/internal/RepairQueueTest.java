package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RepairQueue")
class RepairQueueTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final RepairQueue queue = new RepairQueue(1_000);

  @Nested
  @DisplayName("pollDue")
  class PollDue {
    @Test
    @DisplayName("returns only what is due, earliest first, and ties fewest rounds first")
    void dueInOrder() {
      queue.schedule("late", T0.plusSeconds(60), 0, 1);
      queue.schedule("tried", T0, 3, 1);
      queue.schedule("fresh", T0, 0, 1);
      queue.schedule("earliest", T0.minusSeconds(1), 5, 1);

      assertThat(queue.pollDue(T0, 10)).extracting(RepairQueue.Due::id).containsExactly("earliest", "fresh", "tried");
      assertThat(queue.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("takes at most the number asked; the rest stay due")
    void bounded() {
      for (int i = 0; i < 5; i++) {
        queue.schedule("t" + i, T0, 0, 1);
      }
      assertThat(queue.pollDue(T0, 2)).hasSize(2);
      assertThat(queue.pollDue(T0, 10)).hasSize(3);
    }

    @Test
    @DisplayName("scheduling an id again replaces its earlier schedule")
    void rescheduleReplaces() {
      queue.schedule("t", T0, 0, 1);
      queue.schedule("t", T0.plusSeconds(60), 1, 1);

      assertThat(queue.pollDue(T0, 10)).isEmpty();
      assertThat(queue.pollDue(T0.plusSeconds(60), 10)).extracting(RepairQueue.Due::rounds).containsExactly(1);
    }

    @Test
    @DisplayName("many reschedules keep the heap within twice the schedule")
    void staleEntriesAreCompacted() {
      for (int i = 0; i < 10_000; i++) {
        queue.schedule("t", T0.plusSeconds(i), i, 1);
      }
      assertThat(queue.size()).isEqualTo(1);
      assertThat(queue.pollDue(T0.plusSeconds(20_000), 10)).extracting(RepairQueue.Due::rounds).containsExactly(9_999);
    }
  }

  @Nested
  @DisplayName("parking")
  class Parking {
    @Test
    @DisplayName("a parked id is never due until one of its destinations releases it")
    void parkedUntilReleased() {
      queue.park("t", 2, 0b10);
      assertThat(queue.pollDue(T0.plusSeconds(3600), 10)).isEmpty();
      assertThat(queue.parkedOn()).containsExactly(1);

      assertThat(queue.release(0, T0)).isZero();
      assertThat(queue.release(1, T0)).isEqualTo(1);

      assertThat(queue.pollDue(T0, 10)).singleElement().satisfies(d -> {
        assertThat(d.id()).isEqualTo("t");
        assertThat(d.rounds()).isEqualTo(2);
      });
      assertThat(queue.parkedOn()).isEmpty();
    }

    @Test
    @DisplayName("an id parked on two destinations is released once, by either")
    void parkedOnTwo() {
      queue.park("t", 0, 0b11);
      queue.release(0, T0);

      assertThat(queue.parkedOn()).isEmpty();
      assertThat(queue.size()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("expedite makes the entries of one destination due now, whatever their backoff, and no others")
  void expedite() {
    queue.schedule("at-a", T0.plusSeconds(600), 1, 0b01);
    queue.schedule("at-b", T0.plusSeconds(600), 1, 0b10);

    assertThat(queue.expedite(t -> (t & 0b01) != 0, T0)).isEqualTo(1);

    assertThat(queue.pollDue(T0, 10)).extracting(RepairQueue.Due::id).containsExactly("at-a");
    assertThat(queue.size()).isEqualTo(1);
  }

  @Test
  @DisplayName("is bounded: past its capacity it turns new transactions away and says so, while rescheduling held ones")
  void bounded() {
    RepairQueue small = new RepairQueue(2);
    assertThat(small.schedule("a", T0, 0, 1)).isTrue();
    assertThat(small.park("b", 0, 1)).isTrue();

    assertThat(small.schedule("c", T0, 0, 1)).isFalse();
    assertThat(small.schedule("a", T0.plusSeconds(1), 1, 1)).isTrue();
    assertThat(small.size()).isEqualTo(2);
    assertThat(small.pollDue(T0.plusSeconds(1), 10)).extracting(RepairQueue.Due::id).containsExactly("a");
    assertThat(small.room()).isEqualTo(1);
  }

  @Test
  @DisplayName("parks at most half its capacity, so that a destination down for long leaves room for the others")
  void parkingIsCapped() {
    RepairQueue small = new RepairQueue(4);
    assertThat(small.park("a", 0, 1)).isTrue();
    assertThat(small.park("b", 0, 1)).isTrue();
    small.schedule("c", T0, 0, 0b10);

    assertThat(small.park("c", 0, 0b10)).as("turned away, and no longer scheduled either").isFalse();
    assertThat(small.contains("c")).isFalse();
    assertThat(small.park("a", 1, 1)).as("one parked already may be parked again").isTrue();
    assertThat(small.schedule("d", T0, 0, 0b10)).isTrue();
    assertThat(small.room()).isEqualTo(1);
  }

  @Test
  @DisplayName("releaseOne makes only the least tried of a destination's parked ids due")
  void releaseOne() {
    queue.park("tried", 3, 1);
    queue.park("fresh", 0, 1);
    queue.park("once", 1, 1);

    assertThat(queue.releaseOne(0, T0)).isTrue();

    assertThat(queue.pollDue(T0, 10)).extracting(RepairQueue.Due::id).containsExactly("fresh");
    assertThat(queue.parkedCount()).isEqualTo(2);
    assertThat(queue.releaseOne(1, T0)).isFalse();
  }

  @Test
  @DisplayName("remove forgets a scheduled or parked id")
  void remove() {
    queue.schedule("s", T0, 0, 1);
    queue.park("p", 0, 1);
    queue.remove("s");
    queue.remove("p");

    assertThat(queue.size()).isZero();
    assertThat(queue.pollDue(T0, 10)).isEmpty();
    assertThat(queue.parkedOn()).isEmpty();
  }
}
