package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationException;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Slot")
class SlotTest {
  /** Liveness bound only. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final Duration TIMEOUT = Duration.ofMillis(100);

  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final ExecutorService completions = Executors.newCachedThreadPool(EngineExecutors.threads("test-completions"));
  private final Watchdog watchdog = new Watchdog(timer);
  private final CircuitBreakerTest.MovableClock clock = new CircuitBreakerTest.MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final Scripted destination = new Scripted();
  private final List<Slot> slots = new ArrayList<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    destination.release.countDown();
    for (Slot s : slots) {
      s.shutdown();
      s.awaitTermination(System.nanoTime() + BOUND.toNanos());
    }
    timer.shutdownNow();
    completions.shutdownNow();
  }

  private Slot slot(int threads, RetryOptions retry, CircuitBreakerOptions breaker) {
    Slot s = new Slot(DestinationOptions.builder("disk").timeout(TIMEOUT).build(), destination, retry, breaker, threads,
        watchdog, timer, clock, completions);
    slots.add(s);
    return s;
  }

  private static RetryOptions attempts(int n) {
    return RetryOptions.builder().maxAttempts(n).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).build();
  }

  private static WriteRequest write(String key) {
    return new WriteRequest(key, 1, "md5", "text/plain", Map.of(), "txn-1", "", OptionalLong.empty(),
        () -> new ByteArrayInputStream(new byte[1]));
  }

  private static Throwable failure(CompletableFuture<?> f) {
    assertThat(f).failsWithin(BOUND);
    try {
      f.get();
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static long liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }

  @Nested
  @DisplayName("a copy that fails keeps its first cause")
  class FirstCause {
    @Test
    @DisplayName("the exception passed up has the first attempt's exception as cause and the later ones suppressed")
    void causeChain() {
      Slot slot = slot(2, attempts(3), CircuitBreakerOptions.disabled());
      DestinationException first = DestinationException.transientFailure("disk", "No space left on device", new IOException("ENOSPC"));
      DestinationException second = DestinationException.transientFailure("disk", "Operation not permitted", new IOException("EPERM"));
      DestinationException third = DestinationException.permanentFailure("disk", "Read-only file system", new IOException("EROFS"));
      destination.failures.add(first);
      destination.failures.add(second);
      destination.failures.add(third);

      Throwable t = failure(slot.put(write("a")));

      assertThat(t).isInstanceOfSatisfying(CopyFailedException.class, e -> {
        assertThat(e.getCause()).isSameAs(first);
        assertThat(e.getSuppressed()).containsExactly(second, third);
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.isTransient()).isTrue();
        assertThat(e.refusal()).isEmpty();
      });
      assertThat(slot.describeFailure(t))
          .isEqualTo("transient: No space left on device (3 attempts; last: permanent: Read-only file system)");
    }

    @Test
    @DisplayName("a refusal by the breaker mid-retries is named after the attempts and suppressed, keeping the first cause")
    void thenBreaker() {
      Slot slot = slot(2, attempts(5), CircuitBreakerOptions.builder().failureThreshold(2).build());
      DestinationException first = DestinationException.transientFailure("disk", "No space left on device", null);
      destination.failures.add(first);
      destination.failures.add(first);

      Throwable t = failure(slot.put(write("a")));

      assertThat(slot.describeFailure(t)).isEqualTo("transient: No space left on device (2 attempts; then circuit breaker open)");
      assertThat(t.getCause()).isSameAs(first);
      assertThat(((CopyFailedException) t).refusal()).get().isInstanceOf(CircuitOpenException.class);
      assertThat(destination.puts.get()).isEqualTo(2);

      Throwable refused = failure(slot.put(write("b")));
      assertThat(((CopyFailedException) refused).attempts()).isZero();
      assertThat(refused.getCause()).isInstanceOf(CircuitOpenException.class)
          .hasMessage("circuit breaker open since 2026-01-01T00:00:00Z after 2 failures; last: transient: No space left on device")
          .cause().isSameAs(first);
    }
  }

  @Nested
  @DisplayName("a call stuck where interrupts do nothing")
  class Stuck {
    @Test
    @DisplayName("fails at its deadline with 'timed out', and its late result is discarded when it returns")
    void abandonedAtTheDeadline() {
      Slot slot = slot(1, attempts(1), CircuitBreakerOptions.disabled());
      destination.hang = true;

      Throwable t = failure(slot.put(write("a")));

      assertThat(slot.describeFailure(t)).isEqualTo("timed out after " + TIMEOUT.toMillis() + " ms");
      assertThat(t.getCause()).isInstanceOf(CallTimedOutException.class);
      assertThat(slot.stuckCalls()).isEqualTo(1);
      destination.release.countDown();
      await().atMost(BOUND).until(() -> slot.stuckCalls() == 0);
      assertThat(destination.returned.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("its thread is replaced, so the slot keeps its capacity, up to as many replacements as threads; past that, "
        + "calls fail fast saying the destination is stuck")
    void replacedThenRefused() throws InterruptedException {
      Slot slot = slot(2, attempts(1), CircuitBreakerOptions.disabled());
      destination.hang = true;
      failure(slot.put(write("a")));
      destination.hang = false;

      // Two threads, one stuck: two calls still run side by side.
      CountDownLatch bothRunning = new CountDownLatch(2);
      Supplier<Boolean> meet = () -> {
        bothRunning.countDown();
        try {
          return bothRunning.await(BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      };
      CompletableFuture<Boolean> one = slot.call(meet);
      CompletableFuture<Boolean> two = slot.call(meet);
      assertThat(one).succeedsWithin(BOUND).isEqualTo(true);
      assertThat(two).succeedsWithin(BOUND).isEqualTo(true);

      destination.hang = true;
      failure(slot.put(write("b")));
      assertThat(slot.stuckCalls()).isEqualTo(2);
      destination.hang = false;

      Throwable t = failure(slot.put(write("c")));
      assertThat(slot.describeFailure(t)).matches("destination stuck: 2 calls have not returned for \\d+ s");
      assertThat(((CopyFailedException) t).attempts()).isZero();
      assertThat(liveThreads("dualpush-io-disk-")).isLessThanOrEqualTo(4);

      destination.release.countDown();
      await().atMost(BOUND).until(() -> slot.stuckCalls() == 0);
      assertThat(slot.put(write("d"))).succeedsWithin(BOUND);
    }

    @Test
    @DisplayName("reads and probes are bounded by the same deadline")
    void readsToo() {
      Slot slot = slot(2, attempts(1), CircuitBreakerOptions.disabled());
      destination.hang = true;
      assertThat(slot.describeFailure(failure(slot.call(destination::probe)))).isEqualTo("timed out after 100 ms");
      assertThat(slot.describeFailure(failure(slot.call(() -> destination.head("a"))))).isEqualTo("timed out after 100 ms");
    }

    @Test
    @DisplayName("shutting down fails queued calls, interrupts running ones, and does not wait for abandoned threads")
    void shutdown() throws InterruptedException {
      Slot slot = slot(2, attempts(1), CircuitBreakerOptions.disabled());
      destination.hang = true;
      failure(slot.put(write("a")));
      destination.hang = false;
      CountDownLatch busy = new CountDownLatch(2);
      Supplier<String> sleeper = () -> {
        busy.countDown();
        try {
          Thread.sleep(BOUND.toMillis());
          return "slept";
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
      };
      CompletableFuture<String> running1 = slot.call(sleeper);
      CompletableFuture<String> running2 = slot.call(sleeper);
      busy.await();
      CompletableFuture<String> queued = slot.call(() -> "never");

      slot.shutdown();

      assertThat(failure(queued)).isInstanceOf(RejectedExecutionException.class);
      assertThat(running1).succeedsWithin(BOUND).isEqualTo("interrupted");
      assertThat(running2).succeedsWithin(BOUND).isEqualTo("interrupted");
      assertThat(slot.awaitTermination(System.nanoTime() + BOUND.toNanos())).isFalse();
      assertThat(slot.stuckCalls()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("retry delays grow from the initial delay up to the maximum, varied by the jitter")
  void backoff() {
    Slot slot = slot(1, RetryOptions.builder().maxAttempts(10).initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofMillis(800)).jitter(0.25).build(), CircuitBreakerOptions.disabled());
    long ms = Duration.ofMillis(1).toNanos();
    for (int i = 0; i < 50; i++) {
      assertThat(slot.backoff(1)).isBetween(75 * ms, 125 * ms);
      assertThat(slot.backoff(2)).isBetween(150 * ms, 250 * ms);
      assertThat(slot.backoff(4)).isBetween(600 * ms, 1000 * ms);
      assertThat(slot.backoff(40)).isBetween(600 * ms, 1000 * ms);
    }
  }

  /** Fails puts from a queue, or hangs every call ignoring interrupts while {@code hang} is set. */
  static final class Scripted implements Destination {
    final Queue<DestinationException> failures = new ConcurrentLinkedQueue<>();
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();
    volatile boolean hang;

    private <T> T stall(Supplier<T> then) {
      if (hang) {
        boolean interrupted = false;
        while (true) {
          try {
            release.await();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        returned.incrementAndGet();
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      return then.get();
    }

    @Override
    public PutResult put(WriteRequest request) {
      puts.incrementAndGet();
      return stall(() -> {
        DestinationException next = failures.poll();
        if (next != null) {
          throw next;
        }
        return new PutResult(true, request.md5(), Optional.empty());
      });
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return stall(Optional::empty);
    }

    @Override
    public Optional<InputStream> get(String key) {
      return stall(Optional::empty);
    }

    @Override
    public boolean delete(String key) {
      return stall(() -> false);
    }

    @Override
    public HealthStatus probe() {
      return stall(() -> HealthStatus.healthy(Duration.ZERO));
    }

    @Override
    public String describe() {
      return "scripted";
    }
  }
}
