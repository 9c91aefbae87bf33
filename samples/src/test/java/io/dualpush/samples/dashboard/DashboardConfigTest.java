package io.dualpush.samples.dashboard;

import static io.dualpush.samples.dashboard.Api.json;
import static io.dualpush.samples.dashboard.Api.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("dashboard --config: the destinations, log and regions of a pipeline job's configuration file")
class DashboardConfigTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  private Path config(String text) throws IOException {
    Path file = tmp.resolve("job.yaml");
    Files.writeString(file, text);
    return file;
  }

  private Path localConfig() throws IOException {
    Path east = Files.createDirectories(tmp.resolve("east"));
    Path west = Files.createDirectories(tmp.resolve("west"));
    Path extra = Files.createDirectories(tmp.resolve("extra"));
    return config("destinations:\n"
        + "  - name: east-copy\n    location: " + east + "\n    region: eastus\n"
        + "  - name: west-copy\n    location: ${WEST_DIR}\n    region: westus3\n"
        + "  - name: archive\n    location: " + extra + "\n    required: false\n"
        + "log: " + tmp.resolve("job-log") + "\n"
        // Not read by the dashboard: its variable is never set here.
        + "redis:\n  uri: ${NO_SUCH_REDIS_URI}\n  lease:\n    ttl: ${NO_SUCH_TTL}\n"
        + "job:\n  interval: ${NO_SUCH_INTERVAL}\n");
  }

  private DashboardOptions options(Path config, boolean workload) {
    return options("dash", config, workload, Optional.empty());
  }

  private DashboardOptions options(String dir, Path config, boolean workload, Optional<String> log) {
    return new DashboardOptions(Optional.of(tmp.resolve(dir)), 0, "127.0.0.1", Optional.empty(), false,
        Duration.ofMillis(50), 100_000, Optional.of(config), workload, log);
  }

  /** The objects in a destination directory (not its {@code .dualpush/} metadata), or the files of a log. */
  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).filter(p -> !dir.relativize(p).toString().startsWith(".dualpush")).toList();
    }
  }

  @Test
  @DisplayName("regions named from the file with their regions and required flags; west-copy down then back: backlog, then repaired copies in every directory; the log where the file puts it")
  void localDirectories() throws Exception {
    Map<String, String> env = Map.of("WEST_DIR", tmp.resolve("west").toString());
    try (DashboardCommand.Dashboard d = DashboardCommand.Dashboard.start(options(localConfig(), true), env::get)) {
      Api api = Api.of(d.url());
      String token = Files.readAllLines(tmp.resolve("dash").resolve(DashboardToken.FILE_NAME)).get(0);
      JsonNode regions = json(api.get("/api/regions"));
      List<String> ids = new ArrayList<>();
      regions.get("regions").forEach(r -> ids.add(r.get("id").asText()));
      assertThat(ids).containsExactly("east-copy", "west-copy", "archive");
      assertThat(region(regions, "east-copy").get("region").asText()).isEqualTo("eastus");
      assertThat(region(regions, "west-copy").get("region").asText()).isEqualTo("westus3");
      assertThat(region(regions, "archive").get("required").asBoolean()).isFalse();
      assertThat(region(regions, "west-copy").get("required").asBoolean()).isTrue();
      assertThat(regions.get("coordinator").isNull()).as("Redis in the file: the dashboard takes no lease").isTrue();
      assertThat(tmp.resolve("dash").resolve("primary")).as("no built-in directories").doesNotExist();

      assertThat(api.post("/api/simulate/down", "{\"destination\":\"secondary\"}", token).statusCode())
          .as("the built-in names are unknown here").isEqualTo(400);
      api.post("/api/simulate/down", "{\"destination\":\"west-copy\"}", token);
      await().atMost(BOUND).until(() -> {
        JsonNode w = region(json(api.get("/api/regions")), "west-copy");
        return w.get("status").asText().equals("DOWN") && w.get("lag").get("backlogCopies").asLong() > 0;
      });
      api.post("/api/simulate/up", "{\"destination\":\"west-copy\"}", token);
      await().atMost(BOUND).until(() -> {
        JsonNode w = region(json(api.get("/api/regions")), "west-copy");
        return w.get("status").asText().equals("UP") && w.get("lag").get("backlogCopies").asLong() == 0;
      });
      // The workload goes on: every object east holds now reaches west (those written while it was down by repair).
      List<Path> east = files(tmp.resolve("east"));
      assertThat(east).isNotEmpty();
      assertThat(east).allSatisfy(p -> assertThat(tmp.resolve("east").relativize(p).toString())
          .startsWith(DashboardSystem.WORKLOAD_PREFIX));
      await().atMost(BOUND).untilAsserted(() -> {
        for (Path p : east) {
          Path copy = tmp.resolve("west").resolve(tmp.resolve("east").relativize(p));
          assertThat(copy).as("in west-copy").exists();
          assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(p));
        }
      });
      assertThat(files(tmp.resolve("job-log"))).as("the file's log").isNotEmpty();
    }
  }

  @Test
  @DisplayName("--no-workload: nothing is written to the configured destinations")
  void noWorkload() throws Exception {
    Map<String, String> env = Map.of("WEST_DIR", tmp.resolve("west").toString());
    try (DashboardCommand.Dashboard d = DashboardCommand.Dashboard.start(options(localConfig(), false), env::get)) {
      Api api = Api.of(d.url());
      assertThat(json(api.get("/api/regions")).get("regions")).hasSize(3);
      assertThat(d.system().workloadInterval()).as("no workload scheduled").isEmpty();
      await().atMost(BOUND).until(() -> json(api.get("/api/health")).get("components").has("destination:east-copy"));
      assertThat(d.system().pushed()).isZero();
    }
    assertThat(files(tmp.resolve("east"))).isEmpty();
    assertThat(files(tmp.resolve("west"))).isEmpty();
  }

  @Test
  @DisplayName("beside a process holding the file's log: refused (exit 3, the log locked); with --log of its own it runs")
  void besideTheJob() throws Exception {
    Map<String, String> env = Map.of("WEST_DIR", tmp.resolve("west").toString());
    Path file = localConfig();
    try (DashboardCommand.Dashboard job = DashboardCommand.Dashboard.start(options(file, false), env::get)) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = DashboardCommand.run(List.of("--config", file.toString(), "--dir", tmp.resolve("dash2").toString(),
          "--port", "0", "--no-workload"), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), env::get);
      assertThat(code).as("%s", err).isEqualTo(3);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot start");
      try (DashboardCommand.Dashboard own = DashboardCommand.Dashboard.start(options("dash3", file, false,
          Optional.of(tmp.resolve("dashboard-log").toString())), env::get)) {
        assertThat(json(Api.of(own.url()).get("/api/regions")).get("regions")).hasSize(3);
        assertThat(files(tmp.resolve("dashboard-log"))).as("its own log").isNotEmpty();
      }
    }
  }

  @Test
  @DisplayName("--no-workload with --push-interval-ms is refused; --log without --config is refused")
  void conflictingWorkloadOptions() {
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> DashboardOptions.parse(List.of("--no-workload",
        "--push-interval-ms", "100")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--no-workload");
    DashboardOptions o = DashboardOptions.parse(List.of("--config", "x.yaml", "--no-workload"));
    assertThat(o.config()).contains(Path.of("x.yaml"));
    assertThat(o.workload()).isFalse();
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> DashboardOptions.parse(List.of("--log", "x"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--config");
  }

  @Nested
  @DisplayName("a bad configuration file exits 1 naming the key path")
  class BadConfig {
    private Result run(Map<String, String> env, String... args) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = DashboardCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]), env::get);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    record Result(int code, String out, String err) {}

    @Test
    @DisplayName("a missing directory: destinations[1].location")
    void missingDirectory() throws Exception {
      Path file = localConfig();
      Result r = run(Map.of("WEST_DIR", tmp.resolve("nowhere").toString()), "--config", file.toString(), "--port", "0",
          "--dir", tmp.resolve("dash").toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains(file.toString()).contains("destinations[1].location").doesNotContain("LISTENING");
      assertThat(r.out()).isEmpty();
    }

    @Test
    @DisplayName("an unknown key: its path")
    void unknownKey() throws Exception {
      Path file = config("destinations:\n  - name: a\n    location: " + tmp + "\n    colour: blue\nlog: " + tmp.resolve("l")
          + "\n");
      Result r = run(Map.of(), "--config", file.toString(), "--port", "0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("destinations[0].colour").contains("unknown key");
    }

    @Test
    @DisplayName("azure-env: with its variable unset: destinations[0].location names the variable, as push does")
    void azureVariableUnset() throws Exception {
      Path file = config("destinations:\n  - name: a\n    location: azure-env:NO_SUCH_STORAGE/box\nlog: "
          + tmp.resolve("l") + "\n");
      Result r = run(Map.of(), "--config", file.toString(), "--port", "0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("destinations[0].location").contains("NO_SUCH_STORAGE").contains("not set");
      assertThat(tmp.resolve("l")).as("nothing written").doesNotExist();
    }

    @Test
    @DisplayName("the log inside a destination: log")
    void logInsideDestination() throws Exception {
      Path a = Files.createDirectories(tmp.resolve("a"));
      Path file = config("destinations:\n  - name: a\n    location: " + a + "\nlog: " + a.resolve("log") + "\n");
      Result r = run(Map.of(), "--config", file.toString(), "--port", "0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains(": log: ");
    }
  }
}
