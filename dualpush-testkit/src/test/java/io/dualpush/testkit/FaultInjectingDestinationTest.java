package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.DestinationException;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FaultInjectingDestination injects each fault it offers, and only that")
class FaultInjectingDestinationTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private final InMemoryDestination store = new InMemoryDestination("inner", new ManualClock());
  private final FaultInjectingDestination faulty = FaultInjectingDestination.wrap(store);
  private final ExecutorService background = Executors.newSingleThreadExecutor();
  private final AtomicReference<Thread> worker = new AtomicReference<>();

  @AfterEach
  void tearDown() throws InterruptedException {
    faulty.heal();
    background.shutdownNow();
    assertThat(background.awaitTermination(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static WriteRequest write(String key, byte[] content) {
    return new WriteRequest(key, content.length, Md5.of(content), "text/plain", Map.of(), "txn-1", "",
        OptionalLong.empty(), () -> new ByteArrayInputStream(content));
  }

  private Future<PutResult> putInBackground(WriteRequest request) {
    return background.submit(() -> {
      worker.set(Thread.currentThread());
      return faulty.put(request);
    });
  }

  private void awaitWorkerBlocked() {
    await().atMost(BOUND).until(() -> {
      Thread t = worker.get();
      return t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
    });
  }

  private static DestinationException failure(Future<?> f) throws InterruptedException {
    try {
      f.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(DestinationException.class);
      return (DestinationException) e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call did not end within " + BOUND, e);
    }
    throw new AssertionError("expected the call to fail");
  }

  @Nested
  @DisplayName("failNext")
  class FailNext {
    @Test
    @DisplayName("the next N writes fail transiently, then writes go through")
    void failsNextN() {
      faulty.failNext(2);
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> faulty.put(write("a.txt", bytes("a"))))
            .isInstanceOfSatisfying(DestinationException.class, e -> assertThat(e.isTransient()).isTrue());
      }
      assertThat(store.size()).isZero();
      assertThat(faulty.put(write("a.txt", bytes("a"))).written()).isTrue();
      assertThat(store.bytes("a.txt")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("a")));
      assertThat(faulty.putCount()).isEqualTo(3);
      assertThat(faulty.injectedFailures()).isEqualTo(2);
    }

    @Test
    @DisplayName("permanent failures say so")
    void permanent() {
      faulty.failNext(1, false);
      assertThatThrownBy(() -> faulty.put(write("p.txt", bytes("p"))))
          .isInstanceOfSatisfying(DestinationException.class, e -> assertThat(e.isTransient()).isFalse());
      assertThat(faulty.put(write("p.txt", bytes("p"))).written()).isTrue();
    }

    @Test
    @DisplayName("reads are not counted against the failures of writes")
    void readsUnaffected() {
      faulty.put(write("r.txt", bytes("r")));
      faulty.failNext(1);
      assertThat(faulty.head("r.txt")).isPresent();
      assertThat(faulty.get("r.txt")).isPresent();
      assertThatThrownBy(() -> faulty.put(write("r2.txt", bytes("r2")))).isInstanceOf(DestinationException.class);
      assertThat(faulty.put(write("r2.txt", bytes("r2"))).written()).isTrue();
    }
  }

  @Nested
  @DisplayName("failAtRate")
  class FailAtRate {
    private int failuresOf(FaultInjectingDestination d, int calls) {
      int failed = 0;
      for (int i = 0; i < calls; i++) {
        try {
          d.put(write("rate/" + i, bytes("x" + i)));
        } catch (DestinationException e) {
          assertThat(e.isTransient()).isTrue();
          failed++;
        }
      }
      return failed;
    }

    @Test
    @DisplayName("rate 1 fails every write and rate 0 none")
    void extremes() {
      faulty.failAtRate(1.0, 1);
      assertThat(failuresOf(faulty, 20)).isEqualTo(20);
      assertThat(store.size()).isZero();
      faulty.failAtRate(0.0, 1);
      assertThat(failuresOf(faulty, 20)).isZero();
      assertThat(store.size()).isEqualTo(20);
    }

    @Test
    @DisplayName("a rate in between fails some writes, the same ones for the same seed")
    void seeded() {
      faulty.failAtRate(0.5, 99);
      int first = failuresOf(faulty, 200);
      FaultInjectingDestination again = FaultInjectingDestination.wrap(new InMemoryDestination("again"));
      again.failAtRate(0.5, 99);
      assertThat(failuresOf(again, 200)).isEqualTo(first);
      assertThat(first).isBetween(50, 150);
      assertThat(faulty.injectedFailures()).isEqualTo(first);
    }

    @Test
    @DisplayName("a rate outside [0, 1] is refused")
    void badRate() {
      assertThatThrownBy(() -> faulty.failAtRate(1.5, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> faulty.failAtRate(-0.1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  @DisplayName("latency")
  class Latency {
    @Test
    @DisplayName("every call waits first; an interrupt ends the wait with a transient failure and nothing written")
    void waitsAndCanBeInterrupted() throws InterruptedException {
      faulty.latency(Duration.ofHours(1));
      Future<PutResult> put = putInBackground(write("slow.txt", bytes("slow")));
      awaitWorkerBlocked();
      assertThat(put).isNotDone();
      assertThat(worker.get().getState()).isEqualTo(Thread.State.TIMED_WAITING);
      worker.get().interrupt();
      DestinationException e = failure(put);
      assertThat(e.isTransient()).isTrue();
      assertThat(store.size()).isZero();
    }

    @Test
    @DisplayName("a call takes at least the latency set, reads included")
    void atLeastTheLatency() {
      faulty.put(write("l.txt", bytes("l")));
      faulty.latency(Duration.ofMillis(30));
      long start = System.nanoTime();
      assertThat(faulty.head("l.txt")).isPresent();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(30));
    }
  }

  @Nested
  @DisplayName("hang and release")
  class HangAndRelease {
    @Test
    @DisplayName("a write hangs until released, then completes")
    void hangsUntilReleased() throws Exception {
      faulty.hang();
      Future<PutResult> put = putInBackground(write("h.txt", bytes("hung")));
      awaitWorkerBlocked();
      assertThat(put).isNotDone();
      assertThat(store.size()).isZero();
      faulty.release();
      assertThat(put.get(BOUND.toSeconds(), TimeUnit.SECONDS).written()).isTrue();
      assertThat(store.bytes("h.txt")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("hung")));
      // Released: new writes no longer hang.
      assertThat(faulty.put(write("h2.txt", bytes("free"))).written()).isTrue();
    }

    @Test
    @DisplayName("an interrupted hung write fails transiently and writes nothing")
    void interruptedHang() throws InterruptedException {
      faulty.hang();
      Future<PutResult> put = putInBackground(write("h.txt", bytes("hung")));
      awaitWorkerBlocked();
      worker.get().interrupt();
      assertThat(failure(put).isTransient()).isTrue();
      assertThat(store.size()).isZero();
    }

    @Test
    @DisplayName("an uninterruptible hang ignores interrupts until released, then the write completes with the interrupt still set")
    void uninterruptibleHang() throws Exception {
      faulty.hangUninterruptibly();
      AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
      Future<PutResult> put = background.submit(() -> {
        worker.set(Thread.currentThread());
        try {
          return faulty.put(write("u.txt", bytes("stuck")));
        } finally {
          interruptedAfter.set(Thread.interrupted());
        }
      });
      awaitWorkerBlocked();
      worker.get().interrupt();
      // The interrupt is consumed (the flag cleared) and the thread waits again, still in the write.
      await().atMost(BOUND).until(() -> worker.get().getState() == Thread.State.WAITING && !worker.get().isInterrupted());
      assertThat(put).isNotDone();
      assertThat(faulty.hungCalls()).isEqualTo(1);
      faulty.release();
      assertThat(put.get(BOUND.toSeconds(), TimeUnit.SECONDS).written()).isTrue();
      assertThat(interruptedAfter.get()).as("interrupt re-asserted").isTrue();
      assertThat(faulty.hungCalls()).isZero();
      assertThat(faulty.put(write("u2.txt", bytes("free"))).written()).isTrue();
    }

    @Test
    @DisplayName("an uninterruptible hang stalls reads and probes too, as a frozen file system does")
    void uninterruptibleHangStallsEveryCall() throws Exception {
      faulty.put(write("r.txt", bytes("r")));
      faulty.hangUninterruptibly();
      Future<Boolean> head = background.submit(() -> {
        worker.set(Thread.currentThread());
        return faulty.head("r.txt").isPresent() && faulty.probe().healthy();
      });
      awaitWorkerBlocked();
      worker.get().interrupt();
      await().atMost(BOUND).until(() -> worker.get().getState() == Thread.State.WAITING && !worker.get().isInterrupted());
      assertThat(head).isNotDone();
      assertThat(faulty.hungCalls()).isEqualTo(1);
      faulty.release();
      assertThat(head.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  @Nested
  @DisplayName("corruptNext")
  class CorruptNext {
    @Test
    @DisplayName("the next write stores one flipped bit, same size, and a digest that tells")
    void corruptsOneWrite() {
      byte[] content = bytes("precious data");
      faulty.corruptNext(1);
      PutResult result = faulty.put(write("c.txt", content));
      byte[] stored = store.bytes("c.txt").orElseThrow();
      assertThat(stored).hasSameSizeAs(content).isNotEqualTo(content);
      assertThat(stored[0]).isEqualTo((byte) (content[0] ^ 1));
      assertThat(java.util.Arrays.copyOfRange(stored, 1, stored.length))
          .isEqualTo(java.util.Arrays.copyOfRange(content, 1, content.length));
      assertThat(result.md5()).isEqualTo(Md5.of(stored)).isNotEqualTo(Md5.of(content));
    }

    @Test
    @DisplayName("only the next N writes are corrupted")
    void onlyN() {
      faulty.corruptNext(1);
      faulty.put(write("c1.txt", bytes("one")));
      faulty.put(write("c2.txt", bytes("two")));
      assertThat(store.bytes("c1.txt").orElseThrow()).isNotEqualTo(bytes("one"));
      assertThat(store.bytes("c2.txt").orElseThrow()).isEqualTo(bytes("two"));
      // The corrupted copy's digest differs from the source, so a plain re-put repairs it.
      assertThat(faulty.put(write("c1.txt", bytes("one"))).written()).isTrue();
      assertThat(store.bytes("c1.txt").orElseThrow()).isEqualTo(bytes("one"));
    }
  }

  @Nested
  @DisplayName("partition and heal")
  class PartitionAndHeal {
    @Test
    @DisplayName("a partition fails every call transiently and the probe is unhealthy; heal ends it")
    void partition() {
      faulty.put(write("p.txt", bytes("p")));
      faulty.partition();
      assertThatThrownBy(() -> faulty.put(write("q.txt", bytes("q"))))
          .isInstanceOfSatisfying(DestinationException.class, e -> assertThat(e.isTransient()).isTrue());
      assertThatThrownBy(() -> faulty.head("p.txt")).isInstanceOf(DestinationException.class);
      assertThatThrownBy(() -> faulty.get("p.txt")).isInstanceOf(DestinationException.class);
      assertThatThrownBy(() -> faulty.delete("p.txt")).isInstanceOf(DestinationException.class);
      assertThat(faulty.probe().healthy()).isFalse();
      assertThat(store.stored("p.txt")).isPresent();
      assertThat(store.stored("q.txt")).isEmpty();

      faulty.heal();
      assertThat(faulty.probe().healthy()).isTrue();
      assertThat(faulty.head("p.txt")).isPresent();
      assertThat(faulty.put(write("q.txt", bytes("q"))).written()).isTrue();
      assertThat(faulty.delete("p.txt")).isTrue();
    }

    @Test
    @DisplayName("heal clears every pending fault")
    void healClearsEverything() {
      faulty.failNext(5).corruptNext(5).failAtRate(1.0, 3).latency(Duration.ofHours(1)).hang();
      faulty.heal();
      PutResult result = faulty.put(write("ok.txt", bytes("ok")));
      assertThat(result.written()).isTrue();
      assertThat(store.bytes("ok.txt").orElseThrow()).isEqualTo(bytes("ok"));
      assertThat(faulty.injectedFailures()).isZero();
    }
  }

  @Test
  @DisplayName("describe, fencing support and the delegate are those of the wrapped destination")
  void delegates() {
    assertThat(faulty.describe()).isEqualTo(store.describe());
    assertThat(faulty.supportsFencing()).isEqualTo(store.supportsFencing());
    assertThat(faulty.delegate()).isSameAs(store);
  }

  @Nested
  @DisplayName("overlaps as the destination it wraps")
  class Overlaps {

    @Test
    @DisplayName("itself, what it wraps (either way round), and another wrapper of the same destination")
    void sameDestination() {
      assertThat(faulty.overlaps(faulty)).isTrue();
      assertThat(faulty.overlaps(store)).isTrue();
      assertThat(store.overlaps(faulty)).as("the plain destination does not know wrappers").isFalse();
      assertThat(faulty.overlaps(FaultInjectingDestination.wrap(store))).isTrue();
      assertThat(faulty.overlaps(FaultInjectingDestination.wrap(FaultInjectingDestination.wrap(store)))).isTrue();
    }

    @Test
    @DisplayName("not another in-memory destination")
    void otherDestination() {
      InMemoryDestination other = new InMemoryDestination("other", new ManualClock());
      assertThat(faulty.overlaps(other)).isFalse();
      assertThat(faulty.overlaps(FaultInjectingDestination.wrap(other))).isFalse();
    }

    @Test
    @DisplayName("two wrappers of one directory, and a wrapper of a directory inside another destination's")
    void directories(@TempDir Path tmp) throws IOException {
      Path dir = Files.createDirectory(tmp.resolve("dir"));
      FileSystemDestination local = new FileSystemDestination(dir);
      assertThat(FaultInjectingDestination.wrap(local).overlaps(FaultInjectingDestination.wrap(new FileSystemDestination(dir))))
          .isTrue();
      FileSystemDestination inner = new FileSystemDestination(Files.createDirectory(dir.resolve("inner")));
      assertThat(FaultInjectingDestination.wrap(inner).overlaps(local)).isTrue();
      FileSystemDestination apart = new FileSystemDestination(Files.createDirectory(tmp.resolve("apart")));
      assertThat(FaultInjectingDestination.wrap(apart).overlaps(local)).isFalse();
    }

    @Test
    @DisplayName("so build() refuses a wrapped directory twice, and a log inside a wrapped directory, writing nothing")
    void builderSeesThroughIt(@TempDir Path tmp) throws IOException {
      Path dir = Files.createDirectory(tmp.resolve("dir"));
      Path log = Files.createDirectory(tmp.resolve("log"));
      FileSystemDestination local = new FileSystemDestination(dir);
      DualPushClientBuilder twice = new DualPushClientBuilder()
          .destination("primary", local)
          .destination("secondary", FaultInjectingDestination.wrap(new FileSystemDestination(dir)))
          .transactionLog(log);
      assertThatThrownBy(twice::buildClient).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'primary'").hasMessageContaining("'secondary'")
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("destination"));

      Path inside = Files.createDirectory(dir.resolve("log"));
      DualPushClientBuilder logInside = new DualPushClientBuilder()
          .destination("primary", FaultInjectingDestination.wrap(local))
          .transactionLog(inside);
      assertThatThrownBy(logInside::buildClient).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'primary'").hasMessageContaining(inside.toString())
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("transactionLog"));
      assertThat(inside).isEmptyDirectory();
      assertThat(log).isEmptyDirectory();
    }
  }
}
