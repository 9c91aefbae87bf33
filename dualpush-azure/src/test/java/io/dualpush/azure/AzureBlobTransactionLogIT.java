package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.TransactionState;
import io.dualpush.spi.TransactionLog;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.TransactionLogContract;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
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
          .isInstanceOf(DualPushException.class)
          .hasMessageContaining(container.getBlobContainerName())
          .hasMessageContaining(prefix)
          .hasMessageContaining("already open");
      log.close();
      log = builder().open();
      assertThat(log.open()).hasSize(1);
    }

    @Test
    @DisplayName("a writer whose log was taken over cannot append behind the new writer's back")
    void takenOverWriterIsFenced() {
      String id = begin("t", "one/fenced.csv", at(0));
      AzureBlobTransactionLog old = (AzureBlobTransactionLog) log;
      AzureBlobTransactionLog fresh = builder().takeOver(true).open();
      try {
        fresh.append(copy(id, "primary", CopyStatus.VERIFIED, at(1)));
        assertThatThrownBy(() -> old.append(copy(id, "secondary", CopyStatus.VERIFIED, at(2))))
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining("another writer");
        assertThatThrownBy(() -> old.append(copy(id, "secondary", CopyStatus.VERIFIED, at(2))))
            .isInstanceOf(DualPushException.class);
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
          .isInstanceOf(DualPushException.class)
          .hasMessageContaining(segment)
          .hasMessageContaining("offset 0")
          .hasMessageContaining("checksum");
    }

    @Test
    @DisplayName("a torn tail stays dropped after the log moved on to a new segment")
    void tornTailSealed() {
      String kept = begin("kept", "damage/kept.csv", at(0));
      begin("torn", "damage/torn.csv", at(1));
      List<String> names = ((AzureBlobTransactionLog) log).segmentNames();
      log.close();
      log = null;
      rewrite(names.get(names.size() - 1), content -> Arrays.copyOf(content, content.length - 5));
      log = builder().open();
      assertThat(((AzureBlobTransactionLog) log).segmentNames()).hasSize(names.size() + 1);
      String after = begin("after", "damage/after.csv", at(2));
      restart();
      assertThat(log.read(kept)).isPresent();
      assertThat(log.read(after)).isPresent();
      assertThat(container.getBlobClient(names.get(names.size() - 1)).getProperties().getMetadata())
          .containsKey(AzureBlobTransactionLog.VALID_LENGTH);
    }
  }
}
