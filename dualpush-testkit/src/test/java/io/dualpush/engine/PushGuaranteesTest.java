package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.AckPolicy;
import io.dualpush.CopyStatus;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushEvent;
import io.dualpush.DuplicateInProgressException;
import io.dualpush.InvalidInputException;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.Alert;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.spi.WriteRequest;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DestinationOptions;
import io.dualpush.spi.TransactionLog;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The push engine keeps DESIGN.md's guarantees")
class PushGuaranteesTest {
  private final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A destination that, at write time, records what the transaction log held for the transaction. */
  static final class LogObservingDestination implements Destination {
    final InMemoryDestination store = new InMemoryDestination("observer");
    final Function<String, Optional<TransactionRecord>> logView;
    final List<String> seenAtWrite = new CopyOnWriteArrayList<>();

    LogObservingDestination(Function<String, Optional<TransactionRecord>> logView) {
      this.logView = logView;
    }

    @Override
    public PutResult put(WriteRequest request) {
      Optional<TransactionRecord> r = logView.apply(request.transactionId());
      seenAtWrite.add(r.map(t -> t.key() + "|" + t.md5()).orElse("absent"));
      return store.put(request);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return store.head(key);
    }

    @Override
    public Optional<InputStream> get(String key) {
      return store.get(key);
    }

    @Override
    public boolean delete(String key) {
      return store.delete(key);
    }

    @Override
    public HealthStatus probe() {
      return store.probe();
    }

    @Override
    public String describe() {
      return "observer";
    }
  }

  @Nested
  @DisplayName("G1: a push is durable in the log before any destination is written")
  class G1 {
    @Test
    @DisplayName("every destination write finds the transaction already in the in-memory log")
    void inMemoryLog() {
      LogObservingDestination observer = new LogObservingDestination(id -> f.log.read(id));
      f.start(false, b -> b.destination("observer", observer));
      byte[] payload = bytes("first,second\n1,2\n");
      f.client.push("gold/a.csv", payload);
      f.client.push("gold/b.csv", bytes("x"));
      assertThat(observer.seenAtWrite).containsExactly("gold/a.csv|" + Md5.of(payload), "gold/b.csv|" + Md5.of(bytes("x")));
    }

    @Test
    @DisplayName("with the file log, every destination write finds the transaction already on disk")
    void fileLogOnDisk(@TempDir Path dir) throws Exception {
      Path logDir = Files.createDirectories(dir.resolve("log"));
      // Re-reading the log file from disk (without the writer's in-memory index) proves it was written out.
      LogObservingDestination observer = new LogObservingDestination(id -> {
        try (FileTransactionLog onDisk = FileTransactionLog.openReadOnly(logDir)) {
          return onDisk.read(id);
        }
      });
      try (DualPushClient client = new DualPushClientBuilder()
          .destination("observer", observer)
          .destination("files", new FileSystemDestination(Files.createDirectories(dir.resolve("files"))))
          .transactionLog(logDir)
          .buildClient()) {
        byte[] payload = bytes("durable first");
        client.push("gold/c.csv", payload);
        assertThat(observer.seenAtWrite).containsExactly("gold/c.csv|" + Md5.of(payload));
      }
    }
  }

  @Nested
  @DisplayName("G3: exactly once")
  class G3 {
    @Test
    @DisplayName("a second push with the same message id returns the first outcome and writes nothing")
    void duplicateMessageId() {
      f.start();
      PushRequest request = PushRequest.builder("gold/d.csv", PushContent.ofBytes(bytes("one"))).messageId("msg-1").build();
      PushReceipt first = f.client.push(request);
      long writes = f.primaryStore.writeCount() + f.secondaryStore.writeCount();
      int entries = f.log.entries().size();

      PushReceipt again = f.client.push(PushRequest.builder("gold/d.csv", PushContent.ofBytes(bytes("changed"))).messageId("msg-1").build());

      assertThat(first.duplicate()).isFalse();
      assertThat(again.duplicate()).isTrue();
      assertThat(again.transactionId()).isEqualTo(first.transactionId());
      assertThat(again.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(f.primaryStore.writeCount() + f.secondaryStore.writeCount()).isEqualTo(writes);
      assertThat(f.log.entries()).hasSize(entries);
      assertThat(f.primaryStore.bytes("gold/d.csv")).hasValue(bytes("one"));
      assertThat(f.events(DualPushEvent.Type.DUPLICATE_PUSH)).hasSize(1);
    }

    @Test
    @DisplayName("a push whose message id is being processed elsewhere is refused, not run twice")
    void inProgressElsewhere() {
      f.start();
      f.secondary.hang();
      CompletableFuture<PushReceipt> first = f.client.async().push(
          PushRequest.builder("gold/e.csv", PushContent.ofBytes(bytes("e"))).messageId("msg-2").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> f.secondary.putCount() == 1);
      assertThatThrownBy(() -> f.client.push(PushRequest.builder("gold/e.csv", PushContent.ofBytes(bytes("e"))).messageId("msg-2").build()))
          .isInstanceOf(DuplicateInProgressException.class)
          .hasMessageContaining("msg-2");
      f.secondary.release();
      assertThat(first.join().state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(f.secondary.putCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("re-pushing identical content writes nothing at the destinations and still verifies")
    void identicalRepush() {
      f.start();
      f.client.push("gold/f.csv", bytes("same"));
      String etag = f.primaryStore.stored("gold/f.csv").orElseThrow().etag();
      long writes = f.primaryStore.writeCount() + f.secondaryStore.writeCount();

      PushReceipt again = f.client.push("gold/f.csv", bytes("same"));

      assertThat(again.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(f.primaryStore.writeCount() + f.secondaryStore.writeCount()).isEqualTo(writes);
      assertThat(f.primaryStore.stored("gold/f.csv").orElseThrow().etag()).isEqualTo(etag);
      assertThat(f.events(DualPushEvent.Type.COPY_UNCHANGED)).hasSize(2);
    }
  }

  @Nested
  @DisplayName("G4: VERIFIED means the stored MD5 equals the source MD5 in the log")
  class G4 {
    @Test
    @DisplayName("a copy corrupted in flight is caught as inconsistent, alerted, and repaired")
    void corruptedCopyRepaired() {
      f.start();
      f.secondary.corruptNext(1);
      byte[] payload = bytes("gold bytes that must not rot");

      assertThatThrownBy(() -> f.client.push("gold/g.csv", payload))
          .isInstanceOfSatisfying(PushFailedException.class, e -> {
            assertThat(e.receipt().state()).isEqualTo(TransactionState.INCONSISTENT);
            assertThat(e.receipt().copy("secondary").orElseThrow().mismatch()).isTrue();
            assertThat(e.receipt().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
          });
      assertThat(f.alerts(Alert.Type.DATA_INCONSISTENCY)).singleElement()
          .satisfies(a -> assertThat(a.severity()).isEqualTo(Alert.Severity.CRITICAL));

      f.nextRound();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.recent(1).get(0).state() == TransactionState.VERIFIED);
      assertThat(f.secondaryStore.bytes("gold/g.csv")).hasValue(payload);
    }

    @Test
    @DisplayName("two copies that agree with each other but not with the source are not verified")
    void agreementIsNotEnough() {
      f.start();
      f.primary.corruptNext(1);
      f.secondary.corruptNext(1);
      byte[] payload = bytes("the source is the reference, not the primary");

      assertThatThrownBy(() -> f.client.push("gold/h.csv", payload))
          .isInstanceOfSatisfying(PushFailedException.class,
              e -> assertThat(e.receipt().state()).isEqualTo(TransactionState.INCONSISTENT));
      assertThat(f.primaryStore.stored("gold/h.csv").orElseThrow().md5())
          .isEqualTo(f.secondaryStore.stored("gold/h.csv").orElseThrow().md5())
          .isNotEqualTo(Md5.of(payload));
    }

    @Test
    @DisplayName("deep verify finds a copy changed behind dualpush's back that a hash check cannot see, then repair fixes it")
    void deepVerifyFindsTampering() {
      f.start();
      byte[] payload = bytes("pristine");
      PushReceipt receipt = f.client.push("gold/i.csv", payload);
      f.secondaryStore.tamper("gold/i.csv", bytes("rotten!!"));

      assertThat(f.client.verify(receipt.transactionId(), VerifyMode.HASH).state()).isEqualTo(TransactionState.VERIFIED);
      PushReceipt deep = f.client.verify(receipt.transactionId(), VerifyMode.DEEP);
      assertThat(deep.state()).isEqualTo(TransactionState.INCONSISTENT);
      assertThat(deep.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);

      PushReceipt repaired = f.client.retryFailed(receipt.transactionId());
      assertThat(repaired.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(f.secondaryStore.bytes("gold/i.csv")).hasValue(payload);
    }
  }

  @Nested
  @DisplayName("G5: partial failure is explicit")
  class G5 {
    @Test
    @DisplayName("an optional destination failing never fails a push, and its copy is repaired later")
    void optionalNeverFails() {
      f.start(true, b -> b.repair(Fixture.repair(3)));
      f.edge.partition();
      PushReceipt receipt = f.client.push("gold/j.csv", bytes("j"));
      assertThat(receipt.state()).isEqualTo(TransactionState.COMPLETED);
      assertThat(receipt.copy("edge-asia").orElseThrow().status()).isIn(CopyStatus.FAILED, CopyStatus.IN_PROGRESS);

      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.stats().openTransactions() == 1
          && f.client.receipt(receipt.transactionId()).orElseThrow().copy("edge-asia").orElseThrow().status() == CopyStatus.FAILED);
      f.edge.heal();
      f.nextRound();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.receipt(receipt.transactionId()).orElseThrow().isVerified());
      assertThat(f.edgeStore.bytes("gold/j.csv")).hasValue(bytes("j"));
    }

    @Test
    @DisplayName("a required destination failing gives a partial push with per-destination status, and repair later succeeds")
    void requiredFailureIsPartial() {
      f.start();
      f.secondary.partition();
      assertThatThrownBy(() -> f.client.push("gold/k.csv", bytes("k")))
          .isInstanceOfSatisfying(PushFailedException.class, e -> {
            PushReceipt r = e.receipt();
            assertThat(r.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
            assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
            assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
            assertThat(r.copy("secondary").orElseThrow().error()).contains("unreachable");
          });
      assertThat(f.client.stats().openTransactions()).isEqualTo(1);
      assertThat(f.alerts(Alert.Type.PUSH_FAILURE)).hasSize(1);

      f.nextRound();   // still partitioned: this round fails
      await().atMost(Duration.ofSeconds(10)).until(() -> f.log.open().get(0).repairRounds() == 1
          && f.events(DualPushEvent.Type.REPAIR_FINISHED).size() == 1);
      f.secondary.heal();
      f.nextRound();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.stats().openTransactions() == 0);
      assertThat(f.secondaryStore.bytes("gold/k.csv")).hasValue(bytes("k"));
      assertThat(f.client.recent(1).get(0).state()).isEqualTo(TransactionState.VERIFIED);
    }

    @Test
    @DisplayName("exhausted retries dead-letter the transaction with a high-severity alert, visible in stats; a manual retry revives it")
    void deadLetter() {
      f.start(false, b -> b.repair(Fixture.repair(2)).circuitBreaker(io.dualpush.CircuitBreakerOptions.disabled()));
      f.secondary.partition();
      String id = assertThatThrownBy(() -> f.client.push("gold/l.csv", bytes("l")))
          .isInstanceOf(PushFailedException.class).actual() instanceof PushFailedException p ? p.receipt().transactionId() : "";

      for (int round = 1; round <= 2; round++) {
        f.nextRound();
        int expected = round;
        await().atMost(Duration.ofSeconds(10)).until(() -> f.events(DualPushEvent.Type.REPAIR_FINISHED).size() == expected);
      }
      f.nextRound();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.receipt(id).orElseThrow().state() == TransactionState.DEAD_LETTERED);

      assertThat(f.alerts(Alert.Type.DEAD_LETTER)).singleElement()
          .satisfies(a -> {
            assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
            assertThat(a.transactionId()).isEqualTo(id);
          });
      assertThat(f.client.stats().deadLettered()).isEqualTo(1);
      assertThat(f.client.stats().openTransactions()).isZero();
      assertThat(f.log.entries()).filteredOn(e -> e instanceof LogEntry.DeadLettered).hasSize(1);

      f.secondary.heal();
      assertThat(f.client.retryFailed(id).state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(f.client.stats().deadLettered()).isZero();
    }

    @Test
    @DisplayName("backlog and lag are visible while a region is down")
    void backlogAndLag() {
      f.start(false, b -> b.repair(Fixture.repair(10)));
      f.secondary.partition();
      for (int i = 0; i < 3; i++) {
        int n = i;
        assertThatThrownBy(() -> f.client.push("gold/m" + n + ".csv", bytes("m" + n))).isInstanceOf(PushFailedException.class);
      }
      f.clock.advance(Duration.ofSeconds(30));
      assertThat(f.client.stats().openTransactions()).isEqualTo(3);
      assertThat(f.client.stats().oldestOpenAge()).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    @DisplayName("with a quorum ack policy, a push is acknowledged once enough required copies are verified")
    void quorum() {
      f.start(true, b -> b.ackPolicy(AckPolicy.quorum(1)).repair(Fixture.repair(3)));
      f.secondary.partition();
      PushReceipt r = f.client.push("gold/n.csv", bytes("n"));
      assertThat(r.state()).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);
      assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
    }
  }

  @Nested
  @DisplayName("The router")
  class Router {
    @Test
    @DisplayName("times out a hung destination and retries transient failures in line")
    void timeoutAndRetry() {
      f.start(false, b -> b.repair(Fixture.repair(3)).destination(
          DestinationOptions.builder("slow").timeout(Duration.ofMillis(100)).required(false).build(), hanging));
      hanging.hang();
      f.secondary.failNext(1);
      PushReceipt r = f.client.push("gold/o.csv", bytes("o"));
      assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(f.secondary.putCount()).isEqualTo(2);
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.receipt(r.transactionId()).orElseThrow()
          .copy("slow").orElseThrow().error().contains("timed out"));
      hanging.release();
    }

    private final io.dualpush.testkit.FaultInjectingDestination hanging =
        io.dualpush.testkit.FaultInjectingDestination.wrap(new InMemoryDestination("slow"));

    @Test
    @DisplayName("does not retry permanent failures")
    void permanentNotRetried() {
      f.start();
      f.secondary.failNext(1, false);
      assertThatThrownBy(() -> f.client.push("gold/p.csv", bytes("p"))).isInstanceOf(PushFailedException.class)
          .hasMessageContaining("permanent");
      assertThat(f.secondary.putCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("opens a destination's circuit breaker after repeated failures")
    void circuitBreaker() {
      f.start(false, b -> b.repair(Fixture.repair(3)).circuitBreaker(
          io.dualpush.CircuitBreakerOptions.builder().failureThreshold(2).openDelay(Duration.ofMinutes(5)).build()));
      f.secondary.partition();
      for (int i = 0; i < 3; i++) {
        int n = i;
        assertThatThrownBy(() -> f.client.push("gold/q" + n + ".csv", bytes("q"))).isInstanceOf(PushFailedException.class);
      }
      assertThat(f.client.recent(1).get(0).copy("secondary").orElseThrow().error()).contains("circuit breaker open");
      assertThat(f.secondary.putCount()).isEqualTo(2);
    }
  }

  @Nested
  @DisplayName("Recovery")
  class Recovery {
    @Test
    @DisplayName("a restarted client finishes open transactions from a verified copy")
    void fromVerifiedCopy() {
      f.start(false, b -> b.repair(io.dualpush.RepairOptions.builder().enabled(false).build()));
      f.secondary.partition();
      assertThatThrownBy(() -> f.client.push("gold/r.csv", bytes("r"))).isInstanceOf(PushFailedException.class);
      f.client.close();
      f.secondary.heal();
      f.log = f.log.reopen();

      f.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.stats().openTransactions() == 0);
      assertThat(f.secondaryStore.bytes("gold/r.csv")).hasValue(bytes("r"));
    }

    @Test
    @DisplayName("a restarted client finishes a file push from the file itself")
    void fromSourceFile(@TempDir Path dir) throws Exception {
      Path file = Files.writeString(dir.resolve("s.csv"), "from the file");
      f.start(false, b -> b.repair(io.dualpush.RepairOptions.builder().enabled(false).build()));
      f.primary.partition();
      f.secondary.partition();
      assertThatThrownBy(() -> f.client.push("gold/s.csv", file)).isInstanceOfSatisfying(PushFailedException.class,
          e -> assertThat(e.receipt().state()).isEqualTo(TransactionState.FAILED));
      f.client.close();
      f.primary.heal();
      f.secondary.heal();
      f.log = f.log.reopen();

      f.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.stats().openTransactions() == 0);
      assertThat(f.primaryStore.bytes("gold/s.csv")).hasValue(bytes("from the file"));
      assertThat(f.secondaryStore.bytes("gold/s.csv")).hasValue(bytes("from the file"));
    }

    @Test
    @DisplayName("a copy that deep verify finds corrupted, of a push whose segments the file log compacted, is still "
        + "open after a restart and repair fixes it")
    void inconsistencyOfCompactedPushSurvivesRestart(@TempDir Path dir) {
      Supplier<FileTransactionLog> openLog = () -> FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(0)
          .compactAfterSegments(0).open();
      Function<FileTransactionLog, DualPushClient> client = log -> new DualPushClientBuilder()
          .destination("primary", f.primaryStore).destination("secondary", f.secondaryStore)
          .transactionLog(log).clock(f.clock).alertSink(f.alerts::add)
          .repair(io.dualpush.RepairOptions.builder().enabled(false).build())
          .buildClient();
      byte[] payload = bytes("gold that rots after it was verified");
      String id;
      try (FileTransactionLog log = openLog.get(); DualPushClient first = client.apply(log)) {
        id = first.push("gold/rot.csv", payload).transactionId();
        Path firstSegment = log.segments().get(0);
        for (int i = 0; i < 200 && log.segments().contains(firstSegment); i++) {
          first.push("gold/filler-" + i + ".csv", bytes("filler " + i));
          log.checkpoint();
        }
        assertThat(log.segments()).as("compacted away").doesNotContain(firstSegment);
        assertThat(first.verify(id, VerifyMode.HASH).state()).isEqualTo(TransactionState.VERIFIED);
        f.secondaryStore.tamper("gold/rot.csv", bytes("rotten"));
        PushReceipt deep = first.verify(id, VerifyMode.DEEP);
        assertThat(deep.state()).isEqualTo(TransactionState.INCONSISTENT);
        assertThat(f.alerts(Alert.Type.DATA_INCONSISTENCY)).hasSize(1);
      }

      try (FileTransactionLog log = openLog.get(); DualPushClient second = client.apply(log)) {
        TransactionRecord reopened = log.read(id).orElseThrow(() -> new AssertionError(
            "the inconsistent transaction " + id + " was forgotten by the restart"));
        assertThat(reopened.state()).isEqualTo(TransactionState.INCONSISTENT);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).contains(id);
        assertThat(reopened.copy("secondary").orElseThrow().mismatch()).isTrue();
        PushReceipt repaired = second.retryFailed(id);
        assertThat(repaired.state()).isEqualTo(TransactionState.VERIFIED);
        assertThat(f.secondaryStore.bytes("gold/rot.csv")).hasValue(payload);
      }
    }

    @Test
    @DisplayName("a later push of the same key supersedes an unfinished one, which is never repaired over it")
    void supersede() {
      f.start();
      f.secondary.partition();
      assertThatThrownBy(() -> f.client.push("gold/t.csv", bytes("old"))).isInstanceOf(PushFailedException.class);
      f.secondary.heal();
      f.client.push("gold/t.csv", bytes("new"));
      f.nextRound();
      await().atMost(Duration.ofSeconds(10)).until(() -> f.client.stats().openTransactions() == 0);
      assertThat(f.secondaryStore.bytes("gold/t.csv")).hasValue(bytes("new"));
      assertThat(f.client.recent(2)).extracting(PushReceipt::state)
          .containsExactly(TransactionState.VERIFIED, TransactionState.SUPERSEDED);
    }
  }

  @Nested
  @DisplayName("G7 and G8 at the engine")
  class Bounds {
    @Test
    @DisplayName("a bad key is refused before anything is written")
    void badKey() {
      f.start();
      assertThatThrownBy(() -> f.client.push("../etc/passwd", bytes("x")))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("key"));
      assertThat(f.log.entries()).isEmpty();
      assertThat(f.primaryStore.size() + f.secondaryStore.size()).isZero();
    }

    @Test
    @DisplayName("close() drains pushes in flight and stops every engine thread")
    void closeDrains() {
      f.secondary.latency(Duration.ofMillis(50));
      f.start();
      List<CompletableFuture<PushReceipt>> pushes = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        pushes.add(f.client.async().push(PushRequest.of("gold/u" + i + ".csv", bytes("u" + i))));
      }
      f.client.close();
      assertThat(pushes).allSatisfy(p -> assertThat(p).isCompletedWithValueMatching(PushReceipt::isVerified));
      await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.isAlive() && t.getName().startsWith("dualpush-")));
      assertThatThrownBy(() -> f.client.push("gold/v.csv", bytes("v"))).hasMessageContaining("closed");
    }

    @Test
    @DisplayName("a push is acknowledged even when the log has already compacted its terminal record")
    void acknowledgedAfterCompaction() {
      TransactionLog forgetful = new CompactingLog(new InMemoryTransactionLog());
      DualPushClient client = new DualPushClientBuilder()
          .destination("primary", f.primaryStore).destination("secondary", f.secondaryStore)
          .transactionLog(forgetful).buildClient();
      try {
        PushReceipt receipt = client.push("gold/w.csv", bytes("w"));
        assertThat(receipt.state()).isEqualTo(TransactionState.VERIFIED);
        assertThat(receipt.copies()).extracting(c -> c.status()).containsOnly(CopyStatus.VERIFIED);
        assertThat(receipt.md5()).isEqualTo(Md5.of(bytes("w")));
      } finally {
        client.close();
      }
    }
  }

  /** A log that drops a transaction the moment it becomes terminal, as compaction may. */
  static final class CompactingLog implements TransactionLog {
    private final TransactionLog delegate;

    CompactingLog(TransactionLog delegate) {
      this.delegate = delegate;
    }

    @Override
    public void append(LogEntry entry) {
      delegate.append(entry);
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      return delegate.read(transactionId).filter(r -> !r.state().isTerminal());
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      return delegate.latest(key).filter(r -> !r.state().isTerminal());
    }

    @Override
    public List<TransactionRecord> open() {
      return delegate.open();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      return delegate.recent(limit).stream().filter(r -> !r.state().isTerminal()).toList();
    }

    @Override
    public void checkpoint() {}

    @Override
    public void close() {
      delegate.close();
    }
  }
}
