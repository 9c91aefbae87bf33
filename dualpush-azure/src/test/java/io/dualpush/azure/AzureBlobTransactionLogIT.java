package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.LeaseStateType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.LeaseLostException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionState;
import io.dualpush.log.AppendPositionException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.PowerLossLogFactory;
import io.dualpush.testkit.SimulatedDiskSegmentStore;
import io.dualpush.testkit.TransactionLogContract;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole transaction log contract, crash tier included, against a real Azurite; each test gets
 * a fresh prefix in one container, and small segments so the tests run across several.
 *
 * <p>A crash is {@link AzureBlobTransactionLog#simulateCrashForTesting()} (the writer and the lease
 * renewal stop, nothing is released) followed by an open with {@code takeOver(true)}, as a
 * restarted job would do. A torn tail is emulated by rewriting the last segment without its last
 * bytes: the service's append blocks are atomic, so only a tool or a restore can cut a record.
 */
@DisplayName("AzureBlobTransactionLog against Azurite")
class AzureBlobTransactionLogIT extends TransactionLogContract {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("log");

  private static BlobServiceClient service;
  private static BlobContainerClient container;
  private String prefix;

  @BeforeAll
  static void connect() {
    service = AzuriteClients.service(azurite);
    container = AzuriteClients.freshContainer(service);
  }

  @AfterAll
  static void dropContainer() {
    container.deleteIfExists();
  }

  private AzureBlobTransactionLog.Builder builder() {
    return AzureBlobTransactionLog.builder(container, prefix).segmentSize(8192);
  }

  @Override
  protected TransactionLog createLog() {
    prefix = "logs/" + UUID.randomUUID();
    return builder().open();
  }

  @Override
  protected TransactionLog reopen(TransactionLog closed) {
    return builder().open();
  }

  @Override
  protected TransactionLog crashAndReopen(TransactionLog log) {
    ((AzureBlobTransactionLog) log).simulateCrashForTesting();
    return builder().takeOver(true).open();
  }

  @Override
  protected void truncateTail(TransactionLog closedLog, int bytes) {
    List<String> names = ((AzureBlobTransactionLog) closedLog).segmentNames();
    rewrite(names.get(names.size() - 1), content -> Arrays.copyOf(content, content.length - bytes));
  }

  /**
   * The Azure log's own code and settings ({@link AzureBlobTransactionLog.Builder#openOver}: the
   * shared log with the options its builder sets) over the testkit's simulated append-blob disk,
   * which is what the service's append blocks are: whole or not at all, durable on return. Small
   * segments, nothing retained and copying forward at every roll-over, so that trials roll, delete
   * segments, copy forward and restate amid the cuts. The container is not touched.
   */
  @Override
  protected Optional<PowerLossLogFactory> powerLossLogFactory() {
    return Optional.of(PowerLossLogFactory.of(SimulatedDiskSegmentStore::appendBlobLike,
        store -> AzureBlobTransactionLog.builder(container, "power-loss").segmentSize(4096).retainSegments(0)
            .compactAfterSegments(0).takeOver(true).openOver(store)));
  }

  /** Replaces an append blob with {@code change} of its content, as a restore or a tool could. */
  private static void rewrite(String name, java.util.function.UnaryOperator<byte[]> change) {
    AppendBlobClient blob = container.getBlobClient(name).getAppendBlobClient();
    byte[] content = blob.downloadContent().toBytes();
    byte[] changed = change.apply(content);
    blob.delete();
    blob.create();
    if (changed.length > 0) {
      blob.appendBlock(new ByteArrayInputStream(changed), changed.length);
    }
  }

  @Nested
  @DisplayName("one writer")
  class OneWriter {
    @Test
    @DisplayName("a second open of the same prefix is refused while the first is open, naming container and prefix")
    void secondOpenRefused() {
      begin("t", "one/writer.csv", at(0));
      assertThatThrownBy(() -> builder().open())
          .isInstanceOf(io.dualpush.TransactionLogLockedException.class)
          .hasMessageContaining(container.getBlobContainerName())
          .hasMessageContaining(prefix)
          .hasMessageContaining("already open");
      log.close();
      log = builder().open();
      assertThat(log.open()).hasSize(1);
    }

    @Test
    @DisplayName("a writer whose log was taken over cannot append behind the new writer's back, and learns from the "
        + "append position that its lease is lost: LeaseLostException, the position failure kept as the first cause")
    void takenOverWriterIsFenced() {
      String id = begin("t", "one/fenced.csv", at(0));
      AzureBlobTransactionLog old = (AzureBlobTransactionLog) log;
      AzureBlobTransactionLog fresh = builder().takeOver(true).open();
      try {
        fresh.append(copy(id, "primary", CopyStatus.VERIFIED, at(1)));
        assertThatThrownBy(() -> old.append(copy(id, "secondary", CopyStatus.VERIFIED, at(2))))
            .isInstanceOf(LeaseLostException.class)
            .hasMessageContaining("another writer")
            .hasRootCauseInstanceOf(AppendPositionException.class)
            .satisfies(e -> assertThat(((LeaseLostException) e).lease()).isEqualTo(old.describe()));
        assertThatThrownBy(() -> old.append(copy(id, "secondary", CopyStatus.VERIFIED, at(2))))
            .as("every later append, with the same first cause").isInstanceOf(LeaseLostException.class)
            .hasRootCauseInstanceOf(AppendPositionException.class);
      } finally {
        fresh.close();
      }
      log.close();
      log = builder().open();
      assertThat(log.read(id).orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(log.read(id).orElseThrow().copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.PENDING);
    }

    @Test
    @DisplayName("a read-only open beside the writer sees what was appended and cannot append")
    void readOnly() {
      String id = begin("t", "one/read-only.csv", at(0));
      verifyBoth(id, at(1));
      try (AzureBlobTransactionLog reader = AzureBlobTransactionLog.openReadOnly(container, prefix)) {
        assertThat(reader.read(id).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
        assertThatThrownBy(() -> reader.append(started(txn("x"), "x.csv", at(2))))
            .isInstanceOf(DualPushException.class).hasMessageContaining("read-only");
      }
    }
  }

  @Nested
  @DisplayName("the writer's lease")
  class WriterLease {
    private final ServiceInterceptor service = new ServiceInterceptor();

    private BlobContainerClient interceptedContainer() {
      return service.container(azurite, container.getBlobContainerName());
    }

    private AzureBlobTransactionLog.Builder intercepted() {
      return AzureBlobTransactionLog.builder(interceptedContainer(), "logs/" + UUID.randomUUID()).segmentSize(8192)
          .ticker(service.nanos::get);
    }

    @Test
    @DisplayName("is counted from just before the acquire request was sent, so a slow acquire leaves less of the lease "
        + "(defect 7)")
    void countedFromBeforeTheAcquire() {
      service.leaseCallsTake(Duration.ofSeconds(45)); // of a 60 s lease, with the default 10 s margin
      try (AzureBlobTransactionLog slow = intercepted().open()) {
        service.advance(Duration.ofSeconds(6)); // 51 s since the acquire was sent: past 60 - 10
        assertThatThrownBy(() -> slow.append(started(txn("late"), "lease/late.csv", at(0))))
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining("could not renew its writer's lease in time");
      }
    }

    @Test
    @DisplayName("is counted from just before a renew request was sent, so a slow renewal leaves less of the lease "
        + "(defect 7)")
    void countedFromBeforeTheRenewal() {
      BlobWriterLease lease = BlobWriterLease.acquire(interceptedContainer(), "logs/" + UUID.randomUUID(), "test",
          false, Duration.ofSeconds(60), Duration.ofSeconds(10), service.nanos::get);
      try {
        service.advance(Duration.ofSeconds(30));
        service.leaseCallsTake(Duration.ofSeconds(45));
        lease.renew();
        service.advance(Duration.ofSeconds(4)); // 49 s since the renewal was sent
        assertThat(lease.mayHaveExpired()).isFalse();
        service.advance(Duration.ofSeconds(2)); // 51 s: past 60 - 10
        assertThat(lease.mayHaveExpired()).isTrue();
      } finally {
        lease.release();
      }
    }

    @Test
    @DisplayName("is held until the safety margin, a sixth of the lease duration unless set")
    void heldUntilTheMargin() {
      try (AzureBlobTransactionLog log30 = intercepted().leaseDuration(Duration.ofSeconds(30)).open()) {
        service.advance(Duration.ofSeconds(24)); // 30 - 30/6 = 25 s
        log30.append(started(txn("in-time"), "lease/in-time.csv", at(0)));
        service.advance(Duration.ofSeconds(2));
        assertThatThrownBy(() -> log30.append(started(txn("late"), "lease/late.csv", at(1))))
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining("could not renew its writer's lease in time");
      }
      try (AzureBlobTransactionLog wide = intercepted().leaseSafetyMargin(Duration.ofSeconds(30)).open()) {
        service.advance(Duration.ofSeconds(29));
        wide.append(started(txn("in-time"), "lease/in-time.csv", at(0)));
        service.advance(Duration.ofSeconds(2));
        assertThatThrownBy(() -> wide.append(started(txn("late"), "lease/late.csv", at(1))))
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining("could not renew its writer's lease in time");
      }
    }
  }

  @Nested
  @DisplayName("closing")
  class Closing {
    private final ServiceInterceptor service = new ServiceInterceptor();
    private final List<Thread> callers = new CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void releaseAppends() throws InterruptedException {
      service.releaseAppends();
      for (Thread t : callers) {
        t.join(30_000);
      }
    }

    private final String stuckPrefix = "logs/" + UUID.randomUUID();

    private AzureBlobTransactionLog.Builder intercepted() {
      return AzureBlobTransactionLog.builder(service.container(azurite, container.getBlobContainerName()), stuckPrefix)
          .segmentSize(8192);
    }

    /** Runs {@code call} on a thread of its own; the future gets what it threw, or null. */
    private CompletableFuture<Throwable> call(String name, Runnable call) {
      CompletableFuture<Throwable> thrown = new CompletableFuture<>();
      Thread t = new Thread(() -> thrown.complete(catchThrowable(call::run)), name);
      callers.add(t);
      t.start();
      return thrown;
    }

    /** Waits until {@code name} is parked: waiting for the writer or for a lock. */
    private void awaitParked(String name) {
      Thread t = callers.stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
      await().atMost(Duration.ofSeconds(30)).until(() -> t.getState() == Thread.State.WAITING
          || t.getState() == Thread.State.BLOCKED);
    }

    @Test
    @DisplayName("close() returns while an append is stuck in the network, failing that append, the append queued "
        + "behind it and a checkpoint waiting, and leaves the lease to expire rather than release it (defect 6)")
    void closeDoesNotWaitForAStuckAppend() throws Exception {
      // An append call waits at most until the lease could run out: 15 - 2.5 s.
      AzureBlobTransactionLog stuck = intercepted().closeTimeout(Duration.ofMillis(500))
          .leaseDuration(Duration.ofSeconds(15)).open();
      service.holdAppends();
      CompletableFuture<Throwable> first = call("first", () -> stuck.append(started(txn("stuck"), "close/stuck.csv", at(0))));
      await().atMost(Duration.ofSeconds(30)).until(() -> service.held.get() == 1);
      CompletableFuture<Throwable> behind = call("behind",
          () -> stuck.append(started(txn("behind"), "close/behind.csv", at(0))));
      awaitParked("behind");
      CompletableFuture<Throwable> checkpoint = call("checkpoint", stuck::checkpoint);
      awaitParked("checkpoint");

      CompletableFuture<Throwable> closing = call("close", stuck::close);

      assertThat(closing.get(30, TimeUnit.SECONDS)).isNull();
      // The stuck block may still land: no other writer may open the log before the lease runs out.
      assertThat(container.getBlobClient(stuckPrefix + "/" + AzureBlobTransactionLog.LOCK_BLOB).getProperties()
          .getLeaseState()).isEqualTo(LeaseStateType.LEASED);
      assertThat(first.get(30, TimeUnit.SECONDS)).isInstanceOf(TransactionLogUnavailableException.class);
      assertThat(behind.get(30, TimeUnit.SECONDS)).isInstanceOf(TransactionLogUnavailableException.class);
      assertThat(checkpoint.get(30, TimeUnit.SECONDS)).isInstanceOf(DualPushException.class);
    }

    @Test
    @DisplayName("a checkpoint waiting behind an append stuck in the network can be interrupted (defect 6: no lock is "
        + "held across a call to the service)")
    void checkpointBehindAStuckAppendIsInterruptible() throws Exception {
      AzureBlobTransactionLog stuck = intercepted().open();
      log.close();
      log = stuck;
      service.holdAppends();
      CompletableFuture<Throwable> first = call("first", () -> stuck.append(started(txn("stuck"), "close/stuck.csv", at(0))));
      await().atMost(Duration.ofSeconds(30)).until(() -> service.held.get() == 1);
      CompletableFuture<Throwable> checkpoint = call("checkpoint", stuck::checkpoint);
      awaitParked("checkpoint");

      callers.get(1).interrupt();

      assertThat(checkpoint.get(30, TimeUnit.SECONDS)).isInstanceOf(DualPushException.class)
          .hasMessageContaining("interrupted");
      service.releaseAppends();
      assertThat(first.get(30, TimeUnit.SECONDS)).isNull();
    }
  }

  @Nested
  @DisplayName("damage")
  class Damage {
    @Test
    @DisplayName("a corrupted record in the middle of a segment stops the open, naming blob and offset")
    void midSegmentCorruption() {
      begin("first", "damage/first.csv", at(0));
      begin("second", "damage/second.csv", at(1));
      List<String> names = ((AzureBlobTransactionLog) log).segmentNames();
      log.close();
      log = null;
      String segment = names.get(0);
      rewrite(segment, content -> {
        byte[] c = content.clone();
        c[12] ^= 0x55; // inside the first record's body
        return c;
      });
      assertThatThrownBy(() -> builder().open())
          .isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining(segment)
          .hasMessageContaining("offset 0")
          .hasMessageContaining("checksum")
          .satisfies(e -> {
            TransactionLogCorruptedException c = (TransactionLogCorruptedException) e;
            assertThat(c.segment()).isEqualTo(segment);
            assertThat(c.offset()).isZero();
            assertThat(c.reason()).startsWith("checksum mismatch");
          });
    }

    @Test
    @DisplayName("a deleted middle segment stops the writer's and the read-only open, naming the gap and its "
        + "neighbours, so a key is never reported at its older version")
    void deletedMiddleSegment() {
      log.close();
      log = builder().segmentSize(4096).retainSegments(0).compactAfterSegments(Integer.MAX_VALUE).open();
      begin("old", "gap/x.csv", at(0));
      for (int i = 0; i < 120; i++) {
        begin("a" + i, "gap/a" + i + ".csv", at(1));
      }
      String newer = begin("new", "gap/x.csv", at(2));
      List<String> names = ((AzureBlobTransactionLog) log).segmentNames();
      String holder = names.get(names.size() - 1);
      for (int i = 0; i < 160; i++) {
        begin("b" + i, "gap/b" + i + ".csv", at(3));
      }
      names = ((AzureBlobTransactionLog) log).segmentNames();
      int at = names.indexOf(holder);
      assertThat(names).hasSizeGreaterThanOrEqualTo(4);
      assertThat(at).isBetween(1, names.size() - 2);
      assertThat(log.latest("gap/x.csv").orElseThrow().transactionId()).isEqualTo(newer);
      log.close();
      log = null;
      container.getBlobClient(holder).delete();
      long missing = Long.parseLong(holder.substring(holder.length() - 24, holder.length() - 4));

      for (int attempt = 0; attempt < 2; attempt++) { // the refused writer released its lease: refused again, the same way
        assertGap(catchThrowable(() -> builder().open()), names.get(at - 1), names.get(at + 1), missing);
      }
      assertGap(catchThrowable(() -> AzureBlobTransactionLog.openReadOnly(container, prefix)), names.get(at - 1),
          names.get(at + 1), missing);
    }

    private void assertGap(Throwable thrown, String before, String after, long missing) {
      assertThat(thrown).isInstanceOf(TransactionLogGapException.class)
          .hasMessageContaining(before + " is followed by " + after)
          .hasMessageContaining(missing + ".." + missing + " are missing")
          .hasMessageContaining("older version");
      TransactionLogGapException gap = (TransactionLogGapException) thrown;
      assertThat(gap.previousSegment()).isEqualTo(before);
      assertThat(gap.segment()).isEqualTo(after);
      assertThat(gap.firstMissing()).isEqualTo(missing);
      assertThat(gap.lastMissing()).isEqualTo(missing);
      assertThat(gap.log()).endsWith(prefix);
    }

    @Test
    @DisplayName("a torn tail stays dropped after the log moved on to a new segment")
    void tornTailSealed() {
      String kept = begin("kept", "damage/kept.csv", at(0));
      begin("torn", "damage/torn.csv", at(1));
      List<String> names = ((AzureBlobTransactionLog) log).segmentNames();
      log.close();
      log = null;
      String torn = names.get(names.size() - 1);
      rewrite(torn, content -> Arrays.copyOf(content, content.length - 5));
      try (AzureBlobTransactionLog reader = AzureBlobTransactionLog.openReadOnly(container, prefix)) {
        assertThat(reader.openWarnings()).singleElement().satisfies(w -> {
          assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_IGNORED);
          assertThat(w.segment()).isEqualTo(torn);
        });
      }
      log = builder().open();
      assertThat(log.openWarnings()).singleElement().satisfies(w -> {
        assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_DROPPED);
        assertThat(w.segment()).isEqualTo(torn);
      });
      String after = begin("after", "damage/after.csv", at(2));
      // Append blobs cannot be cut: the next append went to a new segment.
      assertThat(((AzureBlobTransactionLog) log).segmentNames()).hasSize(names.size() + 1);
      restart();
      assertThat(log.read(kept)).isPresent();
      assertThat(log.read(after)).isPresent();
      assertThat(container.getBlobClient(names.get(names.size() - 1)).getProperties().getMetadata())
          .containsKey(AzureBlobTransactionLog.VALID_LENGTH);
    }
  }
  @Nested
  @DisplayName("compaction")
  class Compaction {
    private static final int THREADS = 8;
    private static final int STEPS = 150;

    /** 4 KiB segments; only what unfinished transactions need stays, and nothing is copied forward. */
    private AzureBlobTransactionLog.Builder small() {
      return builder().segmentSize(4096).retainSegments(0).compactAfterSegments(Integer.MAX_VALUE);
    }

    /** As {@link #small()}, but copying unfinished transactions forward at every compaction. */
    private AzureBlobTransactionLog.Builder copying() {
      return builder().segmentSize(4096).retainSegments(0).compactAfterSegments(0);
    }

    /** Closes the log under test and opens the same prefix with {@code options}. */
    private AzureBlobTransactionLog reopenWith(AzureBlobTransactionLog.Builder options) {
      if (log != null) {
        log.close();
        log = null;
      }
      AzureBlobTransactionLog opened = options.open();
      log = opened;
      return opened;
    }

    private List<String> segmentNames() {
      return ((AzureBlobTransactionLog) log).segmentNames();
    }

    /** The segment blobs in the container, oldest first. */
    private List<String> segmentBlobs() {
      List<String> names = new ArrayList<>();
      container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/segment-"), null)
          .forEach(b -> names.add(b.getName()));
      return names;
    }

    /** What a deep verify records for a secondary copy it found corrupted. */
    private LogEntry mismatch(String txn) {
      return new LogEntry.CopyUpdated(txn, at(5), "secondary", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==",
          "digest mismatch", true);
    }

    /** Appends {@code n} transactions that finish VERIFIED. */
    private void appendVerified(String namePrefix, int n) {
      for (int i = 0; i < n; i++) {
        log.append(started(namePrefix + i, "v/" + namePrefix + i, at(i)));
        verifyBoth(namePrefix + i, at(i));
      }
    }

    @Test
    @DisplayName("builder settings retainSegments and compactAfterSegments are validated, naming the setting")
    void builderValidation() {
      assertThatThrownBy(() -> builder().retainSegments(-1)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'retainSegments'")
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("retainSegments"));
      assertThatThrownBy(() -> builder().compactAfterSegments(-1)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("'compactAfterSegments'")
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("compactAfterSegments"));
    }

    @Test
    @DisplayName("copies open and dead-lettered transactions forward and deletes every older segment")
    void copiesForwardOpenAndDeadLettered() {
      reopenWith(copying());
      log.append(started("open", "k/open", at(0)));
      log.append(copy("open", "primary", CopyStatus.VERIFIED, at(1)));
      appendVerified("a", 40);
      String openSegment = segmentNames().get(0);
      log.append(started("dead", "k/dead", at(1)));
      log.append(new LogEntry.RepairAttempted("dead", at(2), 3));
      log.append(new LogEntry.DeadLettered("dead", at(2), "gave up"));
      appendVerified("b", 40);
      log.checkpoint();
      assertThat(segmentNames()).hasSize(1).doesNotContain(openSegment);
      assertThat(segmentBlobs()).isEqualTo(segmentNames());
      assertThat(log.read("open").orElseThrow().state()).isEqualTo(TransactionState.IN_PROGRESS);

      reopenWith(copying());
      TransactionRecord open = log.read("open").orElseThrow();
      assertThat(open.state()).isEqualTo(TransactionState.IN_PROGRESS);
      assertThat(open.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      TransactionRecord dead = log.read("dead").orElseThrow();
      assertThat(dead.state()).isEqualTo(TransactionState.DEAD_LETTERED);
      assertThat(dead.repairRounds()).isEqualTo(3);
      assertThat(dead.deadLetterReason()).hasValue("gave up");
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");

      // Retried and verified, it is dropped like any finished transaction at the next compaction.
      log.append(new LogEntry.Retried("dead", at(3)));
      verifyBoth("dead", at(4));
      appendVerified("c", 40);
      log.checkpoint();
      reopenWith(copying());
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");
      assertThat(log.read("dead")).isEmpty();
    }

    @Test
    @DisplayName("a crash between copying forward and deleting replays to the same state")
    void crashBeforeDeletion() {
      reopenWith(small());
      log.append(started("open", "k/open", at(0)));
      log.append(copy("open", "secondary", CopyStatus.FAILED, at(1)));
      appendVerified("a", 60);
      List<String> before = segmentBlobs();
      assertThat(before.size()).isGreaterThan(1);
      // Simulate: the copies were appended to the newest segment, then the process died before any
      // deletion. Keep the old segments' content, compact, and put them back.
      Map<String, byte[]> aside = new LinkedHashMap<>();
      for (String name : before) {
        aside.put(name, container.getBlobClient(name).downloadContent().toBytes());
      }
      reopenWith(copying()).checkpoint();
      assertThat(segmentBlobs()).containsExactly(before.get(before.size() - 1));
      log.close();
      log = null;
      for (String name : before.subList(0, before.size() - 1)) {
        AppendBlobClient blob = container.getBlobClient(name).getAppendBlobClient();
        byte[] content = aside.get(name);
        blob.create();
        blob.appendBlock(new ByteArrayInputStream(content), content.length);
      }
      assertThat(segmentBlobs()).isEqualTo(before);
      reopenWith(small());
      TransactionRecord open = log.read("open").orElseThrow();
      assertThat(open.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");
      assertThat(log.read("a59").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
    }

    @Test
    @DisplayName("late records of a compacted transaction are ignored on replay when it is superseded or no longer held, "
        + "and kept, with its state restated, when it is still held")
    void laterRecordsOfCompactedTransactions() {
      reopenWith(small());
      String first = segmentNames().get(0);
      log.append(started("old", "k/same", at(0)));
      log.append(started("new", "k/same", at(1))); // supersedes "old"
      verifyBoth("new", at(2));
      appendVerified("a", 30);
      log.checkpoint();
      assertThat(segmentBlobs()).doesNotContain(first);
      // Late records of all three, in a segment an open transaction keeps.
      log.append(copy("old", "primary", CopyStatus.FAILED, at(3)));
      log.append(copy("new", "primary", CopyStatus.FAILED, at(3)));
      log.append(copy("unknown", "primary", CopyStatus.FAILED, at(3)));
      log.append(started("open", "k/open", at(4)));
      appendVerified("b", 30);
      log.checkpoint();
      reopenWith(small());
      assertThat(log.read("old")).isEmpty();
      assertThat(log.read("unknown")).isEmpty();
      TransactionRecord late = log.read("new").orElseThrow();
      assertThat(late.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
      assertThat(late.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("new", "open");
      assertThat(log.latest("k/same").orElseThrow().transactionId()).isEqualTo("new");
    }

    @Test
    @DisplayName("a mismatch found after compaction dropped a verified transaction survives a crash and a reopen, "
        + "the transaction open with everything else as it was")
    void mismatchAfterCompactionSurvives() {
      reopenWith(small());
      String first = segmentNames().get(0);
      log.append(started("gold", "k/gold", at(0)));
      verifyBoth("gold", at(1));
      log.append(new LogEntry.RepairAttempted("gold", at(2), 2));
      appendVerified("a", 30);
      log.checkpoint();
      assertThat(segmentBlobs()).doesNotContain(first);
      assertThat(log.read("gold").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);

      log.append(mismatch("gold"));
      TransactionRecord expected = log.read("gold").orElseThrow();
      assertThat(expected.state()).isEqualTo(TransactionState.INCONSISTENT);
      ((AzureBlobTransactionLog) log).simulateCrashForTesting();
      reopenWith(small().takeOver(true));
      assertThat(log.read("gold")).hasValue(expected);
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("gold");
      appendVerified("b", 30);
      log.checkpoint();

      reopenWith(small());
      assertThat(log.read("gold")).hasValue(expected);
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("gold");
    }

    @Test
    @DisplayName("a restated transaction too large to share a 4 MiB block with its record goes in the block before it")
    void restatedStateSplitsTheBlock() {
      reopenWith(small());
      String first = segmentNames().get(0);
      String big = "x".repeat(AzureBlobTransactionLog.MAX_BLOCK - 200); // a start frame just under 4 MiB
      log.append(new LogEntry.Started("gold", at(0), "k/gold", 42, MD5, "", "", "text/csv", Map.of("big", big),
          TWO_REQUIRED, 2, ""));
      verifyBoth("gold", at(1));
      appendVerified("a", 10);
      log.checkpoint();
      assertThat(segmentBlobs()).doesNotContain(first);

      log.append(mismatch("gold"));
      TransactionRecord expected = log.read("gold").orElseThrow();
      List<String> names = segmentNames();
      // Too large for the active segment: a new one, with the start alone in a block, then the rest.
      assertThat(container.getBlobClient(names.get(names.size() - 1)).getAppendBlobClient().getProperties()
          .getCommittedBlockCount()).isEqualTo(2);
      reopenWith(small());
      assertThat(log.read("gold")).hasValue(expected);
      assertThat(expected.start().metadata()).containsEntry("big", big);
      assertThat(expected.state()).isEqualTo(TransactionState.INCONSISTENT);
    }

    @Test
    @DisplayName("a writer whose log was taken over deletes no segment on checkpoint, and the new writer's log stays whole")
    void takenOverWriterCompactsNothing() {
      AzureBlobTransactionLog.Builder keepAll = builder().segmentSize(4096).retainSegments(Integer.MAX_VALUE);
      reopenWith(keepAll);
      log.append(started("gold", "k/gold", at(0)));
      verifyBoth("gold", at(1));
      appendVerified("a", 40);
      AzureBlobTransactionLog old = reopenWith(small()); // its checkpoint would delete every older segment
      List<String> before = segmentBlobs();
      assertThat(before.size()).isGreaterThan(2);
      AzureBlobTransactionLog fresh = keepAll.takeOver(true).open();
      try {
        fresh.append(mismatch("gold")); // its start is in the oldest segment
        assertThatThrownBy(old::checkpoint).isInstanceOf(DualPushException.class)
            .hasMessageContaining("deletes no segment").hasMessageContaining("another writer");
        assertThat(segmentBlobs()).containsAll(before);
        assertThatThrownBy(old::checkpoint).isInstanceOf(DualPushException.class)
            .hasMessageContaining("deletes no segment");
        assertThatThrownBy(() -> old.append(copy("gold", "primary", CopyStatus.FAILED, at(6))))
            .isInstanceOf(DualPushException.class);
        assertThat(segmentBlobs()).containsAll(before);
      } finally {
        fresh.close();
      }
      reopenWith(small());
      TransactionRecord gold = log.read("gold").orElseThrow();
      assertThat(gold.state()).isEqualTo(TransactionState.INCONSISTENT);
      assertThat(gold.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(log.read("a0").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
    }

    @Test
    @DisplayName("a superseded transaction is never resurrected by dropping the segment that superseded it")
    void supersedeIsKeptWithTheSuperseded() {
      reopenWith(small());
      log.append(started("pin", "k/pin", at(0))); // stays open: its segment stays
      log.append(started("old", "k/same", at(0)));
      appendVerified("a", 30);
      log.append(started("new", "k/same", at(1))); // supersedes "old", a later segment
      verifyBoth("new", at(2));
      appendVerified("b", 30);
      log.checkpoint();
      reopenWith(small());
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("pin");
      log.read("old").ifPresent(r -> assertThat(r.state()).as("dropped, or kept as superseded, never open again")
          .isEqualTo(TransactionState.SUPERSEDED));
      assertThat(log.latest("k/same").orElseThrow().transactionId()).isEqualTo("new");
    }

    @Test
    @DisplayName("a copy that fails (the service is down) deletes nothing; the log then refuses appends, and a reopen "
        + "completes the compaction")
    void failedCopyDeletesNothing() throws Exception {
      reopenWith(small());
      log.append(started("open", "k/open", at(0)));
      log.append(copy("open", "primary", CopyStatus.VERIFIED, at(1)));
      appendVerified("a", 40);
      TransactionRecord before = log.read("open").orElseThrow();
      AzureBlobTransactionLog copyingLog = reopenWith(copying());
      List<String> segmentsBefore = segmentBlobs();
      assertThat(segmentsBefore.size()).isGreaterThan(1);
      azurite.stop();
      try {
        assertThatThrownBy(copyingLog::checkpoint).isInstanceOf(TransactionLogUnavailableException.class)
            .hasMessageContaining("transient");
        assertThat(copyingLog.segmentNames()).isEqualTo(segmentsBefore);
      } finally {
        azurite.start();
      }
      assertThat(segmentBlobs()).isEqualTo(segmentsBefore);
      // The shared log's rule: after a failed write it refuses appends until reopened.
      assertThatThrownBy(() -> copyingLog.append(copy("open", "secondary", CopyStatus.FAILED, at(2))))
          .isInstanceOf(TransactionLogUnavailableException.class);
      reopenWith(copying()).checkpoint();
      assertThat(segmentBlobs()).containsExactly(segmentsBefore.get(segmentsBefore.size() - 1));
      log.append(copy("open", "secondary", CopyStatus.FAILED, at(2)));
      TransactionRecord after = log.read("open").orElseThrow();
      assertThat(after.copy("primary")).isEqualTo(before.copy("primary"));
      reopenWith(small());
      assertThat(log.read("open")).hasValue(after);
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");
    }

    @Test
    @DisplayName("segments stay bounded under concurrent overlapping pushes, with transactions open throughout and one "
        + "dead-lettered, and a crash or a reopen finds each in its state")
    void boundedUnderConcurrentLoad() throws Exception {
      String open1 = begin("open1", "bounded/open1.csv", at(0));
      log.append(copy(open1, "primary", CopyStatus.VERIFIED, at(1)));
      String open2 = begin("open2", "bounded/open2.csv", at(0));
      log.append(copy(open2, "primary", CopyStatus.VERIFIED, at(1)));
      log.append(copy(open2, "secondary", CopyStatus.FAILED, at(2)));
      String dead = begin("dead", "bounded/dead.csv", at(0));
      log.append(copy(dead, "primary", CopyStatus.VERIFIED, at(1)));
      log.append(copy(dead, "secondary", CopyStatus.FAILED, at(2)));
      log.append(new LogEntry.RepairAttempted(dead, at(3), 3));
      log.append(new LogEntry.DeadLettered(dead, at(4), "gave up"));
      Map<String, TransactionRecord> unfinished = new LinkedHashMap<>();
      for (String id : List.of(open1, open2, dead)) {
        unfinished.put(id, log.read(id).orElseThrow());
      }

      AzureBlobTransactionLog azure = (AzureBlobTransactionLog) log;
      Set<String> verified = ConcurrentHashMap.newKeySet();
      Set<String> superseded = ConcurrentHashMap.newKeySet();
      List<Integer> samples = new CopyOnWriteArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (running.get()) {
          samples.add(azure.segmentNames().size());
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "segment-sampler");
      sampler.start();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          done.add(pool.submit(() -> pushOverlapping(thread, verified, superseded)));
        }
        for (Future<?> f : done) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        running.set(false);
        pool.shutdownNow();
        sampler.join();
      }
      log.checkpoint();
      samples.add(azure.segmentNames().size());
      int max = samples.stream().mapToInt(Integer::intValue).max().orElseThrow();
      System.out.printf("boundedUnderConcurrentLoad: %d segment samples, max %d, last %d, created %s%n", samples.size(),
          max, samples.get(samples.size() - 1), azure.segmentNames().get(azure.segmentNames().size() - 1));
      // 2 retained + 2 pinned before copying forward + the active one, and one of slack.
      assertThat(max).as("most segments seen in %d samples", samples.size()).isLessThanOrEqualTo(2 + 2 + 2);

      log = crashAndReopen(log);
      assertSurvivors(unfinished, verified, superseded);
      restart();
      assertSurvivors(unfinished, verified, superseded);
    }

    /**
     * One thread's pushes, three in flight at a time: step i starts transaction i and marks both its
     * copies in progress, verifies the primary of i-1 and the secondary of i-2. Every 25th step also
     * starts a push that a later one of the same key supersedes before it finishes.
     */
    private Void pushOverlapping(int t, Set<String> verified, Set<String> superseded) {
      String[] ids = new String[STEPS];
      for (int i = 0; i < STEPS + 2; i++) {
        if (i < STEPS) {
          String id = "c" + t + "-" + i;
          ids[i] = id;
          if (i % 25 == 0 && i + 3 < STEPS) {
            String gone = "s" + t + "-" + i;
            log.append(started(gone, "bounded/" + t + "/" + (i + 3) + ".csv", at(i)));
            log.append(copy(gone, "primary", CopyStatus.FAILED, at(i)));
            superseded.add(gone);
          }
          log.append(started(id, "bounded/" + t + "/" + i + ".csv", at(i)));
          log.append(copy(id, "primary", CopyStatus.IN_PROGRESS, at(i)));
          log.append(copy(id, "secondary", CopyStatus.IN_PROGRESS, at(i)));
        }
        if (i >= 1 && i - 1 < STEPS) {
          log.append(copy(ids[i - 1], "primary", CopyStatus.VERIFIED, at(i)));
        }
        if (i >= 2) {
          log.append(copy(ids[i - 2], "secondary", CopyStatus.VERIFIED, at(i)));
          verified.add(ids[i - 2]);
        }
      }
      return null;
    }

    private void assertSurvivors(Map<String, TransactionRecord> unfinished, Set<String> verified,
        Set<String> superseded) {
      List<String> ids = new ArrayList<>(unfinished.keySet());
      assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly(ids.get(0), ids.get(1));
      unfinished.forEach((id, r) -> assertThat(log.read(id)).as("transaction %s", id).hasValue(r));
      for (String id : verified) {
        log.read(id).ifPresent(r -> assertThat(r.state()).as("transaction %s", id).isEqualTo(TransactionState.VERIFIED));
      }
      for (String id : superseded) {
        log.read(id).ifPresent(r -> assertThat(r.state()).as("transaction %s", id).isEqualTo(TransactionState.SUPERSEDED));
      }
    }
  }
}
