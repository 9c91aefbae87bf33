package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DuplicateInProgressException;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.LogEntry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Admission")
class AdmissionTest {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final EngineConfig config = EngineTestSupport.config(log, clock, RepairOptions.ofDefaults());
  private final PermitQueue places = new PermitQueue(1, 4);
  private final EngineExecutors executors = new EngineExecutors(1);
  private final Admission admission = new Admission(config, places, executors, new Events(List.of(), a -> { }, clock),
      List.of(new LogEntry.Target("primary", true)), 1);

  @AfterEach
  void tearDown() {
    executors.shutdownNow();
  }

  private static PushRequest request(String key, String messageId) {
    return PushRequest.builder(key, PushContent.ofBytes(new byte[] {1, 2, 3})).messageId(messageId).build();
  }

  @Nested
  @DisplayName("a new push")
  class NewPush {
    @Test
    @DisplayName("is durable in the log, hashed, and keeps its place in flight")
    void startedKeepsPlace() {
      Admission.Admitted a = admission.admit(PushRequest.of("k", new byte[] {1, 2, 3}), false).join();

      assertThat(a.started()).isNotNull();
      assertThat(a.started().size()).isEqualTo(3);
      assertThat(log.entries).singleElement().isInstanceOf(LogEntry.Started.class);
      assertThat(places.inUse()).isEqualTo(1);
    }

    @Test
    @DisplayName("waits for a place without blocking the caller when none is free")
    void waitsForAPlace() {
      places.tryAcquire();
      CompletableFuture<Admission.Admitted> a = admission.admit(PushRequest.of("k", new byte[] {1}), false);

      assertThat(a).isNotDone();
      assertThat(log.entries).isEmpty();
      places.release();
      assertThat(a).succeedsWithin(BOUND);
    }
  }

  @Nested
  @DisplayName("for a caller that blocks on the push (the blocking client)")
  class InCaller {
    @Test
    @DisplayName("claims, hashes and logs in the calling thread when a place is free: no hand-off")
    void inCallingThread() {
      CompletableFuture<Admission.Admitted> a = admission.admit(PushRequest.of("k", new byte[] {1, 2, 3}), true);

      assertThat(a).isCompleted();
      assertThat(a.join().started()).isNotNull();
      assertThat(log.appendThreads).containsExactly(Thread.currentThread());
      assertThat(places.inUse()).isEqualTo(1);
    }

    @Test
    @DisplayName("the non-blocking client's push is logged on a work thread, never the caller's")
    void asyncOnWorkThread() {
      admission.admit(PushRequest.of("k", new byte[] {1, 2, 3}), false).join();

      assertThat(log.appendThreads).singleElement().satisfies(t -> {
        assertThat(t).isNotSameAs(Thread.currentThread());
        assertThat(t.getName()).startsWith("dualpush-push");
      });
    }

    @Test
    @DisplayName("still waits for a place without blocking when none is free, then goes on a work thread")
    void noPlace() {
      places.tryAcquire();
      CompletableFuture<Admission.Admitted> a = admission.admit(PushRequest.of("k", new byte[] {1}), true);

      assertThat(a).isNotDone();
      places.release();
      assertThat(a).succeedsWithin(BOUND);
      assertThat(log.appendThreads).singleElement().isNotSameAs(Thread.currentThread());
    }

    @Test
    @DisplayName("fails as the work threads would (a failed future, not a throw) and gives its place back")
    void failureAsFuture() {
      config.dedupe().claim("m", Duration.ofMinutes(1));

      CompletableFuture<Admission.Admitted> a = admission.admit(request("k", "m"), true);

      assertThat(a).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(DuplicateInProgressException.class);
      assertThat(places.inUse()).isZero();
      assertThat(log.entries).isEmpty();
    }
  }

  @Nested
  @DisplayName("a duplicate message id")
  class Duplicate {
    @Test
    @DisplayName("whose earlier transaction the log no longer holds is FORGOTTEN, with the store's id, MD5 and size")
    void forgotten() {
      config.dedupe().claim("m", Duration.ofMinutes(1));
      config.dedupe().markDone("m", new DedupeOutcome("txn-gone", "abc", 3), Duration.ofDays(1));

      Admission.Admitted a = admission.admit(request("k", "m"), false).join();

      assertThat(a.duplicate()).isNotNull();
      assertThat(a.duplicate().state()).isEqualTo(TransactionState.FORGOTTEN);
      assertThat(a.duplicate().transactionId()).isEqualTo("txn-gone");
      assertThat(a.duplicate().md5()).isEqualTo("abc");
      assertThat(a.duplicate().size()).isEqualTo(3);
      assertThat(a.duplicate().copies()).isEmpty();
      assertThat(log.entries).isEmpty();
      assertThat(places.inUse()).isZero();
    }

    @Test
    @DisplayName("in progress elsewhere fails, gives its place back and writes nothing")
    void inProgress() {
      config.dedupe().claim("m", Duration.ofMinutes(1));

      assertThat(admission.admit(request("k", "m"), false)).failsWithin(BOUND).withThrowableOfType(ExecutionException.class)
          .withCauseInstanceOf(DuplicateInProgressException.class);
      assertThat(places.inUse()).isZero();
      assertThat(log.entries).isEmpty();
    }
  }
}
