package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.ClientClosedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("EngineExecutors")
class EngineExecutorsTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private final EngineExecutors executors = new EngineExecutors(1);
  private final CountDownLatch gate = new CountDownLatch(1);

  @AfterEach
  void tearDown() throws InterruptedException {
    gate.countDown();
    executors.shutdownNow();
    executors.awaitTermination(System.nanoTime() + BOUND.toNanos());
  }

  /** Holds the one work thread until {@code gate} opens, so that the next work queues behind it. */
  private void occupyTheWorkThread() {
    executors.supply(() -> {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "busy";
    }, "busy");
  }

  @Test
  @DisplayName("a tracked future completes as the work does")
  void trackedCompletes() {
    CompletableFuture<String> f = executors.track(executors.supply(() -> "done", "work"), "work");

    assertThat(f).succeedsWithin(BOUND).isEqualTo("done");
    assertThat(executors.pendingCount()).isZero();
  }

  @Test
  @DisplayName("work dropped by a stopped executor still completes its caller's future, with ClientClosedException")
  void droppedWorkFails() throws InterruptedException {
    occupyTheWorkThread();
    CompletableFuture<String> queued = executors.track(executors.supply(() -> "never", "queued work"), "queued work");

    executors.shutdownNow();
    executors.failPending();

    assertThat(queued).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(ClientClosedException.class,
            e -> assertThat(e.operation()).isEqualTo("queued work"));
    assertThat(executors.awaitTermination(System.nanoTime() + BOUND.toNanos())).isTrue();
  }

  @Test
  @DisplayName("work dropped by a stopped executor fails its own future even when nobody tracked it, as a push's admission relies on")
  void droppedUntrackedWorkFails() {
    occupyTheWorkThread();
    CompletableFuture<String> queued = executors.supply(() -> "never", new EngineExecutors.Op("push of", "gold/a.csv"));

    executors.shutdownNow();
    executors.failPending();

    assertThat(queued).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOfSatisfying(ClientClosedException.class,
            e -> assertThat(e.operation()).isEqualTo("push of 'gold/a.csv'"));
    assertThat(executors.pendingCount()).isZero();
  }

  @Test
  @DisplayName("work that throws fails its future as supplyAsync would, the cause wrapped in a CompletionException")
  void failingWorkWrapped() {
    IllegalStateException boom = new IllegalStateException("boom");
    CompletableFuture<String> f = executors.supply(() -> {
      throw boom;
    }, "work");

    assertThat(f.handle((v, e) -> e)).succeedsWithin(BOUND)
        .isInstanceOfSatisfying(CompletionException.class, e -> assertThat(e).hasCause(boom));
  }

  @Test
  @DisplayName("once closed, work is refused and futures tracked later fail at once")
  void afterClose() {
    executors.failPending();
    executors.shutdownNow();

    assertThat(executors.supply(() -> "x", "late work")).isCompletedExceptionally();
    assertThat(executors.track(new CompletableFuture<>(), "late")).isCompletedExceptionally();
  }
}
