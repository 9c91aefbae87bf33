package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.AppendBlobClient;
import io.dualpush.CopyStatus;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.AzuriteExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A log written by the v1 {@code AzureBlobTransactionLog} (its segment blobs' bytes committed under
 * {@code src/test/resources/legacy-log/v1/azure/}; {@link LegacyLogV1} says what it holds), uploaded
 * as append blobs under a fresh prefix on Azurite, opens and replays exactly, record by record, in
 * this build, and takes further appends and compaction. Must keep passing for as long as v1 logs
 * may exist: a failure here means users' existing logs would no longer open, or would open wrong.
 */
@DisplayName("A v1 Azure log, committed as bytes and uploaded to Azurite,")
class LegacyAzureLogIT {
  /** The segment blobs the v1 generator left, by name under the log's prefix (the oldest were compacted away). */
  static final List<String> SEGMENTS = List.of("segment-00000000000000000005.log",
      "segment-00000000000000000006.log", "segment-00000000000000000007.log");
  /** The first filler still in the committed segments; older ones went with compacted segments. */
  static final int FIRST_KEPT_FILLER = 42;
  /** Fillers 1 to this were written. */
  static final int LAST_FILLER = 53;

  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("legacy-log");

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

  @BeforeEach
  void uploadLegacySegments() throws IOException, URISyntaxException {
    prefix = "legacy/" + UUID.randomUUID();
    URL resource = LegacyAzureLogIT.class.getResource("/legacy-log/v1/azure");
    assertThat(resource).as("the committed v1 Azure log").isNotNull();
    try (Stream<Path> files = Files.list(Path.of(resource.toURI()))) {
      for (Path f : files.toList()) {
        byte[] bytes = Files.readAllBytes(f);
        AppendBlobClient blob = container.getBlobClient(prefix + "/" + f.getFileName()).getAppendBlobClient();
        blob.create();
        if (bytes.length > 0) {
          // Segments of the generator are 4 KiB, well under one append block's 4 MiB.
          blob.appendBlock(new ByteArrayInputStream(bytes), bytes.length);
        }
      }
    }
  }

  private AzureBlobTransactionLog.Builder builder() {
    return AzureBlobTransactionLog.builder(container, prefix);
  }

  private List<String> segmentBlobs() {
    return container.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/segment-"), null).stream()
        .map(BlobItem::getName).map(n -> n.substring(prefix.length() + 1)).sorted().toList();
  }

  @Nested
  @DisplayName("opened as it was written")
  class Opened {
    @Test
    @DisplayName("is the log described: several segments, the oldest ones compacted away")
    void fixtureIsWhatItSays() {
      assertThat(segmentBlobs()).containsExactlyElementsOf(SEGMENTS);
      assertThat(SEGMENTS).hasSizeGreaterThanOrEqualTo(3).doesNotContain("segment-00000000000000000001.log");
      assertThat(FIRST_KEPT_FILLER).isGreaterThan(1);
    }

    @Test
    @DisplayName("replays every record exactly in a writer's open, with nothing to work around")
    void writerOpen() {
      try (AzureBlobTransactionLog log = builder().open()) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContent(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("replays every record exactly in a read-only open")
    void readOnlyOpen() {
      try (AzureBlobTransactionLog log = builder().openReadOnly()) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContent(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("rebuilds the transactions whose starts only copies and a restate still hold")
    void compactedTransactions() {
      try (AzureBlobTransactionLog log = builder().open()) {
        assertThat(log.read(LegacyLogV1.PARTIAL).orElseThrow().repairRounds()).isEqualTo(3);
        TransactionRecord reopened = log.read(LegacyLogV1.REOPENED).orElseThrow();
        assertThat(reopened.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
        assertThat(reopened.copy("dr").orElseThrow().mismatch()).isTrue();
        assertThat(log.read(LegacyLogV1.DEAD).orElseThrow().deadLetterReason()).hasValue("gave up after 1 repair round");
      }
    }
  }

  @Nested
  @DisplayName("appended to")
  class AppendedTo {
    @Test
    @DisplayName("takes records of legacy and new transactions, which survive a reopen, the rest unchanged")
    void appendAndReopen() {
      try (AzureBlobTransactionLog log = builder().open()) {
        LegacyLogV1.appendMore(log::append);
        LegacyLogV1.assertContentAfterMore(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
      try (AzureBlobTransactionLog log = builder().open()) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertContentAfterMore(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }

    @Test
    @DisplayName("keeps every unfinished transaction exactly through a compaction of its legacy segments")
    void compactionKeepsUnfinished() {
      // Nothing retained, copy forward at once: every legacy segment but the last goes.
      try (AzureBlobTransactionLog log = builder().retainSegments(0).compactAfterSegments(0).open()) {
        log.checkpoint();
        assertThat(segmentBlobs()).containsExactly(SEGMENTS.get(SEGMENTS.size() - 1));
        LegacyLogV1.assertUnfinishedKept(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
      try (AzureBlobTransactionLog log = builder().open()) {
        assertThat(log.openWarnings()).isEmpty();
        LegacyLogV1.assertUnfinishedKept(log, FIRST_KEPT_FILLER, LAST_FILLER);
      }
    }
  }
}
