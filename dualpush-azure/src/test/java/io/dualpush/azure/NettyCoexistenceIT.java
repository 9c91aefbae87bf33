package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobProperties;
import io.dualpush.spi.Md5;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.GeneratedInputStream;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.Version;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The trap this module's build guards against: Lettuce brings Netty 4.2, the Azure SDK's default
 * HTTP client brings Netty 4.1, and the two on one classpath fail at run time. With the JDK HTTP
 * client, both work side by side in one JVM.
 */
@DisplayName("Netty 4.2 (Lettuce) and the Azure client in one JVM")
class NettyCoexistenceIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("netty");

  @Test
  @DisplayName("the Azure SDK's Netty HTTP client is not on the classpath; Netty there is 4.2")
  void onlyNetty42() {
    assertThatThrownBy(() -> Class.forName("com.azure.core.http.netty.NettyAsyncHttpClientBuilder"))
        .isInstanceOf(ClassNotFoundException.class);
    assertThat(Version.identify()).allSatisfy((artifact, version) ->
        assertThat(version.artifactVersion()).as(artifact).startsWith("4.2."));
  }

  @Test
  @DisplayName("an Azure round trip succeeds while Lettuce's event loops run and Netty 4.2 buffers are in use")
  void roundTripBesideLettuce() throws Exception {
    ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    RedisClient redis = RedisClient.create(resources);
    ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024);
    try {
      // Lettuce really drives its Netty event loop: a connection to a closed port fails in Netty.
      int closedPort;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closedPort = s.getLocalPort();
      }
      RedisURI nowhere = RedisURI.builder().withHost("127.0.0.1").withPort(closedPort)
          .withTimeout(Duration.ofSeconds(2)).build();
      assertThatThrownBy(() -> redis.connect(nowhere)).isInstanceOf(RedisConnectionException.class);
      assertThat(resources.eventExecutorGroup().submit(() -> "ran on Lettuce's executor").get(5, TimeUnit.SECONDS))
          .isEqualTo("ran on Lettuce's executor");

      // Netty 4.2 buffers allocated and used, pooled and unpooled, direct and heap.
      byte[] pattern = "netty 4.2 beside azure".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 1000; i++) {
        pooled.writeBytes(pattern);
      }
      ByteBuf copy = Unpooled.copiedBuffer(pooled);
      byte[] fromNetty = ByteBufUtil.getBytes(copy);
      assertThat(fromNetty).hasSize(pattern.length * 1000);
      copy.release();

      // Meanwhile, a real Azure round trip: a block upload, a download, the MD5 checked.
      BlobContainerClient container = AzuriteClients.freshContainer(AzuriteClients.service(azurite));
      AzureBlobDestination destination = new AzureBlobDestination(container,
          AzureBlobOptions.builder().blockSize(256 * 1024).singleShotThreshold(128 * 1024).build());
      long size = 3L * 1024 * 1024 + 17;
      String md5;
      try (InputStream in = new GeneratedInputStream(size, 11)) {
        md5 = Md5.of(in).base64();
      }
      PutResult put = destination.put(new WriteRequest("coexist.bin", size, md5, "application/octet-stream", Map.of(),
          "txn-netty", "", OptionalLong.empty(), () -> new GeneratedInputStream(size, 11)));
      assertThat(put.md5()).isEqualTo(md5);
      try (InputStream in = destination.get("coexist.bin").orElseThrow()) {
        assertThat(Md5.of(in).base64()).isEqualTo(md5);
      }
      BlobProperties props = container.getBlobClient("coexist.bin").getProperties();
      assertThat(Base64.getEncoder().encodeToString(props.getContentMd5())).isEqualTo(md5);
      // And the small object path, whose bytes go through a Netty buffer first.
      PutResult small = destination.put(new WriteRequest("small.bin", fromNetty.length, Md5.of(fromNetty),
          "application/octet-stream", Map.of(), "txn-netty-2", "", OptionalLong.empty(),
          () -> new java.io.ByteArrayInputStream(fromNetty)));
      assertThat(small.md5()).isEqualTo(Md5.of(fromNetty));
    } finally {
      pooled.release();
      redis.shutdown(Duration.ZERO, Duration.ofSeconds(5));
      resources.shutdown(0, 5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
    }
  }
}
