package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.AzuriteExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A log written by the release before the shared segmented log (committed under
 * {@code src/test/resources/logs/v1-azure}, with the program that wrote it: append blobs and their
 * metadata, a torn tail marked by that writer included) must open and replay into the same states
 * in this one: existing logs in containers have to keep working.
 */
@DisplayName("An Azure log written by the previous release (format version 1)")
class AzureLogFormatV1IT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("v1");

  private static final String RESOURCE = "/logs/v1-azure/";
  private static final List<String> SEGMENTS = List.of("segment-00000000000000000001.log",
      "segment-00000000000000000002.log", "segment-00000000000000000003.log", "segment-00000000000000000004.log",
      "segment-00000000000000000005.log");
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");

  private static BlobContainerClient container;
  private String prefix;

  @BeforeAll
  static void connect() {
    container = AzuriteClients.freshContainer(AzuriteClients.service(azurite));
  }

  @AfterAll
  static void dropContainer() {
    container.deleteIfExists();
  }

  /** Uploads the fixture under a fresh prefix, each blob an append blob with its metadata. */
  @BeforeEach
  void uploadFixture() throws IOException {
    prefix = "v1/" + UUID.randomUUID();
    Properties metadata = new Properties();
    try (InputStream in = AzureLogFormatV1IT.class.getResourceAsStream(RESOURCE + "metadata.properties")) {
      assertThat(in).as("test resource metadata.properties").isNotNull();
      metadata.load(in);
    }
    for (String name : SEGMENTS) {
      byte[] content;
      try (InputStream in = AzureLogFormatV1IT.class.getResourceAsStream(RESOURCE + name)) {
        assertThat(in).as("test resource %s", name).isNotNull();
        content = in.readAllBytes();
      }
      AppendBlobClient blob = container.getBlobClient(prefix + "/" + name).getAppendBlobClient();
      blob.create();
      blob.appendBlock(new ByteArrayInputStream(content), content.length);
      Map<String, String> meta = new LinkedHashMap<>();
      metadata.stringPropertyNames().stream().filter(k -> k.startsWith(name + "."))
          .forEach(k -> meta.put(k.substring(name.length() + 1), metadata.getProperty(k)));
      if (!meta.isEmpty()) {
        blob.setMetadata(meta);
      }
    }
  }

  /** Name, size and ETag of every blob under the prefix. */
  private Map<String, String> blobs() {
    Map<String, String> out = new LinkedHashMap<>();
    for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/"), null)) {
      out.put(item.getName(), item.getProperties().getContentLength() + " " + item.getProperties().getETag());
    }
    return out;
  }

  private static List<String> statuses(TransactionRecord r) {
    return r.copies().stream().map(c -> c.destinationId() + ":" + c.status() + (c.mismatch() ? "!" : "")).toList();
  }

  private static void assertAsWritten(AzureBlobTransactionLog log) {
    assertThat(log.openWarnings()).isEmpty(); // the old writer marked the torn tail already
    for (int i = 0; i < 30; i++) {
      TransactionRecord filler = log.read("filler-" + i).orElseThrow();
      assertThat(filler.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(filler.copy("primary").map(CopyRecord::md5)).hasValue("1B2M2Y8AsgTpgAmY7PhCfg==");
      assertThat(filler.start().metadata()).containsEntry("owner", "team");
      assertThat(filler.createdAt()).isEqualTo(T0.plusSeconds(i));
    }
    TransactionRecord open = log.read("open-1").orElseThrow();
    assertThat(open.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
    assertThat(statuses(open)).containsExactly("primary:VERIFIED", "dr:FAILED");
    assertThat(open.copy("dr").map(CopyRecord::error)).hasValue("timeout");

    TransactionRecord dead = log.read("dead-1").orElseThrow();
    assertThat(dead.state()).isEqualTo(TransactionState.DEAD_LETTERED);
    assertThat(statuses(dead)).containsExactly("primary:PENDING", "dr:FAILED!");
    assertThat(dead.repairRounds()).isEqualTo(3);
    assertThat(dead.deadLetterReason()).hasValue("gave up after 3 rounds");

    TransactionRecord retried = log.read("retried-1").orElseThrow();
    assertThat(retried.state()).isEqualTo(TransactionState.IN_PROGRESS);
    assertThat(retried.deadLetterReason()).isEqualTo(Optional.empty());

    assertThat(log.read("old-1").orElseThrow().state()).isEqualTo(TransactionState.SUPERSEDED);
    assertThat(log.latest("k/same.csv").map(TransactionRecord::transactionId)).hasValue("new-1");
    assertThat(log.read("torn-1")).as("the record the torn tail cut, beyond the marked valid length").isEmpty();
    assertThat(log.open()).extracting(TransactionRecord::transactionId)
        .containsExactly("open-1", "retried-1", "new-1", "pending-1");
    assertThat(log.recent(3)).extracting(TransactionRecord::transactionId).containsExactly("pending-1", "new-1", "old-1");
  }

  @Nested
  @DisplayName("opens and replays into the states it was written with")
  class Replays {
    @Test
    @DisplayName("for a writer, which then appends after it")
    void writer() {
      try (AzureBlobTransactionLog log = AzureBlobTransactionLog.builder(container, prefix).segmentSize(4096).open()) {
        assertThat(log.segmentNames()).startsWith(SEGMENTS.stream().map(n -> prefix + "/" + n).toArray(String[]::new));
        assertAsWritten(log);
        log.append(new LogEntry.CopyUpdated("pending-1", T0.plusSeconds(200), "primary", CopyStatus.COMPLETED, "", "",
            false));
      }
      try (AzureBlobTransactionLog log = AzureBlobTransactionLog.openReadOnly(container, prefix)) {
        assertThat(log.read("pending-1").flatMap(r -> r.copy("primary")).map(CopyRecord::status))
            .hasValue(CopyStatus.COMPLETED);
        assertThat(log.read("torn-1")).isEmpty();
      }
    }

    @Test
    @DisplayName("for a read-only open, which changes no blob")
    void readOnly() {
      Map<String, String> before = blobs();
      try (AzureBlobTransactionLog log = AzureBlobTransactionLog.openReadOnly(container, prefix)) {
        assertAsWritten(log);
      }
      assertThat(blobs()).isEqualTo(before);
    }
  }
}
