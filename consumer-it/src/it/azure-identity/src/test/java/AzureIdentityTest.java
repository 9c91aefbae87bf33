import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.azure.core.http.HttpClient;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.dualpush.azure.AzureBlobDestination;
import org.junit.jupiter.api.Test;

/** The DefaultAzureCredential path README documents: it builds, on the JDK HTTP client, with no Netty to load. */
class AzureIdentityTest {

  @Test
  void containerClientWithDefaultAzureCredentialUsesTheJdkHttpClient() {
    BlobContainerClient container = new BlobContainerClientBuilder()
        .endpoint("https://contosoeast.blob.core.windows.net/gold")
        .credential(new DefaultAzureCredentialBuilder().build())
        .buildClient();
    new AzureBlobDestination(container); // no request is sent until the first call

    assertEquals("com.azure.core.http.jdk.httpclient.JdkHttpClient", HttpClient.createDefault().getClass().getName());
    assertThrows(ClassNotFoundException.class, () -> Class.forName("io.netty.channel.Channel"));
  }
}
