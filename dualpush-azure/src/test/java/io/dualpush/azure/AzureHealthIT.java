package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.HealthComponent;
import io.dualpush.HealthSnapshot;
import io.dualpush.HealthSnapshot.Status;
import io.dualpush.spi.LogStats;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.InMemoryDestination;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The health snapshot of a client with an Azure Blob destination and an Azure log, against a real Azurite. */
@DisplayName("Health snapshot with Azure Blob Storage on Azurite")
class AzureHealthIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("health");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static BlobServiceClient service;

  @BeforeAll
  static void connect() {
    service = AzuriteClients.service(azurite);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  @DisplayName("an Azure destination is UP while Azurite runs and DOWN once it is stopped, the client DOWN with it; "
      + "no account key in the snapshot")
  void azuriteStopped() {
    BlobContainerClient container = AzuriteClients.freshContainer(service);
    try (DualPushClient client = new DualPushClientBuilder()
        .destination("primary", new InMemoryDestination("primary"))
        .destination(DestinationOptions.builder("azure").region("westeurope").timeout(Duration.ofSeconds(10)).build(),
            new AzureBlobDestination(container))
        .transactionLog(new io.dualpush.testkit.InMemoryTransactionLog()).buildClient()) {
      client.push("gold/a.csv", new byte[] {1, 2, 3});

      HealthSnapshot up = client.healthSnapshot(WAIT);
      HealthComponent azure = up.component("destination:azure").orElseThrow();
      assertThat(azure.status()).as(azure.detail()).isEqualTo(Status.UP);
      assertThat(azure.details()).containsKey("lastSuccess");
      assertThat(up.overall()).isEqualTo(Status.UP);

      azurite.stop();

      HealthSnapshot down = client.healthSnapshot(WAIT);
      HealthComponent gone = down.component("destination:azure").orElseThrow();
      assertThat(gone.status()).isEqualTo(Status.DOWN);
      assertThat(map(gone.details().get("probe"))).containsEntry("healthy", false);
      assertThat(gone.detail()).startsWith("Probe failed: ");
      assertThat(down.component("destination:primary").orElseThrow().status()).isEqualTo(Status.UP);
      assertThat(down.overall()).as("a required destination is down").isEqualTo(Status.DOWN);
      String rendered = down.toMap().toString() + up.toMap();
      assertThat(rendered).doesNotContain(azurite.accountKey()).doesNotContain("AccountKey=")
          .doesNotContain(azurite.accountKey().substring(0, 20)).doesNotContain("sig=");
    }
  }

  @Test
  @DisplayName("the Azure transaction log reports itself writable, with its segments and size")
  void azureLogStats() {
    BlobContainerClient container = AzuriteClients.freshContainer(service);
    try (AzureBlobTransactionLog log = AzureBlobTransactionLog.open(container, "log/");
        DualPushClient client = new DualPushClientBuilder().destination("primary", new InMemoryDestination("primary"))
            .transactionLog(log).buildClient()) {
      client.push("gold/a.csv", new byte[] {1, 2, 3});

      LogStats stats = log.stats().orElseThrow();
      assertThat(stats.writable()).isTrue();
      assertThat(stats.segments()).isEqualTo(1);
      long stored = container.listBlobs().stream().filter(b -> b.getName().startsWith("log/"))
          .filter(b -> !b.getName().contains("lease") && !b.getName().endsWith("/"))
          .mapToLong(b -> b.getProperties().getContentLength()).sum();
      assertThat(stats.sizeBytes()).isPositive().isLessThanOrEqualTo(stored);
      HealthComponent c = client.healthSnapshot(WAIT).component("transactionLog").orElseThrow();
      assertThat(c.status()).isEqualTo(Status.UP);
      assertThat(c.details()).containsEntry("writable", true).containsEntry("sizeBytes", stats.sizeBytes())
          .containsEntry("type", "AzureBlobTransactionLog");
    }
  }
}
