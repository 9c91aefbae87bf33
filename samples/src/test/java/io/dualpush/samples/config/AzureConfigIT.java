package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.RedisExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SAME {@code samples/azure/dualpush.yaml} that {@code deploy.sh} fills in, pointed at Azurite
 * through its {@code ${VAR:-default}} values (a connection string in the environment: Azurite has no
 * managed identity) and at a real Redis, run through the packaged jar's {@code push --config}: every
 * file verified in both containers.
 */
@DisplayName("samples/azure/dualpush.yaml against Azurite through the packaged jar")
class AzureConfigIT {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension("azure-config");
  @RegisterExtension static final RedisExtension REDIS = new RedisExtension("azure-config");

  private static final Path TEMPLATE = Path.of("azure", "dualpush.yaml");

  @TempDir Path tmp;

  @Test
  @DisplayName("push --config with the deployment's configuration verifies every file in both containers")
  void pushes() throws Exception {
    assertThat(TEMPLATE).exists();
    BlobServiceClient service = new BlobServiceClientBuilder().connectionString(AZURITE.connectionString())
        .buildClient();
    String base = "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 16);
    BlobContainerClient a = service.createBlobContainer(base + "a");
    BlobContainerClient b = service.createBlobContainer(base + "b");
    Path source = Files.createDirectories(tmp.resolve("source"));
    for (int i = 0; i < 6; i++) {
      Path f = Files.createDirectories(source.resolve("gold/day-" + i)).resolve("sales.csv");
      Files.writeString(f, ("id,amount\n" + i + ",10\n").repeat(100 + i * 50));
    }
    Map<String, String> env = Map.of(
        "AZURITE_STORAGE", AZURITE.connectionString(),
        "DUALPUSH_DEST_A", "azure-env:AZURITE_STORAGE/" + a.getBlobContainerName(),
        "DUALPUSH_DEST_B", "azure-env:AZURITE_STORAGE/" + b.getBlobContainerName(),
        "DUALPUSH_REGION_A", "eastus",
        "DUALPUSH_REGION_B", "westus2",
        "DUALPUSH_LOG", tmp.resolve("log").toString(),
        "DUALPUSH_REDIS_URI", REDIS.uri(),
        "DUALPUSH_LEASE", "azure-config-" + UUID.randomUUID());
    JobProcess p = JobProcess.run("azure", tmp, env, "push", source.toString(), "--config", TEMPLATE.toString(),
        "--json");
    assertThat(p.exitCode()).as("%s", p).isZero();
    assertThat(p.err()).as("role lines go to stderr, stdout is the JSON").contains("active: holding lease");
    assertThat(p.out() + p.err()).doesNotContain(AZURITE.accountKey());

    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).hasSize(6);
    for (Path f : files) {
      String key = source.relativize(f).toString();
      String expected = md5(Files.readAllBytes(f));
      for (BlobContainerClient c : List.of(a, b)) {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        c.getBlobClient(key).downloadStream(copy);
        assertThat(md5(copy.toByteArray())).as("%s in %s", key, c.getBlobContainerName()).isEqualTo(expected);
      }
    }
  }

  private static String md5(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
  }

  @SuppressWarnings("unused")
  private static String read(Path p) throws IOException {
    return Files.readString(p);
  }
}
