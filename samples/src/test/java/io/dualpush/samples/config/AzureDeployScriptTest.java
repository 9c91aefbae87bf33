package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.testkit.DebianPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code samples/azure/deploy.sh} cannot run here (no Azure subscription): it is checked with
 * {@code bash -n} and with Debian's {@code shellcheck}, installed with apt-get when missing (as
 * root, or through password-less sudo; a clear failure otherwise) by the testkit's DebianPackages.
 */
@DisplayName("the Azure deployment script")
class AzureDeployScriptTest {
  private static final Path SCRIPT = Path.of("azure", "deploy.sh");

  record Result(int code, String output) {}

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("deploy-check", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(600, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within 600 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Test
  @DisplayName("parses with bash -n")
  void syntax() throws Exception {
    Result r = run(List.of("bash", "-n", SCRIPT.toString()));
    assertThat(r.code()).as(r.output()).isZero();
  }

  @Test
  @DisplayName("has zero shellcheck findings")
  void shellcheck() throws Exception {
    Result r = run(List.of(shellcheckBinary().toString(), "--severity=style", "--external-sources", SCRIPT.toString()));
    assertThat(r.output()).as("shellcheck findings").isEmpty();
    assertThat(r.code()).isZero();
  }

  @Test
  @DisplayName("prints its usage without needing the Azure CLI")
  void usage() throws Exception {
    Result r = run(List.of("bash", SCRIPT.toString(), "--help"));
    assertThat(r.code()).as(r.output()).isZero();
    assertThat(r.output()).contains("--resource-group", "--region-a", "--prefix", "--container", "--identity");
    Result bad = run(List.of("bash", SCRIPT.toString(), "--no-such-option"));
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.output()).contains("unknown option: --no-such-option");
  }

  @Test
  @DisplayName("hardens both accounts and grants the identity Storage Blob Data Contributor on each container only")
  void leastPrivilege() throws IOException {
    String script = Files.readString(SCRIPT);
    assertThat(script).contains("set -euo pipefail", "--kind StorageV2", "--https-only true",
        "--min-tls-version TLS1_2", "--allow-blob-public-access false", "--allow-shared-key-access false",
        "\"Storage Blob Data Contributor\"", "scope=\"$account_id/blobServices/default/containers/$container\"");
    // No role assignment at any wider scope than the container.
    assertThat(script.lines().filter(l -> l.contains("role assignment create")).count()).isEqualTo(1);
  }

  /** shellcheck on the PATH, else installed from Debian's package (the testkit's DebianPackages). */
  static Path shellcheckBinary() throws IOException, InterruptedException {
    DebianPackages.ensure("shellcheck", List.of("shellcheck"), "install shellcheck some other way, put it on the PATH "
        + "and run the test again", () -> DebianPackages.onPath("shellcheck") != null);
    return DebianPackages.onPath("shellcheck");
  }
}
