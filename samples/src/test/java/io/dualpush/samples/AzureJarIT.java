package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import io.dualpush.testkit.AzuriteExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar against Azure storage the way users run it: {@code java -jar} as a child
 * process, two {@code azure-env:} destinations and the transaction log in a third container, on a
 * real Azurite; the connection string only in the child's environment. {@code AzureCliIT} covers
 * the same commands on the build's classpath, which once passed while the jar itself could not
 * load the Azure SDK.
 */
@DisplayName("the packaged jar with Azure destinations and an Azure log (Azurite)")
class AzureJarIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("jar");
  private static final String VAR = "DUALPUSH_TEST_STORAGE";
  private static BlobServiceClient service;

  @TempDir Path tmp;
  private Path source;
  private String east;
  private String west;
  private String logs;

  @BeforeAll
  static void connect() {
    service = new BlobServiceClientBuilder().connectionString(azurite.connectionString()).buildClient();
  }

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    String base = "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 16);
    east = base + "east";
    west = base + "west";
    logs = base + "logs";
    for (String c : List.of(east, west, logs)) {
      service.createBlobContainer(c);
    }
    write("gold/sales/2026-11-24.csv", "id,amount\n1,10\n2,20\n");
    write("gold/customers.json", "[{\"id\":1}]");
    write("top.bin", "\u0000\u0001\u0002");
  }

  private void write(String rel, String content) throws IOException {
    Path p = source.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private JarCli run(String command, String... more) throws Exception {
    List<String> a = new ArrayList<>(List.of(command));
    if (command.equals("push")) {
      a.add(source.toString());
    }
    if (!command.equals("status")) {
      a.addAll(List.of("--destination", "east=azure-env:" + VAR + "/" + east,
          "--destination", "west=azure-env:" + VAR + "/" + west));
    }
    a.addAll(List.of("--log", "azure-env:" + VAR + "/" + logs + "/nightly", "--json"));
    a.addAll(List.of(more));
    JarCli r = JarCli.run(List.of(), Map.of(VAR, azurite.connectionString()), 300, a.toArray(String[]::new));
    assertThat(r.out() + r.err()).as("no secret in any output").doesNotContain(azurite.accountKey());
    return r;
  }

  @Test
  @DisplayName("push, status, verify after a copy is lost, repair, status: every step as documented")
  void pushVerifyRepairStatus() throws Exception {
    JarCli pushed = run("push");
    assertThat(pushed.code()).as(pushed.toString()).isZero();
    assertThat(pushed.json().get("verified").asInt()).isEqualTo(3);
    BlobContainerClient westBlobs = service.getBlobContainerClient(west);
    assertThat(westBlobs.getBlobClient("gold/customers.json").downloadContent().toString()).isEqualTo("[{\"id\":1}]");
    assertThat(westBlobs.getBlobClient("gold/customers.json").getProperties().getContentMd5()).isNotNull();

    JarCli status = run("status");
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.json().get("verified").asInt()).isEqualTo(3);

    westBlobs.getBlobClient("top.bin").delete();
    JarCli verified = run("verify");
    assertThat(verified.code()).as(verified.toString()).isEqualTo(2);
    JsonNode notVerified = verified.json().get("notVerifiedTransactions");
    assertThat(notVerified.toString()).contains("top.bin", "missing");

    JarCli repaired = run("repair");
    assertThat(repaired.code()).as(repaired.toString()).isZero();
    assertThat(new String(westBlobs.getBlobClient("top.bin").downloadContent().toBytes(), StandardCharsets.UTF_8))
        .isEqualTo("\u0000\u0001\u0002");

    JarCli after = run("status");
    assertThat(after.code()).as(after.toString()).isZero();
    assertThat(after.json().get("notVerified").asInt()).isZero();
    assertThat(service.getBlobContainerClient(logs).getBlobClient("nightly/writer.lock").exists()).isTrue();
  }
}
