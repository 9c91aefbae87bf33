import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.redis.RedisLeaseStore;
import io.lettuce.core.RedisClient;
import io.netty.util.Version;
import org.junit.jupiter.api.Test;

/** Both adapters on one class path built from their POMs alone: they load, and Netty there is Lettuce's 4.2 only. */
class RedisAndAzureTest {

  @Test
  void bothAdaptersLoadBesideOneNetty42() {
    BlobContainerClient container = new BlobContainerClientBuilder()
        .endpoint("https://contosoeast.blob.core.windows.net/gold")
        .buildClient();
    new AzureBlobDestination(container); // no request is sent until the first call
    assertEquals("com.azure.core.http.jdk.httpclient.JdkHttpClient", HttpClient.createDefault().getClass().getName());

    RedisClient redis = RedisClient.create(); // no connection until a store is built
    try {
      InvalidInputException noClient = assertThrows(InvalidInputException.class, () -> RedisLeaseStore.builder().build());
      assertEquals("client", noClient.field());
      assertThrows(InvalidInputException.class, () -> RedisDedupeStore.builder().client(redis).client(redis));
    } finally {
      redis.shutdown();
    }
    Version.identify().forEach((artifact, version) ->
        assertTrue(version.artifactVersion().startsWith("4.2."), artifact + " " + version.artifactVersion()));
  }
}
