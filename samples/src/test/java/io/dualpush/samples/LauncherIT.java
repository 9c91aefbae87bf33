package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/dualpush}, the launcher for jobs: the same CLI as {@code java -jar}, the same output
 * and exit codes, with a class-data archive recorded by the first push and mapped by later runs,
 * JVM warnings on stderr only, and the user's JVM options honoured.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
@DisplayName("the bin/dualpush launcher")
class LauncherIT {
  static final Path LAUNCHER = Path.of("bin", "dualpush").toAbsolutePath();

  @TempDir Path tmp;
  private Path jar;
  private Path cache;
  private Path source;
  private Path a;
  private Path b;

  @BeforeEach
  void setUp() throws IOException {
    // A copy, so that a test can make it newer than its archive without touching the build's jar.
    jar = Files.copy(JarCli.JAR, tmp.resolve("dualpush-samples.jar"));
    cache = tmp.resolve("cache");
    source = Files.createDirectories(tmp.resolve("source"));
    a = Files.createDirectories(tmp.resolve("a"));
    b = Files.createDirectories(tmp.resolve("b"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(source.resolve("f" + i + ".csv"), "row " + i + "\n");
    }
  }

  private record Run(int code, String out, String err) {}

  private Run launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("out");
    Path err = tmp.resolve("err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("DUALPUSH_JAR", jar.toString());
    pb.environment().put("XDG_CACHE_HOME", cache.toString());
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().remove("DUALPUSH_JAVA_OPTS");
    pb.environment().remove("DUALPUSH_CDS");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("the launcher finished").isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  private String[] push(String... more) {
    List<String> args = new ArrayList<>(List.of("push", source.toString(), "--destination", "a=" + a,
        "--destination", "b=" + b, "--log", tmp.resolve("log").toString()));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  private List<Path> archives() throws IOException {
    Path dir = cache.resolve("dualpush");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  @DisplayName("the first push records a class-data archive; later runs map it and print what java -jar prints")
  void archiveRecordedThenMapped() throws Exception {
    Run first = launch(Map.of(), push());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err()).as("no JVM warnings while the archive is recorded").isEmpty();
    assertThat(first.out()).contains("pushed 20 file(s)", "20 transaction(s)", "20 verified");
    assertThat(archives()).singleElement().satisfies(p -> assertThat(p.getFileName().toString()).endsWith(".jsa"));

    Run again = launch(Map.of(), push("--json"));
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.err()).isEmpty();
    JsonNode json = new ObjectMapper().readTree(again.out());
    assertThat(json.get("verified").asInt()).isEqualTo(20);
    assertThat(json.get("unchanged").asInt()).isEqualTo(40);

    JarCli direct = JarCli.run("status", "--log", tmp.resolve("log").toString());
    Run status = launch(Map.of(), "status", "--log", tmp.resolve("log").toString());
    assertThat(status.code()).isEqualTo(direct.code());
    assertThat(status.out()).isEqualTo(direct.out());
  }

  @Test
  @DisplayName("a rebuilt jar records a new archive, and the stale one costs no warning on stdout or stderr")
  void staleArchiveReplaced() throws Exception {
    assertThat(launch(Map.of(), push()).code()).isZero();
    Path archive = archives().get(0);
    Files.setLastModifiedTime(archive, FileTime.from(Instant.now().minusSeconds(3600)));
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));

    Run status = launch(Map.of(), "status", "--log", tmp.resolve("log").toString());
    assertThat(status.code()).isZero();
    assertThat(status.err()).isEmpty();
    assertThat(Files.getLastModifiedTime(archive).toInstant()).as("status does not record an archive")
        .isBefore(Instant.now().minusSeconds(3000));

    Run push = launch(Map.of(), push("--json"));
    assertThat(push.code()).as(push.err()).isZero();
    assertThat(push.err()).isEmpty();
    new ObjectMapper().readTree(push.out());
    assertThat(archives()).singleElement();
    assertThat(Files.getLastModifiedTime(archive).toInstant()).as("recorded again")
        .isAfter(Instant.now().minusSeconds(600));
  }

  @Test
  @DisplayName("exit codes are the CLI's, and a push refused for bad usage leaves no archive")
  void exitCodes() throws Exception {
    Run bad = launch(Map.of(), "push", source.toString(), "--destination", "a=" + tmp.resolve("nope"),
        "--log", tmp.resolve("log").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("dualpush: ").contains("does not exist");
    assertThat(bad.out()).isEmpty();
    assertThat(archives()).isEmpty();

    Files.createDirectories(b.resolve("f4.csv")); // a directory where a copy must go: that copy fails
    Run partial = launch(Map.of(), push());
    assertThat(partial.code()).as(partial.out() + partial.err()).isEqualTo(2);
  }

  @Test
  @DisplayName("DUALPUSH_JAVA_OPTS comes after the launcher's options, and a collector chosen there replaces the serial one")
  void userOptions() throws Exception {
    Run run = launch(Map.of("DUALPUSH_JAVA_OPTS", "-XX:+UseParallelGC -Xmx128m -XX:TieredStopAtLevel=4"), push("--json"));
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(new ObjectMapper().readTree(run.out()).get("verified").asInt()).isEqualTo(20);

    Run off = launch(Map.of("DUALPUSH_CDS", "off"), "status", "--log", tmp.resolve("log").toString());
    assertThat(off.code()).isZero();
  }
}
