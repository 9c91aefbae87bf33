package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.DedupeStateLostException;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionState;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.spi.Lease;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.netty.util.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both adapters on one class path, as a user of the two modules has them: Lettuce's Netty 4.2 and the
 * Azure SDK's JDK HTTP client, against real Azurite and a real redis-server.
 */
@DisplayName("dualpush-redis and dualpush-azure together")
class BothAdaptersIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("both-adapters");
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("both-adapters"));

  @Test
  @DisplayName("a push to Azurite deduplicated by Redis, under a Redis lease, is verified once, answered as a duplicate after, and refused when Redis lost its data")
  void pushWithRedisDedupe(@TempDir Path logDir) {
    String name = "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 20);
    BlobContainerClient container = new BlobServiceClientBuilder().connectionString(azurite.connectionString())
        .buildClient().createBlobContainer(name);
    try (TestRedis redis = TestRedis.connect(server);
        RedisDedupeStore dedupe = redis.dedupe().build();
        RedisLeaseStore leases = redis.leases().build()) {
      Lease lease = leases.acquire("active_dc", "eastus2", Duration.ofSeconds(30)).orElseThrow();
      try (DualPushClient client = new DualPushClientBuilder()
          .destination("azure", new AzureBlobDestination(container))
          .transactionLog(logDir)
          .dedupeStore(dedupe)
          .buildClient()) {
        byte[] bytes = "one tile".getBytes(StandardCharsets.UTF_8);
        PushRequest request = PushRequest.builder("tiles/1.json", PushContent.ofBytes(bytes)).messageId("msg-" + name).build();
        PushReceipt first = client.push(request);
        PushReceipt again = client.push(request);

        assertThat(first.state()).isEqualTo(TransactionState.VERIFIED);
        assertThat(again.transactionId()).isEqualTo(first.transactionId());
        assertThat(container.getBlobClient("tiles/1.json").exists()).isTrue();

        // Redis forgets everything: the re-delivered message is refused, not pushed a second time.
        try (var raw = java.util.Objects.requireNonNull(redis.client()).connect()) {
          raw.sync().flushall();
        }
        assertThatThrownBy(() -> client.push(request)).isInstanceOf(DedupeStateLostException.class)
            .hasMessageContaining("acknowledgeStateLoss()");
        dedupe.acknowledgeStateLoss();
        assertThat(client.push(request).transactionId()).as("forgotten, so pushed again once acknowledged")
            .isNotEqualTo(first.transactionId());
      }
      assertThat(leases.release(lease)).as("the FLUSHALL took the lease too").isFalse();
      assertThat(Version.identify()).allSatisfy((artifact, version) ->
          assertThat(version.artifactVersion()).as(artifact).startsWith("4.2."));
    }
  }
}
