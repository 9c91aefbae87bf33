package io.dualpush.azure;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.dualpush.testkit.AzuriteExtension;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/** Clients for tests against Azurite: short retries, so an outage shows within seconds. */
final class AzuriteClients {
  private AzuriteClients() {}

  static RequestRetryOptions quickRetries() {
    return new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, Duration.ofSeconds(60),
        Duration.ofMillis(100), Duration.ofSeconds(1), null);
  }

  static BlobServiceClient service(AzuriteExtension azurite) {
    return new BlobServiceClientBuilder()
        .connectionString(azurite.connectionString())
        .retryOptions(quickRetries())
        .buildClient();
  }

  static String freshContainerName() {
    return "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 20);
  }

  /** A new, empty container. */
  static BlobContainerClient freshContainer(BlobServiceClient service) {
    return service.createBlobContainer(freshContainerName());
  }
}
