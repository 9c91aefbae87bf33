package io.dualpush.samples.dashboard;

import static io.dualpush.samples.dashboard.Api.json;
import static io.dualpush.samples.dashboard.Api.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.fasterxml.jackson.databind.JsonNode;
import io.dualpush.testkit.AzuriteExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar's {@code dashboard --config samples/azure/dualpush.yaml}: the SAME file the deployment script fills
 * in and {@code AzureConfigIT} pushes with, pointed at Azurite through its {@code ${VAR:-default}} values (as
 * AzureConfigIT does). Its Redis URI names a port where nothing listens: the dashboard takes no lease.
 */
@DisplayName("dashboard --config with the Azure deployment's configuration, against Azurite, from the packaged jar")
class DashboardConfigIT {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension("dashboard-config");

  private static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();
  private static final Path TEMPLATE = Path.of("azure", "dualpush.yaml");
  private static final Pattern LISTENING = Pattern.compile("LISTENING (http://\\S+/) token-file=(\\S+)");
  private static final Duration BOUND = Duration.ofSeconds(90);

  @TempDir Path tmp;

  @Test
  @DisplayName("regions named from the file; take region-b down: DOWN with a backlog; bring it back: backlog 0, UP, and every object identical (MD5) in both containers")
  void downAndBackOnAzurite() throws Exception {
    assertThat(TEMPLATE).exists();
    assertThat(JAR).as("the shaded samples jar is built by the package phase").exists();
    BlobServiceClient service = new BlobServiceClientBuilder().connectionString(AZURITE.connectionString()).buildClient();
    String base = "d" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 16);
    BlobContainerClient a = service.createBlobContainer(base + "a");
    BlobContainerClient b = service.createBlobContainer(base + "b");
    Path dir = tmp.resolve("dash");
    Map<String, String> env = Map.of(
        "AZURITE_STORAGE", AZURITE.connectionString(),
        "DUALPUSH_DEST_A", "azure-env:AZURITE_STORAGE/" + a.getBlobContainerName(),
        "DUALPUSH_DEST_B", "azure-env:AZURITE_STORAGE/" + b.getBlobContainerName(),
        "DUALPUSH_REGION_A", "eastus",
        "DUALPUSH_REGION_B", "westus2",
        // DUALPUSH_REDIS_URI unset: the dashboard does not read the file's redis section.
        "DUALPUSH_LOG", tmp.resolve("log").toString());

    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString(), "dashboard", "--config", TEMPLATE.toString(), "--dir", dir.toString(),
        "--port", "0", "--push-interval-ms", "100"));
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove(DashboardToken.ENV);
    pb.environment().putAll(env);
    Process process = pb.start();
    try {
      await().atMost(BOUND).until(() -> LISTENING.matcher(read(out)).find() || !process.isAlive());
      Matcher m = LISTENING.matcher(read(out));
      assertThat(m.find()).as("LISTENING line; stderr: %s", read(err)).isTrue();
      Api api = Api.of(m.group(1));
      String token = Files.readAllLines(Path.of(m.group(2))).get(0);

      JsonNode regions = json(api.get("/api/regions"));
      List<String> ids = new ArrayList<>();
      regions.get("regions").forEach(r -> ids.add(r.get("id").asText()));
      assertThat(ids).containsExactly("region-a", "region-b");
      assertThat(region(regions, "region-a").get("region").asText()).isEqualTo("eastus");
      assertThat(region(regions, "region-b").get("region").asText()).isEqualTo("westus2");
      assertThat(region(regions, "region-b").get("required").asBoolean()).isTrue();

      await().atMost(BOUND).alias("the workload writes to Azurite")
          .until(() -> !blobs(a).isEmpty() && region(json(api.get("/api/regions")), "region-b").get("status").asText()
              .equals("UP"));
      JsonNode down = json(api.post("/api/simulate/down", "{\"destination\":\"region-b\"}", token));
      assertThat(region(down, "region-b").get("status").asText()).isEqualTo("DOWN");
      await().atMost(BOUND).alias("region-b DOWN with a backlog").until(() -> {
        JsonNode r = region(json(api.get("/api/regions")), "region-b");
        return r.get("status").asText().equals("DOWN") && r.get("lag").get("backlogCopies").asLong() > 0;
      });
      assertThat(region(json(api.get("/api/regions")), "region-a").get("status").asText()).isNotEqualTo("DOWN");

      api.post("/api/simulate/up", "{\"destination\":\"region-b\"}", token);
      await().atMost(BOUND).alias("repair drains region-b's backlog").until(() -> {
        JsonNode r = region(json(api.get("/api/regions")), "region-b");
        return r.get("status").asText().equals("UP") && r.get("lag").get("backlogCopies").asLong() == 0;
      });

      // The workload goes on; every object region-a holds now reaches region-b, byte for byte.
      List<String> keys = blobs(a);
      assertThat(keys).isNotEmpty();
      await().atMost(BOUND).untilAsserted(() -> {
        for (String key : keys) {
          assertThat(b.getBlobClient(key).exists()).as("%s in region-b", key).isTrue();
          assertThat(md5(b, key)).as("%s in region-b", key).isEqualTo(md5(a, key));
        }
      });

      process.getOutputStream().close();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stdin EOF stops the dashboard").isTrue();
      assertThat(process.exitValue()).isZero();
      assertThat(read(out) + read(err)).doesNotContain(AZURITE.accountKey()).doesNotContain(token);
      assertThat(read(err)).as("no lease taken: Redis is never contacted").doesNotContain("lease");
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** The object keys in a container (the destination's own metadata blobs aside). */
  private static List<String> blobs(BlobContainerClient c) {
    List<String> keys = new ArrayList<>();
    for (BlobItem item : c.listBlobs(new ListBlobsOptions().setPrefix(DashboardSystem.WORKLOAD_PREFIX), Duration.ofMinutes(1))) {
      keys.add(item.getName());
    }
    return keys;
  }

  private static String md5(BlobContainerClient c, String key) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    c.getBlobClient(key).downloadStream(bytes);
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes.toByteArray()));
  }

  private static String read(Path p) throws java.io.IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }
}
