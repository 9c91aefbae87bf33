package io.dualpush.azure;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import io.dualpush.spi.Destination;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.FencingDestinationContract;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole destination contract, fencing tier included, against a real Azurite; each test gets a
 * fresh container. Small blocks and a small single-shot threshold, so the contract's payloads
 * exercise both upload paths and many blocks in flight.
 */
@DisplayName("AzureBlobDestination against Azurite")
class AzureBlobDestinationIT extends FencingDestinationContract {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("contract");

  private static BlobServiceClient service;

  @BeforeAll
  static void connect() {
    service = AzuriteClients.service(azurite);
  }

  @Override
  protected Destination createDestination() {
    BlobContainerClient container = AzuriteClients.freshContainer(service);
    return new AzureBlobDestination(container, AzureBlobOptions.builder()
        .blockSize(1024 * 1024)
        .maxConcurrency(4)
        .singleShotThreshold(256 * 1024)
        .build());
  }

  @Override
  protected void closeDestination(Destination destination) {
    String name = destination.describe().substring(destination.describe().lastIndexOf('/') + 1);
    service.getBlobContainerClient(name).deleteIfExists();
  }
}
