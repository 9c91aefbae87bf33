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
 * The pipeline CLI with one local directory and one {@code azure-env:} destination on a real
 * Azurite, run in-process; the connection string is handed over as an environment variable (the
 * test's own map, since Java cannot set one), never on the command line.
 */
@DisplayName("the CLI with an Azure destination (Azurite)")
class AzureCliIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("cli");
  private static final String VAR = "DUALPUSH_TEST_DR_STORAGE";

  private static BlobServiceClient service;

  @TempDir Path tmp;
  private Path source;
  private Path primary;
  private String container;
  private Map<String, String> env;

  @BeforeAll
  static void connect() {
    service = new BlobServiceClientBuilder().connectionString(azurite.connectionString()).buildClient();
  }

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    primary = Files.createDirectories(tmp.resolve("primary"));
    container = "c" + UUID.randomUUID().toString().replace("-", "").toLowerCase(Locale.ROOT).substring(0, 20);
    service.createBlobContainer(container);
    env = Map.of(VAR, azurite.connectionString());
    write("gold/sales/2026-11-24.csv", "id,amount\n1,10\n2,20\n");
    write("gold/customers.json", "[{\"id\":1}]");
  }

  private void write(String rel, String content) throws IOException {
    Path p = source.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private String[] args(String command, String log, String... more) {
    List<String> a = new ArrayList<>(List.of(command));
    if (command.equals("push")) {
      a.add(source.toString());
    }
    if (!command.equals("status")) {
      a.addAll(List.of("--destination", "primary=" + primary, "--destination", "dr=azure-env:" + VAR + "/" + container));
    }
    a.addAll(List.of("--log", log));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  private void pushVerifyStatus(String log) {
    Cli pushed = Cli.runWithEnv(env, args("push", log, "--json"));
    assertThat(pushed.code()).as(pushed.err()).isZero();
    assertThat(pushed.json().get("verified").asInt()).isEqualTo(2);
    assertThat(pushed.json().get("destinations").get("dr").get("verified").asInt()).isEqualTo(2);

    BlobContainerClient dr = service.getBlobContainerClient(container);
    assertThat(dr.getBlobClient("gold/customers.json").downloadContent().toString()).isEqualTo("[{\"id\":1}]");
    assertThat(new String(dr.getBlobClient("gold/sales/2026-11-24.csv").downloadContent().toBytes(), StandardCharsets.UTF_8))
        .isEqualTo("id,amount\n1,10\n2,20\n");

    Cli verified = Cli.runWithEnv(env, args("verify", log, "--json"));
    assertThat(verified.code()).as(verified.err()).isZero();
    assertThat(verified.json().get("checked").asInt()).isEqualTo(2);

    Cli status = Cli.runWithEnv(env, args("status", log, "--json"));
    assertThat(status.code()).as(status.err()).isZero();
    JsonNode json = status.json();
    assertThat(json.get("verified").asInt()).isEqualTo(2);
    assertThat(json.get("notVerified").asInt()).isZero();
  }

  @Test
  @DisplayName("push, verify and status with a local directory and an azure-env: destination, the log on disk")
  void localLog() {
    pushVerifyStatus(tmp.resolve("log").toString());
  }

  @Test
  @DisplayName("the same with the transaction log in an Azure container of its own (azure-env:VAR/CONTAINER/PREFIX)")
  void azureLog() {
    String logs = container + "log";
    service.createBlobContainer(logs);
    String log = "azure-env:" + VAR + "/" + logs + "/dualpush-log/nightly";
    pushVerifyStatus(log);
    assertThat(service.getBlobContainerClient(logs).getBlobClient("dualpush-log/nightly/writer.lock").exists()).isTrue();
  }

  @Test
  @DisplayName("a log in the container of an Azure destination is refused: a pushed key under its prefix would replace it")
  void logInDestinationContainer() {
    String log = "azure-env:" + VAR + "/" + container + "/dualpush-log/nightly";
    Cli r = Cli.runWithEnv(env, args("push", log));
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("--log", "container of --destination dr");
    assertThat(service.getBlobContainerClient(container).listBlobs().stream()).isEmpty();
  }

  @Test
  @DisplayName("an unset variable is a usage error naming it, and no connection string is printed")
  void unsetVariable() {
    Cli r = Cli.runWithEnv(Map.of("OTHER", azurite.connectionString()), args("push", tmp.resolve("log").toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(VAR).contains("not set");
    assertThat(r.out() + r.err()).doesNotContain("AccountKey").doesNotContain(azurite.accountKey());
    assertThat(tmp.resolve("log")).doesNotExist();
  }

  @Test
  @DisplayName("a bad connection string is named by its variable, its value is not printed")
  void badConnectionString() {
    Cli r = Cli.runWithEnv(Map.of(VAR, "AccountKey=c2VjcmV0;nonsense"), args("push", tmp.resolve("log").toString()));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(VAR).doesNotContain("c2VjcmV0");
  }

  @Test
  @DisplayName("the same container twice is refused")
  void sameContainerTwice() {
    Cli r = Cli.runWithEnv(env, "push", source.toString(), "--destination", "a=azure-env:" + VAR + "/" + container,
        "--destination", "b=azure-env:" + VAR + "/" + container, "--log", tmp.resolve("log").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--destination b").contains("same container");
  }
}
