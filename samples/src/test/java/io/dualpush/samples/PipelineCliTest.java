package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualpush.spi.Md5;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineCliTest {
  @TempDir
  Path tmp;
  Path source;
  Path primary;
  Path secondary;
  Path edge;
  Path log;

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    primary = Files.createDirectories(tmp.resolve("primary"));
    secondary = Files.createDirectories(tmp.resolve("secondary"));
    edge = Files.createDirectories(tmp.resolve("edge"));
    log = tmp.resolve("log");
    write("gold/sales/2026-11-24.csv", "id,amount\n1,10\n2,20\n");
    write("gold/customers.json", "[{\"id\":1}]");
    write("top.bin", "\u0000\u0001\u0002");
  }

  private void write(String rel, String content) throws IOException {
    Path p = source.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  private String[] push(String... more) {
    List<String> args = new ArrayList<>(List.of("push", source.toString(), "--destination", "primary=" + primary,
        "--destination", "secondary=" + secondary, "--log", log.toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private String[] with(String command, String... more) {
    List<String> args = new ArrayList<>(List.of(command, "--destination", "primary=" + primary,
        "--destination", "secondary=" + secondary, "--log", log.toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private static String md5(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Md5.of(in).base64();
    }
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  @DisplayName("push stores every file at its relative path on each destination, byte-identical, and exits 0")
  void pushAll() throws IOException {
    Cli r = Cli.run(push("--json"));

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = r.json();
    assertThat(json.get("transactions").asInt()).isEqualTo(3);
    assertThat(json.get("verified").asInt()).isEqualTo(3);
    assertThat(json.get("notVerified").asInt()).isZero();
    assertThat(json.get("destinations").get("primary").get("verified").asInt()).isEqualTo(3);
    assertThat(json.get("destinations").get("secondary").get("verified").asInt()).isEqualTo(3);
    assertThat(json.get("written").asInt()).isEqualTo(6);
    for (String key : List.of("gold/sales/2026-11-24.csv", "gold/customers.json", "top.bin")) {
      assertThat(md5(primary.resolve(key))).isEqualTo(md5(source.resolve(key)));
      assertThat(md5(secondary.resolve(key))).isEqualTo(md5(source.resolve(key)));
    }
  }

  @Test
  @DisplayName("re-pushing identical content rewrites nothing: modification times stay")
  void identicalRepush() throws IOException {
    assertThat(Cli.run(push()).code()).isZero();
    Path copy = primary.resolve("gold/sales/2026-11-24.csv");
    FileTime old = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(copy, old);
    Files.setLastModifiedTime(secondary.resolve("top.bin"), old);

    Cli again = Cli.run(push("--json"));

    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.json().get("written").asInt()).isZero();
    assertThat(again.json().get("unchanged").asInt()).isEqualTo(6);
    assertThat(Files.getLastModifiedTime(copy)).isEqualTo(old);
    assertThat(Files.getLastModifiedTime(secondary.resolve("top.bin"))).isEqualTo(old);
  }

  @Test
  @DisplayName("a changed file is rewritten on re-push, the rest is not")
  void changedFile() throws IOException {
    assertThat(Cli.run(push()).code()).isZero();
    write("top.bin", "new content");

    Cli again = Cli.run(push("--json"));

    assertThat(again.json().get("written").asInt()).isEqualTo(2);
    assertThat(again.json().get("unchanged").asInt()).isEqualTo(4);
    assertThat(Files.readString(primary.resolve("top.bin"))).isEqualTo("new content");
    Cli status = Cli.run("status", "--log", log.toString(), "--json");
    assertThat(status.json().get("transactions").asInt()).as("superseded pushes are not counted").isEqualTo(3);
  }

  @Test
  @DisplayName("an optional destination that cannot be written never fails a push")
  void optionalDestination() throws IOException {
    Cli r = Cli.run(push("--destination", "edge=" + edge, "--optional", "edge", "--json"));
    assertThat(r.code()).isZero();
    assertThat(r.json().get("destinations").get("edge").get("required").asBoolean()).isFalse();
    assertThat(filesUnder(edge)).isNotEmpty();
  }

  @Test
  @DisplayName("status, verify and repair: deep verify finds a damaged and a missing copy (exit 2); repair fixes both (exit 0)")
  void verifyAndRepair() throws IOException {
    assertThat(Cli.run(push()).code()).isZero();
    Files.writeString(secondary.resolve("gold/customers.json"), "[{\"id\":2}]"); // same size, different bytes
    Files.delete(primary.resolve("top.bin"));

    Cli status = Cli.run("status", "--log", log.toString(), "--json");
    assertThat(status.code()).as("status only reads the log").isZero();

    Cli verify = Cli.run(with("verify", "--json"));
    assertThat(verify.code()).as(verify.err()).isEqualTo(2);
    assertThat(verify.json().get("notVerified").asInt()).isEqualTo(2);
    assertThat(verify.json().get("destinations").get("secondary").get("mismatched").asInt()).isEqualTo(1);
    assertThat(verify.json().get("destinations").get("primary").get("failed").asInt()).isEqualTo(1);
    assertThat(verify.json().get("notVerifiedTransactions").toString()).contains("gold/customers.json", "top.bin");

    Cli afterVerify = Cli.run("status", "--log", log.toString());
    assertThat(afterVerify.code()).isEqualTo(2);
    assertThat(afterVerify.out()).contains("1 verified, 2 not verified");

    Cli repair = Cli.run(with("repair", "--json"));
    assertThat(repair.code()).as(repair.err() + repair.out()).isZero();
    assertThat(repair.json().get("repaired").asInt()).isEqualTo(2);
    assertThat(Files.readString(secondary.resolve("gold/customers.json"))).isEqualTo("[{\"id\":1}]");
    assertThat(primary.resolve("top.bin")).exists();

    assertThat(Cli.run(with("verify")).code()).isZero();
    assertThat(Cli.run("status", "--log", log.toString()).code()).isZero();
  }

  @Test
  @DisplayName("a required destination whose copy fails gives exit 2 and a repair from the source file later")
  void requiredFailureThenRepair() throws IOException {
    // A plain file where the secondary needs a directory makes that copy fail (even for root).
    Path blocker = Files.writeString(Files.createDirectories(secondary.resolve("gold")).resolve("sales"), "in the way");
    Cli r = Cli.run(push("--json"));
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.json().get("notVerified").asInt()).isEqualTo(1);
    assertThat(r.json().get("destinations").get("secondary").get("failed").asInt()).isEqualTo(1);
    assertThat(Cli.run(with("repair")).code()).as("still blocked").isEqualTo(2);

    Files.delete(blocker);
    Cli repair = Cli.run(with("repair"));
    assertThat(repair.code()).as(repair.out() + repair.err()).isZero();
    assertThat(Files.readString(secondary.resolve("gold/sales/2026-11-24.csv"))).startsWith("id,amount");
  }

  @Test
  @DisplayName("replay --dry-run counts the backlog and writes nothing; replay then re-pushes exactly that backlog")
  void replayAfterOutage() throws IOException {
    Path blocker = Files.writeString(Files.createDirectories(secondary.resolve("gold")).resolve("sales"), "in the way");
    assertThat(Cli.run(push()).code()).isEqualTo(2);
    long size = Files.size(source.resolve("gold/sales/2026-11-24.csv"));
    Files.delete(blocker);

    Cli dry = Cli.run(with("replay", "--dry-run", "--json"));
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.json().get("dryRun").asBoolean()).isTrue();
    assertThat(dry.json().get("count").asLong()).isEqualTo(1);
    assertThat(dry.json().get("bytes").asLong()).isEqualTo(size);
    assertThat(dry.json().get("oldest").asText()).isNotBlank();
    assertThat(secondary.resolve("gold/sales/2026-11-24.csv")).doesNotExist();

    Cli other = Cli.run(with("replay", "--prefix", "top", "--json"));
    assertThat(other.json().get("replayed").asLong()).isZero();
    assertThat(other.code()).as("the backlog outside the filter is still there").isEqualTo(2);

    Cli replay = Cli.run(with("replay", "--json", "--rate", "50"));
    assertThat(replay.code()).as(replay.out() + replay.err()).isZero();
    assertThat(replay.json().get("replayed").asLong()).isEqualTo(dry.json().get("count").asLong());
    assertThat(replay.json().get("replayedBytes").asLong()).isEqualTo(size);
    assertThat(md5(secondary.resolve("gold/sales/2026-11-24.csv")))
        .isEqualTo(md5(source.resolve("gold/sales/2026-11-24.csv")));
    Cli after = Cli.run(with("replay", "--dry-run"));
    assertThat(after.out()).contains("replay (dry run): 0 transaction(s)");
  }

  @Test
  @DisplayName("replay refuses a bad time naming the option, before anything is written")
  void replayBadInput() {
    assertThat(Cli.run(push()).code()).isZero();
    Cli r = Cli.run(with("replay", "--since", "yesterday"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--since").contains("2026-12-01T09:30:00Z");
    Cli backwards = Cli.run(with("replay", "--since", "2026-12-02T00:00:00Z", "--until", "2026-12-01T00:00:00Z"));
    assertThat(backwards.code()).isEqualTo(1);
    assertThat(backwards.err()).contains("--until");
  }

  @Test
  @DisplayName("the text output lists counts per destination")
  void textOutput() {
    Cli r = Cli.run(push());
    assertThat(r.out()).contains("pushed 3 file(s)", "3 transaction(s)", "3 verified, 0 not verified",
        "primary", "secondary");
    assertThat(r.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
  }

  @Test
  @DisplayName("the progress line counts objects and bytes and gives a rate")
  void progressLine() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    try (Progress p = new Progress("pushed", 10, 4096, new java.io.PrintStream(err, true, StandardCharsets.UTF_8), false)) {
      p.done(1024);
      p.done(1024);
      assertThat(p.line()).startsWith("pushed 2/10 objects, 2.0 KiB/4.0 KiB, ").contains("/s");
    }
  }
}
