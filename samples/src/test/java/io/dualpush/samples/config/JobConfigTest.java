package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("The pipeline job's configuration file")
class JobConfigTest {
  private static final String SECRET = "s3cr3t-never-shown";

  @TempDir Path tmp;
  private Path east;
  private Path west;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void dirs() throws Exception {
    east = Files.createDirectories(tmp.resolve("east"));
    west = Files.createDirectories(tmp.resolve("west"));
    env.put("EAST", east.toString());
    env.put("REDIS_PASSWORD", SECRET);
    env.put("HOOK_SECRET", SECRET);
  }

  private JobConfig parse(String yaml) {
    return JobConfig.parse("job.yaml", yaml, env::get);
  }

  private String every() {
    return """
        destinations:
          - name: east
            location: ${EAST}
            region: eastus
            required: true
          - name: west
            location: ${WEST:-%s}
            region: westus2
            required: false
        log: ${LOG:-/var/lib/dualpush/log}
        push:
          parallel: 12
          timeout: 90s
          breakerOpenDelay: 2m
          progress: 5s
          allowSkipped: true
          quarantineDamaged: true
        redis:
          uri: redis://localhost:6379
          passwordEnv: REDIS_PASSWORD
          lease:
            name: active_dc
            owner: eastus-1
            ttl: 12s
            renew: 4000ms
          dedupe: true
        job:
          interval: PT45S
          wait: forever
        alerts:
          webhook:
            url: https://alerts.example.com/hook
            secretEnv: HOOK_SECRET
        """.formatted(west);
  }

  @Test
  @DisplayName("reads every field, interpolating ${VAR} and ${VAR:-default}")
  void everyField() {
    JobConfig c = parse(every());
    assertThat(c.destinations()).containsExactly(
        new JobConfig.Destination("east", east.toString(), Optional.of("eastus"), true),
        new JobConfig.Destination("west", west.toString(), Optional.of("westus2"), false));
    assertThat(c.log()).isEqualTo("/var/lib/dualpush/log");
    JobConfig.Push p = c.push();
    assertThat(p.parallel()).hasValue(12);
    assertThat(p.timeout()).contains(Duration.ofSeconds(90));
    assertThat(p.breakerOpenDelay()).contains(Duration.ofMinutes(2));
    assertThat(p.progress()).contains(Duration.ofSeconds(5));
    assertThat(p.allowSkipped()).isTrue();
    assertThat(p.quarantineDamaged()).isTrue();
    JobConfig.Redis r = c.redis().orElseThrow();
    assertThat(r).isEqualTo(new JobConfig.Redis("redis://localhost:6379", Optional.of("REDIS_PASSWORD"), "active_dc",
        Optional.of("eastus-1"), Duration.ofSeconds(12), Optional.of(Duration.ofSeconds(4)), true));
    assertThat(c.interval()).contains(Duration.ofSeconds(45));
    assertThat(c.waitText()).contains("forever");
    assertThat(c.webhook()).contains(new JobConfig.Webhook(URI.create("https://alerts.example.com/hook"),
        Optional.of("HOOK_SECRET")));
    assertThat(c.regions()).containsExactly(Map.entry("east", "eastus"), Map.entry("west", "westus2"));
    // The secrets are in the environment only: nowhere in what was read.
    assertThat(c.toString() + r + c.webhook().get()).doesNotContain(SECRET);
  }

  @Test
  @DisplayName("defaults: required destinations, lease active_dc with a 10 s TTL, no dedupe")
  void defaults() {
    JobConfig c = parse("destinations:\n  - name: east\n    location: " + east + "\nlog: log\nredis:\n  uri: redis://h:1\n");
    assertThat(c.destinations().get(0).required()).isTrue();
    JobConfig.Redis r = c.redis().orElseThrow();
    assertThat(r.leaseName()).isEqualTo("active_dc");
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(r.owner()).isEmpty();
    assertThat(r.dedupe()).isFalse();
    assertThat(c.push().parallel()).isEmpty();
    assertThat(c.webhook()).isEmpty();
  }

  @Test
  @DisplayName("sections left unread: not checked, their variables need not be set; read, they are refused naming the key")
  void unreadSections() throws Exception {
    Path file = tmp.resolve("job.yaml");
    Files.writeString(file, "destinations:\n  - name: east\n    location: " + east + "\nlog: log\n"
        + "redis:\n  uri: ${NO_SUCH_REDIS_URI}\njob:\n  interval: ${NO_SUCH_INTERVAL}\n");
    JobConfig c = JobConfig.load(file, env::get, Set.of("redis", "job"));
    assertThat(c.redis()).isEmpty();
    assertThat(c.interval()).isEmpty();
    assertThat(c.destinations()).hasSize(1);
    assertThatThrownBy(() -> JobConfig.load(file, env::get)).isInstanceOf(JobConfigException.class)
        .hasMessageContaining("redis.uri").hasMessageContaining("NO_SUCH_REDIS_URI");
    assertThatThrownBy(() -> JobConfig.load(file, env::get, Set.of("redis"))).isInstanceOf(JobConfigException.class)
        .hasMessageContaining("job.interval");
    assertThatThrownBy(() -> JobConfig.load(file, env::get, Set.of("destinations")))
        .isInstanceOf(IllegalArgumentException.class);
    Files.writeString(file, "destinations:\n  - name: east\n    location: " + east + "\nlog: log\nredis: 1\nweather: {}\n");
    assertThatThrownBy(() -> JobConfig.load(file, env::get, Set.of("redis"))).as("unknown keys are still refused")
        .isInstanceOf(JobConfigException.class).hasMessageContaining("weather");
  }

  @Nested
  @DisplayName("becomes the command's options, the command line winning")
  class Flags {
    @Test
    @DisplayName("push gets every option the file sets")
    void push() {
      List<String> flags = parse(every()).flagsFor("push", Set.of());
      assertThat(String.join(" ", flags)).isEqualTo("--destination east=" + east + " --destination west=" + west
          + " --optional west --log /var/lib/dualpush/log --parallel 12 --timeout 90 --progress 5"
          + " --breaker-open-delay 120 --allow-skipped --quarantine-damaged");
    }

    @Test
    @DisplayName("options on the command line replace the file's; any --destination replaces all of them")
    void override() {
      List<String> flags = parse(every()).flagsFor("push", Set.of("--destination", "--log", "--parallel"));
      assertThat(flags).doesNotContain("--destination", "--optional", "--log", "--parallel")
          .contains("--timeout", "--allow-skipped");
    }

    @Test
    @DisplayName("each command gets only the options it takes")
    void perCommand() {
      assertThat(parse(every()).flagsFor("status", Set.of())).containsExactly("--log", "/var/lib/dualpush/log");
      assertThat(parse(every()).flagsFor("repair", Set.of())).doesNotContain("--parallel", "--progress",
          "--allow-skipped", "--breaker-open-delay");
    }
  }

  @Nested
  @DisplayName("refuses, naming the file and the key path")
  class Refuses {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "unknown key|destinations:\\n  - name: a\\n    location: EAST\\n    colour: red\\nlog: l|destinations[0].colour: unknown key",
        "unknown top-level key|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nlogs: m|logs: unknown key",
        "missing location|destinations:\\n  - name: a\\n    location: EAST\\n  - name: b\\nlog: l|destinations[1].location: is required",
        "missing log|destinations:\\n  - name: a\\n    location: EAST|log: is required",
        "missing destinations|log: l|destinations: is required",
        "location not a directory|destinations:\\n  - name: a\\n    location: /nonexistent/dir\\nlog: l|destinations[0].location: not an existing directory",
        "wrong type: a list for the log|destinations:\\n  - name: a\\n    location: EAST\\nlog: [a, b]|log: expected a string, got a list",
        "wrong type: a string for parallel|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\npush:\\n  parallel: many|push.parallel: expected a whole number",
        "parallel out of range|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\npush:\\n  parallel: 0|push.parallel: must be between 1 and 256",
        "wrong type: a number for required|destinations:\\n  - name: a\\n    location: EAST\\n    required: 3\\nlog: l|destinations[0].required: expected true or false",
        "bad duration|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nredis:\\n  uri: redis://h:1\\n  lease:\\n    ttl: soon|redis.lease.ttl: 'soon' is not a positive duration",
        "a duration without its unit|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\npush:\\n  timeout: 30|push.timeout: expected a duration such as 30s",
        "renew not shorter than the ttl|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nredis:\\n  uri: redis://h:1\\n  lease:\\n    ttl: 5s\\n    renew: 5s|redis.lease.renew: must be shorter",
        "a fractional timeout|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\npush:\\n  timeout: 1500ms|push.timeout: must be whole seconds",
        "a duplicate destination name|destinations:\\n  - name: a\\n    location: EAST\\n  - name: a\\n    location: EAST\\nlog: l|destinations[1].name: 'a' is the name of an earlier destination",
        "no required destination|destinations:\\n  - name: a\\n    location: EAST\\n    required: false\\nlog: l|destinations: at least one destination must be required",
        "an unset variable|destinations:\\n  - name: a\\n    location: ${NOPE}\\nlog: l|destinations[0].location: environment variable NOPE is not set",
        "a password in the Redis URI|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nredis:\\n  uri: redis://:hunter2@h:1|redis.uri: must not carry a password",
        "not a Redis URI|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nredis:\\n  uri: http://h:1|redis.uri: expected redis://HOST:PORT",
        "a password variable not set|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nredis:\\n  uri: redis://h:1\\n  passwordEnv: UNSET_PW|redis.passwordEnv: environment variable UNSET_PW is not set",
        "a secret instead of a variable name|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nalerts:\\n  webhook:\\n    url: https://h/x\\n    secretEnv: abc-123!|alerts.webhook.secretEnv: must be the NAME of an environment variable",
        "a webhook URL with a query|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nalerts:\\n  webhook:\\n    url: https://h/x?sig=abc|alerts.webhook.url: must not carry credentials",
        "a bad wait|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\njob:\\n  wait: later|job.wait: 'later' is not a duration",
        "a key given twice|destinations:\\n  - name: a\\n    location: EAST\\nlog: l\\nlog: m|a key given twice at line",
        "not YAML|destinations: [unclosed|not valid YAML at line",
        "an empty file|# only a comment|the file is empty",
    })
    void refused(String what, String yaml, String expected) {
      String text = yaml.replace("\\n", "\n").replace("EAST", east.toString());
      assertThatThrownBy(() -> parse(text))
          .isInstanceOf(JobConfigException.class)
          .hasMessageStartingWith("job.yaml: ")
          .hasMessageContaining(expected);
    }

    @Test
    @DisplayName("never quotes an interpolated value or a secret in its message")
    void noSecrets() {
      env.put("BAD_TTL", SECRET);
      String text = "destinations:\n  - name: a\n    location: " + east + "\nlog: l\nredis:\n  uri: redis://h:1\n"
          + "  lease:\n    ttl: ${BAD_TTL}\n";
      assertThatThrownBy(() -> parse(text)).hasMessageContaining("redis.lease.ttl")
          .hasMessageContaining("${BAD_TTL}").message().doesNotContain(SECRET);
      assertThatThrownBy(() -> parse("destinations:\n  - name: a\n    location: " + east
          + "\nlog: l\nredis:\n  uri: redis://user:" + SECRET + "@h:1\n"))
          .message().contains("redis.uri").doesNotContain(SECRET);
    }
  }

  @Nested
  @DisplayName("durations")
  class Durations {
    @ParameterizedTest(name = "{0} is {1} ms")
    @CsvSource({"500ms,500", "30s,30000", "10m,600000", "2h,7200000", "1d,86400000", "PT1M30S,90000", "pt5s,5000"})
    void parsed(String text, long millis) {
      assertThat(ConfigDurations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "''{0}'' is refused")
    @CsvSource({"0s", "-5s", "ten seconds", "5", "5x"})
    void refused(String text) {
      assertThatThrownBy(() -> ConfigDurations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  @DisplayName("interpolation")
  class Interpolating {
    @Test
    @DisplayName("uses the default when the variable is unset or empty, and $$ is a dollar")
    void defaults() {
      env.put("EMPTY", "");
      assertThat(Interpolation.apply("a-${UNSET:-x}-${EMPTY:-y}-${EAST}-$$-$5", env::get))
          .isEqualTo("a-x-y-" + east + "-$-$5");
    }

    @Test
    @DisplayName("names an unset variable and an unclosed reference")
    void failures() {
      assertThatThrownBy(() -> Interpolation.apply("${UNSET}", env::get)).hasMessageContaining("UNSET is not set");
      assertThatThrownBy(() -> Interpolation.apply("${EAST", env::get)).hasMessageContaining("not closed");
    }
  }
}
