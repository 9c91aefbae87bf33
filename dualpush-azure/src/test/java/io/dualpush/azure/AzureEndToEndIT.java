package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.GeneratedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * dualpush end to end over two Azurite instances standing for two regions: pushes verified on
 * both, an outage of one region, repair after it, and corruption behind dualpush's back found by a
 * deep verify and repaired.
 */
@DisplayName("dualpush over two Azure regions (Azurite)")
class AzureEndToEndIT {
  @RegisterExtension static AzuriteExtension east = new AzuriteExtension("eastus2");
  @RegisterExtension static AzuriteExtension west = new AzuriteExtension("westus2");

  private static final long BIG = 256L * 1024 * 1024;

  @TempDir Path logDir;
  private BlobContainerClient eastContainer;
  private BlobContainerClient westContainer;
  private DualPushClient client;

  @BeforeEach
  void setUp() {
    BlobServiceClient eastService = AzuriteClients.service(east);
    BlobServiceClient westService = AzuriteClients.service(west);
    String name = AzuriteClients.freshContainerName();
    eastContainer = eastService.createBlobContainer(name);
    westContainer = westService.createBlobContainer(name);
    client = newClient();
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      client.close();
    }
  }

  private DualPushClient newClient() {
    return new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").region("eastus2").timeout(Duration.ofMinutes(3)).build(),
            new AzureBlobDestination(eastContainer))
        .destination(DestinationOptions.builder("secondary").region("westus2").timeout(Duration.ofMinutes(3)).build(),
            new AzureBlobDestination(westContainer))
        .transactionLog(logDir)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofMillis(500)).build())
        .circuitBreaker(CircuitBreakerOptions.disabled())
        // Repairs run when the test asks for them, so what each step sees is deterministic.
        .repair(RepairOptions.builder().enabled(false).build())
        .buildClient();
  }

  private static byte[] small(int i) {
    return ("dashboard tile " + i + " " + "x".repeat(i * 97)).getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<String> contentMd5(BlobContainerClient container, String key) {
    byte[] md5 = container.getBlobClient(key).getProperties().getContentMd5();
    return Optional.ofNullable(md5).map(m -> Base64.getEncoder().encodeToString(m));
  }

  private static String digestOfBlob(BlobContainerClient container, String key) throws IOException {
    try (InputStream in = container.getBlobClient(key).openInputStream()) {
      return Md5.of(in).base64();
    }
  }

  private void assertVerifiedOnBoth(PushReceipt receipt) throws IOException {
    assertThat(receipt.state()).as("%s: %s", receipt.key(), receipt.describeCopies()).isEqualTo(TransactionState.VERIFIED);
    for (BlobContainerClient c : List.of(eastContainer, westContainer)) {
      assertThat(contentMd5(c, receipt.key())).as("Content-MD5 of %s in %s", receipt.key(), c.getAccountUrl())
          .hasValue(receipt.md5());
    }
  }

  @Test
  @DisplayName("small objects and a 256 MiB object are verified in both regions; an outage leaves pushes partial and repairAll completes them")
  void pushOutageRepair() throws Exception {
    List<PushReceipt> pushed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      byte[] bytes = small(i);
      PushReceipt r = client.push(PushRequest.builder("tiles/tile-" + i + ".json", PushContent.ofBytes(bytes))
          .datasetId("gold-dashboard").contentType("application/json").build());
      assertThat(r.md5()).isEqualTo(Md5.of(bytes));
      assertVerifiedOnBoth(r);
      pushed.add(r);
    }

    String bigMd5;
    try (InputStream in = new GeneratedInputStream(BIG, 2026)) {
      bigMd5 = Md5.of(in).base64();
    }
    long start = System.nanoTime();
    PushReceipt big = client.push(PushRequest.builder("gold/facts.parquet",
        PushContent.ofStream(() -> new GeneratedInputStream(BIG, 2026))).datasetId("gold-dashboard").build());
    System.out.printf("256 MiB pushed to two Azurite regions in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    assertThat(big.size()).isEqualTo(BIG);
    assertThat(big.md5()).isEqualTo(bigMd5);
    assertVerifiedOnBoth(big);
    assertThat(eastContainer.getBlobClient("gold/facts.parquet").getProperties().getBlobSize()).isEqualTo(BIG);
    pushed.add(big);

    // The secondary region goes down mid-run.
    west.stop();
    List<String> partial = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      byte[] bytes = small(100 + i);
      PushFailedException failed = catchThrowableOfType(PushFailedException.class,
          () -> client.push(PushRequest.of("outage/obj-" + partial.size() + ".json", bytes)));
      PushReceipt receipt = failed.receipt();
      assertThat(receipt.state()).as(receipt.describeCopies()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
      assertThat(receipt.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(receipt.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
      assertThat(failed.getMessage()).doesNotContain(west.accountKey());
      partial.add(receipt.transactionId());
    }
    // Nothing lost: the log has every transaction, the partial ones still open.
    for (PushReceipt r : pushed) {
      assertThat(client.receipt(r.transactionId())).hasValueSatisfying(x -> assertThat(x.isVerified()).isTrue());
    }
    for (String id : partial) {
      assertThat(client.receipt(id)).hasValueSatisfying(x -> assertThat(x.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED));
    }
    assertThat(client.health().get("secondary").healthy()).isFalse();

    // The region comes back; repairAll completes every partial push.
    west.start();
    List<PushReceipt> repaired = client.repairAll();
    assertThat(repaired).extracting(PushReceipt::transactionId).containsAll(partial);
    for (String id : partial) {
      assertVerifiedOnBoth(client.receipt(id).orElseThrow());
    }

    // A new client over the same log finds every push verified.
    client.close();
    client = newClient();
    for (PushReceipt r : pushed) {
      assertThat(client.receipt(r.transactionId()).orElseThrow().isVerified()).isTrue();
    }
    for (String id : partial) {
      assertThat(client.receipt(id).orElseThrow().isVerified()).isTrue();
    }
    assertThat(digestOfBlob(westContainer, "gold/facts.parquet")).isEqualTo(bigMd5);
  }

  @Test
  @DisplayName("a blob overwritten behind dualpush's back, keeping its Content-MD5, is found by a deep verify and repaired")
  void corruptionKeepingMd5() throws Exception {
    byte[] original = small(7);
    PushReceipt r = client.push("reports/q3.csv", original);
    assertVerifiedOnBoth(r);

    // Other bytes, but the blob still claims the original MD5: only reading the bytes can tell.
    byte[] corrupt = "corrupted behind dualpush's back".getBytes(StandardCharsets.UTF_8);
    // (The service checks a Content-MD5 sent with the bytes, so the claim is set afterwards, as a
    // careless tool copying properties over would.)
    BlockBlobClient tampered = westContainer.getBlobClient("reports/q3.csv").getBlockBlobClient();
    tampered.uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(corrupt)), null, null);
    tampered.setHttpHeaders(new BlobHttpHeaders().setContentType("text/csv")
        .setContentMd5(Base64.getDecoder().decode(r.md5())));
    assertThat(contentMd5(westContainer, "reports/q3.csv")).hasValue(r.md5());

    assertThat(client.verify(r.transactionId(), VerifyMode.HASH).isVerified())
        .as("the reported digest still matches, so a cheap verify cannot see it").isTrue();
    PushReceipt deep = client.verify(r.transactionId(), VerifyMode.DEEP);
    assertThat(deep.isVerified()).isFalse();
    assertThat(deep.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
    assertThat(deep.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);

    PushReceipt fixed = client.retryFailed(r.transactionId());
    assertVerifiedOnBoth(fixed);
    assertThat(digestOfBlob(westContainer, "reports/q3.csv")).isEqualTo(Md5.of(original));
    assertThat(client.verify(r.transactionId(), VerifyMode.DEEP).isVerified()).isTrue();
  }

  @Test
  @DisplayName("a blob overwritten behind dualpush's back without a Content-MD5 is found by a deep verify and repaired")
  void corruptionDroppingMd5() throws Exception {
    byte[] original = small(9);
    PushReceipt r = client.push("reports/q4.csv", original);
    assertVerifiedOnBoth(r);

    // A block commit without a whole-blob MD5: the service stores none.
    BlockBlobClient blob = eastContainer.getBlobClient("reports/q4.csv").getBlockBlobClient();
    String blockId = Base64.getEncoder().encodeToString("block-0".getBytes(StandardCharsets.UTF_8));
    blob.stageBlock(blockId, BinaryData.fromString("tampered"));
    blob.commitBlockListWithResponse(new BlockBlobCommitBlockListOptions(List.of(blockId)), null, null);
    assertThat(contentMd5(eastContainer, "reports/q4.csv")).isEmpty();

    PushReceipt deep = client.verify(r.transactionId(), VerifyMode.DEEP);
    assertThat(deep.isVerified()).isFalse();
    assertThat(deep.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);

    PushReceipt fixed = client.retryFailed(r.transactionId());
    assertVerifiedOnBoth(fixed);
    assertThat(digestOfBlob(eastContainer, "reports/q4.csv")).isEqualTo(Md5.of(original));
  }
}
