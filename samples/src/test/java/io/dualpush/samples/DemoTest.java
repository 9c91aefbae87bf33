package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
  @Test
  @DisplayName("the demo takes a region down part-way, repairs, and ends with everything verified (exit 0)")
  void demo(@TempDir Path tmp) {
    Path dir = tmp.resolve("demo");
    Cli r = Cli.run("demo", "--dir", dir.toString());

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    // A partial push shows PARTIALLY_COMPLETED, or IN_PROGRESS while the optional edge still writes.
    assertThat(r.out()).contains("westus2 unreachable", "push(es) partial", "INCONSISTENT",
        "all 15 transactions VERIFIED on primary, secondary, edge-asia");
    assertThat(r.out()).containsAnyOf("PARTIALLY_COMPLETED", "IN_PROGRESS");
    assertThat(r.out()).doesNotContain("  0 push(es) partial");
    assertThat(r.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
    assertThat(dir.resolve("regions/eastus2/gold/sales/2026-11-18.csv")).exists();
    assertThat(dir.resolve("regions/westus2/gold/sales/2026-11-18.csv"))
        .hasSameBinaryContentAs(dir.resolve("dataset/gold/sales/2026-11-18.csv"));
  }

  @Test
  @DisplayName("without the edge, and in a temporary directory it removes afterwards")
  void noEdge() {
    Cli r = Cli.run("demo", "--no-edge");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("all 15 transactions VERIFIED on primary, secondary:").doesNotContain("edge-asia");
    String dataset = r.out().lines().filter(l -> l.startsWith("gold dataset:")).findFirst().orElseThrow();
    Path dir = Path.of(dataset.substring(dataset.lastIndexOf(' ') + 1)).getParent();
    assertThat(Files.exists(dir)).isFalse();
  }

  @Test
  void refusesNonEmptyDir(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("keep.txt"), "mine");
    Cli r = Cli.run("demo", "--dir", tmp.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--dir");
    assertThat(tmp.resolve("keep.txt")).hasContent("mine");
  }
}
