package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.local.FileSystemDestination;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Builds clients without contacting any service: overlaps() is answered from their URLs alone. */
@DisplayName("AzureBlobDestination.overlaps")
class AzureBlobDestinationOverlapTest {
  private static final String ACCOUNT = "https://acct.blob.core.windows.net";
  private static final String AZURITE = "http://127.0.0.1:10000/devstoreaccount1";

  private static BlobContainerClient container(String endpoint, String name) {
    return new BlobServiceClientBuilder().endpoint(endpoint).buildClient().getBlobContainerClient(name);
  }

  private static AzureBlobDestination destination(String endpoint, String name) {
    return new AzureBlobDestination(container(endpoint, name));
  }

  @Test
  @DisplayName("itself, and another destination on the same container (regression: two ids on one container were accepted)")
  void sameContainer() {
    AzureBlobDestination gold = destination(ACCOUNT, "gold");
    assertThat(gold.overlaps(gold)).isTrue();
    assertThat(gold.overlaps(destination(ACCOUNT, "gold"))).isTrue();
    assertThat(destination(AZURITE, "gold").overlaps(destination(AZURITE, "gold"))).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"HTTPS://ACCT.Blob.Core.Windows.NET", "https://acct.blob.core.windows.net/",
      "https://acct.blob.core.windows.net:443"})
  @DisplayName("the same container spelled with another case, a trailing slash or the default port")
  void sameContainerOtherSpelling(String endpoint) {
    assertThat(destination(endpoint, "gold").overlaps(destination(ACCOUNT, "gold"))).isTrue();
    assertThat(destination(ACCOUNT, "gold").overlaps(destination(endpoint, "gold"))).isTrue();
  }

  @Test
  @DisplayName("the same container through a container URL, a service client or a connection string")
  void sameContainerBuiltOtherWays() {
    AzureBlobDestination fromUrl = new AzureBlobDestination(
        new BlobContainerClientBuilder().endpoint(ACCOUNT + "/gold").buildClient());
    assertThat(fromUrl.overlaps(destination(ACCOUNT, "gold"))).isTrue();
    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    AzureBlobDestination fromConnectionString = new AzureBlobDestination(new BlobContainerClientBuilder()
        .connectionString("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + key
            + ";BlobEndpoint=" + AZURITE + ";")
        .containerName("gold").buildClient());
    assertThat(fromConnectionString.overlaps(destination(AZURITE, "gold"))).isTrue();
  }

  @Test
  @DisplayName("not another container, another account, or the same names on another emulator port")
  void apart() {
    AzureBlobDestination gold = destination(ACCOUNT, "gold");
    assertThat(gold.overlaps(destination(ACCOUNT, "silver"))).isFalse();
    assertThat(gold.overlaps(destination("https://other.blob.core.windows.net", "gold"))).isFalse();
    assertThat(destination(AZURITE, "gold").overlaps(destination("http://127.0.0.1:10001/devstoreaccount1", "gold")))
        .isFalse();
  }

  @Test
  @DisplayName("not a destination of another kind")
  void otherKind(@TempDir Path dir) {
    AzureBlobDestination gold = destination(ACCOUNT, "gold");
    FileSystemDestination local = new FileSystemDestination(dir);
    assertThat(gold.overlaps(local)).isFalse();
    assertThat(local.overlaps(gold)).isFalse();
  }
}
