package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.ClientClosedException;
import io.dualpush.PushQueueFullException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("PermitQueue")
class PermitQueueTest {
  private final PermitQueue places = new PermitQueue(2, 2);

  @Nested
  @DisplayName("acquire")
  class Acquire {
    @Test
    @DisplayName("completes at once while places are free")
    void freePlaces() {
      assertThat(places.acquire()).isCompleted();
      assertThat(places.acquire()).isCompleted();
      assertThat(places.inUse()).isEqualTo(2);
    }

    @Test
    @DisplayName("queues without blocking when none is free, and hands released places over in arrival order")
    void queuesInOrder() {
      places.acquire();
      places.acquire();
      CompletableFuture<Void> first = places.acquire();
      CompletableFuture<Void> second = places.acquire();
      assertThat(first).isNotDone();
      assertThat(places.queued()).isEqualTo(2);

      places.release();
      assertThat(first).isCompleted();
      assertThat(second).isNotDone();
      places.release();
      assertThat(second).isCompleted();
      assertThat(places.inUse()).isEqualTo(2);
    }

    @Test
    @DisplayName("fails at once with both limits named when the queue is full")
    void fullQueueFails() {
      for (int i = 0; i < 4; i++) {
        places.acquire();
      }
      assertThat(places.acquire()).failsWithin(java.time.Duration.ZERO)
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOfSatisfying(PushQueueFullException.class, e -> {
            assertThat(e.maxInFlight()).isEqualTo(2);
            assertThat(e.maxQueued()).isEqualTo(2);
            assertThat(e).hasMessageContaining("maxInFlight");
          });
    }

    @Test
    @DisplayName("tryAcquire takes a free place or none, never queues")
    void tryAcquire() {
      assertThat(places.tryAcquire()).isTrue();
      assertThat(places.tryAcquire()).isTrue();
      assertThat(places.tryAcquire()).isFalse();
      assertThat(places.queued()).isZero();
    }
  }

  @Nested
  @DisplayName("close")
  class Close {
    @Test
    @DisplayName("fails the waiters and new acquires with ClientClosedException; taken places still drain")
    void failsWaiters() throws InterruptedException {
      places.acquire();
      places.acquire();
      CompletableFuture<Void> waiter = places.acquire();

      places.close();

      assertThat(waiter).isCompletedExceptionally();
      assertThat(places.acquire()).failsWithin(java.time.Duration.ZERO)
          .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(ClientClosedException.class);
      places.release();
      places.release();
      assertThat(places.awaitAllFree(System.nanoTime())).isTrue();
    }
  }
}
