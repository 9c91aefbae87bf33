package io.dualpush.samples.config;

import static io.dualpush.samples.ShellScripts.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.samples.ShellScripts;
import io.dualpush.samples.ShellScripts.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code samples/azure/deploy.sh} cannot run here (no Azure subscription): it is checked with
 * {@code bash -n} and with Debian's {@code shellcheck} ({@link ShellScripts}).
 */
@DisplayName("the Azure deployment script")
class AzureDeployScriptTest {
  private static final Path SCRIPT = Path.of("azure", "deploy.sh");

  @Test
  @DisplayName("parses with bash -n")
  void syntax() throws Exception {
    Result r = run(List.of("bash", "-n", SCRIPT.toString()));
    assertThat(r.code()).as(r.output()).isZero();
  }

  @Test
  @DisplayName("has zero shellcheck findings")
  void shellcheck() throws Exception {
    Result r = ShellScripts.shellcheck(SCRIPT);
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
}
