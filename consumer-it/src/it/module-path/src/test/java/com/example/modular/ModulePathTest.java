package com.example.modular;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.dualpush.DestinationException;
import io.dualpush.DualPushClient;
import io.dualpush.InvalidInputException;
import io.dualpush.PushReceipt;
import io.dualpush.TransactionState;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.micrometer.DualPushMetrics;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.redis.RedisLeaseStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.lang.reflect.InaccessibleObjectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dualpush as a modular application sees it: named modules, only the API and SPI exported. */
class ModulePathTest {

  @TempDir
  Path dir;

  @Test
  void runsOnTheModulePath() {
    assertEquals("com.example.modular", Mirror.class.getModule().getName());
    assertEquals("io.dualpush", DualPushClient.class.getModule().getName());
    assertEquals("io.dualpush.azure", AzureBlobDestination.class.getModule().getName());
  }

  @Test
  void metricsBinderRunsOnTheModulePath() throws Exception {
    assertEquals("io.dualpush.micrometer", DualPushMetrics.class.getModule().getName());
    Path primary = Files.createDirectories(dir.resolve("m-primary"));
    Path secondary = Files.createDirectories(dir.resolve("m-secondary"));
    assertEquals(1.0, Metered.acknowledgedPushes(primary, secondary, dir.resolve("m-log"), "gold/metered.csv", "a,b\n"));
  }

  @Test
  void redisAdapterRunsOnTheModulePath() throws Exception {
    assertEquals("io.dualpush.redis", RedisLeaseStore.class.getModule().getName());
    InvalidInputException refused = assertThrows(InvalidInputException.class, () -> RedisDedupeStore.builder().build());
    assertEquals("client", refused.field());
    // Lettuce really drives Netty from the module path: a connection to a closed port fails inside Netty.
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(closed)
        .withTimeout(Duration.ofSeconds(5)).build());
    try {
      DestinationException e = assertThrows(DestinationException.class, () -> RedisLeaseStore.builder().client(client).build());
      assertTrue(e.getMessage().contains("cannot connect to Redis"), e.getMessage());
    } finally {
      client.shutdown();
    }
  }

  @Test
  void pushesThroughThePublicApi() throws Exception {
    Path primary = Files.createDirectories(dir.resolve("primary"));
    Path secondary = Files.createDirectories(dir.resolve("secondary"));
    PushReceipt receipt = Mirror.push(primary, secondary, dir.resolve("log"), "gold/a.txt", "hello, modules");

    assertEquals(TransactionState.VERIFIED, receipt.state(), receipt.describeCopies());
    byte[] expected = "hello, modules".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(expected, Files.readAllBytes(primary.resolve("gold/a.txt")));
    assertArrayEquals(expected, Files.readAllBytes(secondary.resolve("gold/a.txt")));
  }

  @Test
  void readClientRunsOnTheModulePath() throws Exception {
    assertEquals("io.dualpush.client", io.dualpush.client.FailoverReadClient.class.getModule().getName());
    Path primary = Files.createDirectories(dir.resolve("primary"));
    Path secondary = Files.createDirectories(dir.resolve("secondary"));
    Mirror.push(primary, secondary, dir.resolve("log"), "gold/r.txt", "read me back");
    // The HTTP endpoint is a closed port: java.net.http, used from the module path, fails over to the directory.
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    io.dualpush.client.ReadResult result = Reader.read(primary, java.net.URI.create("http://127.0.0.1:" + closed + "/"),
        "gold/r.txt");
    assertArrayEquals("read me back".getBytes(StandardCharsets.UTF_8), result.toByteArray());
    assertEquals("primary", result.endpointId());
    Files.delete(primary.resolve("gold/r.txt"));
    io.dualpush.client.AllEndpointsFailedException failed = assertThrows(
        io.dualpush.client.AllEndpointsFailedException.class,
        () -> Reader.read(primary, java.net.URI.create("http://127.0.0.1:" + closed + "/"), "gold/r.txt"));
    assertTrue(failed.getMessage().contains("edge=FAILED"), failed.getMessage());
  }

  @Test
  void exportsTheApiAndSpiOnly() {
    Module core = DualPushClient.class.getModule();
    Module self = Mirror.class.getModule();
    assertTrue(core.isExported("io.dualpush", self));
    assertTrue(core.isExported("io.dualpush.spi", self));
    assertTrue(core.isExported("io.dualpush.local", self));
    assertFalse(core.isExported("io.dualpush.internal"), "the engine must not be exported");
    assertFalse(core.isOpen("io.dualpush.internal"), "the engine must not be open to reflection");
    assertFalse(core.isExported("io.dualpush.log", self), "the log implementation is not API");
    assertTrue(core.isExported("io.dualpush.log", AzureBlobDestination.class.getModule()),
        "the Azure module holds a segment store");
  }

  @Test
  void theEngineCannotBeReachedByReflection() throws Exception {
    Class<?> engine = Class.forName("io.dualpush.internal.PushEngine");
    assertThrows(InaccessibleObjectException.class, () -> engine.getDeclaredConstructors()[0].setAccessible(true));
  }

  @Test
  void azureDestinationBuildsFromTheCallersClient() {
    BlobContainerClient container = new BlobContainerClientBuilder()
        .endpoint("https://contosoeast.blob.core.windows.net/gold")
        .sasToken("sv=2024-01-01&sig=not-a-real-signature")
        .buildClient();
    new AzureBlobDestination(container); // no request is sent until the first call
  }
}
