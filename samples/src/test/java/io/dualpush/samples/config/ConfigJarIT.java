package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code push --config} through the packaged jar: good files push, bad ones are refused before anything is written. */
@DisplayName("push --config through the packaged jar")
class ConfigJarIT {
  private static final String SECRET = "hook-s3cr3t-value";

  @TempDir Path tmp;
  private Path source;
  private Path east;
  private Path west;

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    east = Files.createDirectories(tmp.resolve("east"));
    west = Files.createDirectories(tmp.resolve("west"));
    Files.writeString(Files.createDirectories(source.resolve("gold")).resolve("a.csv"), "id\n1\n");
    Files.writeString(source.resolve("b.json"), "{}\n");
  }

  @Test
  @DisplayName("pushes with the file's destinations and log; the command line's options win; no secret in the output")
  void pushes() throws Exception {
    Path config = tmp.resolve("job.yaml");
    Files.writeString(config, """
        destinations:
          - name: east
            location: %s
            region: eastus
          - name: west
            location: ${WEST_DIR}
            required: false
        log: %s
        push:
          parallel: 2
        alerts:
          webhook:
            url: http://127.0.0.1:9/hook
            secretEnv: HOOK_SECRET
        """.formatted(east, tmp.resolve("log-from-file")));
    Path log = tmp.resolve("log-from-command-line");
    JobProcess p = JobProcess.run("push", tmp, Map.of("WEST_DIR", west.toString(), "HOOK_SECRET", SECRET),
        "push", source.toString(), "--config", config.toString(), "--log", log.toString(), "--json");
    assertThat(p.exitCode()).as("%s", p).isZero();
    assertThat(p.out() + p.err()).doesNotContain(SECRET);
    assertThat(east.resolve("gold/a.csv")).hasContent("id\n1\n");
    assertThat(west.resolve("b.json")).hasContent("{}\n");
    assertThat(log).as("--log on the command line wins").isDirectory();
    assertThat(tmp.resolve("log-from-file")).doesNotExist();
    JobProcess status = JobProcess.run("status", tmp, Map.of("WEST_DIR", west.toString(), "HOOK_SECRET", SECRET),
        "status", "--config", config.toString(), "--log", log.toString());
    assertThat(status.exitCode()).as("%s", status).isZero();
    assertThat(status.out()).contains("2 verified");
    JobProcess verify = JobProcess.run("verify", tmp, Map.of("WEST_DIR", west.toString(), "HOOK_SECRET", SECRET),
        "verify", "--config", config.toString(), "--log", log.toString(), "--json");
    assertThat(verify.exitCode()).as("%s", verify).isZero();
    assertThat(verify.json().path("checked").asInt()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0}")
  @DisplayName("a bad file is refused with exit 1 naming the file and the key; nothing is written")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "unknown key|destinations:\\n  - name: east\\n    location: EAST\\n  - name: west\\n    locaton: WEST\\nlog: LOG|destinations[1].locaton: unknown key",
      "missing location|destinations:\\n  - name: east\\n    location: EAST\\n  - name: west\\nlog: LOG|destinations[1].location: is required",
      "wrong type|destinations:\\n  - name: east\\n    location: EAST\\nlog: LOG\\npush:\\n  parallel: [1]|push.parallel: expected a whole number",
      "bad duration|destinations:\\n  - name: east\\n    location: EAST\\nlog: LOG\\npush:\\n  timeout: 10 parsecs|push.timeout: '10 parsecs' is not a positive duration",
      "unset variable|destinations:\\n  - name: east\\n    location: ${NOT_SET_HERE}\\nlog: LOG|destinations[0].location: environment variable NOT_SET_HERE is not set",
  })
  void refused(String what, String yaml, String expected) throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Path log = tmp.resolve("log");
    Files.writeString(config, yaml.replace("\\n", "\n").replace("EAST", east.toString())
        .replace("WEST", west.toString()).replace("LOG", log.toString()));
    JobProcess p = JobProcess.run("bad", tmp, Map.of(), "push", source.toString(), "--config", config.toString());
    assertThat(p.exitCode()).as("%s", p).isEqualTo(1);
    assertThat(p.err()).as("%s", p).contains("--config " + config + ": " + expected);
    assertThat(log).doesNotExist();
    try (Stream<Path> e = Files.list(east); Stream<Path> w = Files.list(west)) {
      assertThat(e.count() + w.count()).as("nothing pushed").isZero();
    }
  }

  @Test
  @DisplayName("a missing file is refused naming it")
  void missing() throws Exception {
    JobProcess p = JobProcess.run("missing", tmp, Map.of(), "push", source.toString(), "--config",
        tmp.resolve("nope.yaml").toString());
    assertThat(p.exitCode()).isEqualTo(1);
    assertThat(p.err()).contains("nope.yaml: no such file");
  }
}
