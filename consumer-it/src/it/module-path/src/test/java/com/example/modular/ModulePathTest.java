package com.example.modular;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.dualpush.DualPushClient;
import io.dualpush.PushReceipt;
import io.dualpush.TransactionState;
import io.dualpush.azure.AzureBlobDestination;
import java.lang.reflect.InaccessibleObjectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
