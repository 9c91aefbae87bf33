package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionState;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.log.SegmentedTransactionLog;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.Md5;
import io.dualpush.spi.WriteRequest;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.SimulatedDiskSegmentStore;
import io.dualpush.testkit.SimulatedDiskSegmentStore.CutMode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine appends copy outcomes and repair rounds as buffered appends: a push costs the sync of
 * its durable {@code Started} record only, and after a power cut that took the VERIFIED records of
 * written copies (no payload retained any more), repair verifies the copies in place instead of
 * dead-lettering the push for want of a source (G2).
 */
@DisplayName("Progress records as buffered appends")
class BufferedProgressTest {
  /** Long enough that no timed sync of buffered appends happens during a test. */
  private static final Duration NO_TIMED_SYNC = Duration.ofHours(1);

  private final InMemoryDestination primary = new InMemoryDestination("primary");
  private final InMemoryDestination secondary = new InMemoryDestination("secondary");
  private DualPushClient client;

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
  }

  private DualPushClient client(TransactionLog log, boolean repair) {
    RepairOptions options = repair
        ? RepairOptions.builder().maxRetries(3).initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50))
            .scanInterval(Duration.ofMillis(5)).build()
        : RepairOptions.builder().enabled(false).build();
    client = new DualPushClientBuilder().destination("primary", primary).destination("secondary", secondary)
        .transactionLog(log).repair(options).buildClient();
    return client;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("N sequential pushes to two destinations over the file log cost N fsyncs (plus a constant), not 3N")
  void oneSyncPerPush(@TempDir Path dir) {
    int pushes = 40;
    try (FileTransactionLog log = FileTransactionLog.builder(dir).bufferedSyncInterval(NO_TIMED_SYNC).open()) {
      client(log, false);
      client.push("warm/up.csv", bytes("warm up"));
      long before = log.syncCount();
      for (int i = 0; i < pushes; i++) {
        PushReceipt r = client.push("sync/" + i + ".csv", bytes("object " + i));
        assertThat(r.state()).isEqualTo(TransactionState.VERIFIED);
      }
      assertThat(log.syncCount() - before).as("fsyncs for %d pushes", pushes).isBetween((long) pushes,
          (long) pushes + 2);
      client.close();
      client = null;
    }
  }

  @Nested
  @DisplayName("after a power cut took the VERIFIED records of a push acknowledged to two destinations")
  class AfterPowerCut {
    private final SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
    private final String key = "g2/power-cut.csv";
    private final byte[] content = bytes("acknowledged, then the power went");
    private SegmentedTransactionLog reopened;
    private String id;

    /** Pushes once, cuts the power (dropping every unsynced byte) and opens the log again, without the payload. */
    private SegmentedTransactionLog pushAndCut() {
      SegmentedTransactionLog log = SegmentedTransactionLog.builder(disk).bufferedSyncInterval(NO_TIMED_SYNC).open();
      client(log, false);
      PushReceipt receipt = client.push(key, content);
      assertThat(receipt.state()).isEqualTo(TransactionState.VERIFIED);
      id = receipt.transactionId();
      disk.powerCut(CutMode.DROP_UNSYNCED, new Random(7));
      client.close();
      client = null;
      try {
        log.close();
      } catch (RuntimeException e) {
        // the process died with the power
      }
      reopened = SegmentedTransactionLog.builder(disk.restart()).bufferedSyncInterval(NO_TIMED_SYNC).open();
      TransactionRecord after = reopened.read(id).orElseThrow();
      assertThat(after.copies()).as("the Started record survived, the VERIFIED ones did not")
          .extracting(CopyRecord::status).containsOnly(CopyStatus.PENDING);
      return reopened;
    }

    private TransactionRecord repaired() {
      client(reopened, true);
      await().atMost(Duration.ofSeconds(20)).until(() -> reopened.read(id).orElseThrow().state().isTerminal());
      return reopened.read(id).orElseThrow();
    }

    @AfterEach
    void closeLog() {
      if (client != null) {
        client.close();
        client = null;
      }
      if (reopened != null) {
        reopened.close();
      }
    }

    @Test
    @DisplayName("a new client's repair verifies both copies in place, writes nothing and dead-letters nothing")
    void bothVerifiedInPlace() {
      pushAndCut();
      long writes = primary.writeCount() + secondary.writeCount();

      TransactionRecord r = repaired();
      assertThat(r.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(r.copies()).extracting(CopyRecord::status).containsOnly(CopyStatus.VERIFIED);
      assertThat(primary.writeCount() + secondary.writeCount()).as("writes by the repair").isEqualTo(writes);
      assertThat(reopened.deadLettered()).isEmpty();
    }

    @Test
    @DisplayName("a copy missing at its destination is rewritten from the copy verified in place")
    void missingCopyRepairedFromTheOther() {
      pushAndCut();
      secondary.delete(key);

      TransactionRecord r = repaired();
      assertThat(r.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(secondary.bytes(key)).hasValue(content);
      assertThat(reopened.deadLettered()).isEmpty();
    }

    @Test
    @DisplayName("a copy that differs at its destination is rewritten from the copy verified in place")
    void wrongCopyRepairedFromTheOther() {
      pushAndCut();
      byte[] other = bytes("not what was pushed");
      primary.put(new WriteRequest(key, other.length, Md5.of(other), "text/plain", Map.of(), "another", "",
          OptionalLong.empty(), () -> new ByteArrayInputStream(other), true));

      TransactionRecord r = repaired();
      assertThat(r.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(primary.bytes(key)).hasValue(content);
    }

    @Test
    @DisplayName("with both copies missing there is still no source: each is FAILED for want of one")
    void bothMissingFailNoSource() {
      pushAndCut();
      primary.delete(key);
      secondary.delete(key);

      client(reopened, true);
      await().atMost(Duration.ofSeconds(20)).until(() -> reopened.read(id).orElseThrow().copies().stream()
          .allMatch(c -> c.status() == CopyStatus.FAILED && c.error().contains("no source left")));
      assertThat(reopened.read(id).orElseThrow().copies()).extracting(CopyRecord::status)
          .doesNotContain(CopyStatus.VERIFIED);
    }
  }
}
