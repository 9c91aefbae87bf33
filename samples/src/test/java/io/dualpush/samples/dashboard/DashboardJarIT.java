package io.dualpush.samples.dashboard;

import static io.dualpush.samples.dashboard.Api.json;
import static io.dualpush.samples.dashboard.Api.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The dashboard from the packaged jar")
class DashboardJarIT {
  private static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();
  private static final Pattern LISTENING = Pattern.compile("LISTENING (http://\\S+/) token-file=(\\S+)");
  private static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  /** A child JVM running the dashboard, its output in files (a full pipe never blocks it). */
  private record Child(Process process, Path outFile, Path errFile) {
    String out() throws IOException {
      return Files.readString(outFile, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
      return Files.readString(errFile, StandardCharsets.UTF_8);
    }
  }

  private Child start(Map<String, String> env, String... args) throws IOException {
    return start(env, false, args);
  }

  private Child start(Map<String, String> env, boolean stdinDevNull, String... args) throws IOException {
    assertThat(JAR).as("the shaded samples jar is built by the package phase").exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString(), "dashboard"));
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("stdout");
    Path err = tmp.resolve("stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().remove(DashboardToken.ENV);
    pb.environment().putAll(env);
    if (stdinDevNull) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    return new Child(pb.start(), out, err);
  }

  private static Matcher listening(Child child) throws IOException {
    await().atMost(BOUND).until(() -> LISTENING.matcher(child.out()).find() || !child.process().isAlive());
    Matcher m = LISTENING.matcher(child.out());
    assertThat(m.find()).as("LISTENING line; stderr: %s", child.err()).isTrue();
    return m;
  }

  @Test
  @DisplayName("take secondary down: DOWN with a growing backlog; bring it back: repaired to 0 and UP; stdin EOF stops it; the token never printed")
  void downAndBack() throws Exception {
    Path dir = tmp.resolve("dash");
    Child child = start(Map.of(), "--dir", dir.toString(), "--port", "0", "--push-interval-ms", "100");
    try {
      Matcher m = listening(child);
      String url = m.group(1);
      Path tokenFile = Path.of(m.group(2));
      assertThat(tokenFile).isEqualTo(dir.resolve(DashboardToken.FILE_NAME));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
      String token = Files.readAllLines(tokenFile).get(0);
      Api api = Api.of(url);

      JsonNode downBody = json(api.post("/api/simulate/down", "{\"destination\":\"secondary\"}", token));
      assertThat(region(downBody, "secondary").get("status").asText()).as("the answer already says DOWN").isEqualTo("DOWN");
      await().atMost(BOUND).until(() -> {
        JsonNode s = region(json(api.get("/api/regions")), "secondary");
        return s.get("status").asText().equals("DOWN") && s.get("breaker").asText().equals("OPEN")
            && s.get("lag").get("backlogCopies").asLong() >= 5;
      });
      long backlog = region(json(api.get("/api/regions")), "secondary").get("lag").get("backlogCopies").asLong();
      await().atMost(BOUND).alias("the workload keeps pushing and the backlog grows")
          .until(() -> region(json(api.get("/api/regions")), "secondary").get("lag").get("backlogCopies").asLong() > backlog);
      assertThat(region(json(api.get("/api/regions")), "primary").get("status").asText()).isNotEqualTo("DOWN");

      JsonNode upBody = json(api.post("/api/simulate/up", "{\"destination\":\"secondary\"}", token));
      JsonNode back = region(upBody, "secondary");
      assertThat(back.get("simulation").get("down").asBoolean()).isFalse();
      assertThat(back.get("breaker").asText()).as("the answer already shows the breaker closed").isEqualTo("CLOSED");
      assertThat(back.get("status").asText()).as("the answer already shows it back").isNotEqualTo("DOWN");
      await().atMost(BOUND).alias("repair drains the backlog").until(() -> {
        JsonNode s = region(json(api.get("/api/regions")), "secondary");
        return s.get("status").asText().equals("UP") && s.get("breaker").asText().equals("CLOSED")
            && s.get("lag").get("backlogCopies").asLong() == 0;
      });
      JsonNode health = json(api.get("/api/health"));
      assertThat(health.get("components").get("destination:secondary").get("status").asText()).isNotEqualTo("DOWN");

      child.process().getOutputStream().close();
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("stdin EOF stops the dashboard").isTrue();
      assertThat(child.process().exitValue()).isZero();
      assertThat(child.out().strip().lines()).as("one line on stdout").hasSize(1);
      assertThat(child.out()).doesNotContain(token);
      assertThat(child.err()).doesNotContain(token);
    } finally {
      child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a token from the environment is used, not written to disk; stdin /dev/null does not stop it, SIGTERM stops it cleanly")
  void tokenFromEnvironmentAndSigterm() throws Exception {
    String token = "env-token-" + System.nanoTime();
    Path dir = tmp.resolve("dash-env");
    Child child = start(Map.of(DashboardToken.ENV, token), true, "--dir", dir.toString(), "--port", "0");
    try {
      Matcher m = listening(child);
      assertThat(m.group(2)).isEqualTo("env:" + DashboardToken.ENV);
      assertThat(dir.resolve(DashboardToken.FILE_NAME)).doesNotExist();
      Api api = Api.of(m.group(1));
      assertThat(api.post("/api/simulate/lag", "{\"destination\":\"edge\",\"millis\":50}", "wrong").statusCode()).isEqualTo(401);
      JsonNode lagged = json(api.post("/api/simulate/lag", "{\"destination\":\"edge\",\"millis\":50}", token));
      assertThat(region(lagged, "edge").get("simulation").get("addedLatencyMs").asInt()).isEqualTo(50);

      assertThat(child.process().isAlive()).as("serving on, its stdin /dev/null at its end").isTrue();

      child.process().destroy(); // SIGTERM
      assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.out()).doesNotContain(token);
      assertThat(child.err()).doesNotContain(token).doesNotContain("Exception");
    } finally {
      child.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
