package io.dualpush.samples.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("the drill's command line")
class DrillOptionsTest {
  @Test
  @DisplayName("defaults to 20 s of pushing, a kill after 8 s, a 3 s TTL and a takeover bound of TTL + 5 s")
  void defaults() {
    DrillOptions o = DrillOptions.parse(List.of());
    assertThat(o.redis()).isEmpty();
    assertThat(o.dir()).isEmpty();
    assertThat(o.duration()).isEqualTo(Duration.ofSeconds(20));
    assertThat(o.killAfter()).isEqualTo(Duration.ofSeconds(8));
    assertThat(o.ttl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.maxTakeover()).isEqualTo(Duration.ofSeconds(8));
    assertThat(o.json()).isFalse();
    assertThat(o.loseOne()).isFalse();
  }

  @Test
  @DisplayName("derives the default bound from the TTL given, and takes an explicit bound as is")
  void bound() {
    assertThat(DrillOptions.parse(List.of("--ttl", "2s")).maxTakeover()).isEqualTo(Duration.ofSeconds(7));
    assertThat(DrillOptions.parse(List.of("--ttl=1500ms", "--max-takeover", "1ms")).maxTakeover())
        .isEqualTo(Duration.ofMillis(1));
    assertThat(DrillOptions.parse(List.of("--max-takeover", "PT10S")).maxTakeover()).isEqualTo(Duration.ofSeconds(10));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "--seconds 5 --kill-after 5|must be less than --seconds",
      "--ttl 100ms|--ttl must be between 600ms and 5m",
      "--ttl soon|is not a duration (write 500ms",
      "--max-takeover 0s|must be positive",
      "--redis localhost|--redis must be redis://HOST:PORT, rediss://HOST:PORT (TLS) or HOST:PORT",
      "--redis http://h:6379|--redis must be redis://HOST:PORT",
      "--redis redis://h:6379?timeout=1s|--redis must be redis://HOST:PORT",
      "--redis h:70000|port 70000 is not between 1 and 65535",
      "--redis redis://h:1?password=x|--redis must not carry a password",
      "--redis-password-env REDIS_PW|--redis-password-env needs --redis",
      "--redis h:1 --redis-password-env s3cret!|takes the NAME of an environment variable",
      "--seconds x|--seconds must be a whole number",
      "--json --json2|unknown argument '--json2'",
      "--dir a --dir b|--dir given twice",
      "--redis|--redis needs a value"})
  void refused(String args, String message) {
    assertThatThrownBy(() -> DrillOptions.parse(List.of(args.split(" "))))
        .isInstanceOf(DrillOptions.BadUsage.class).hasMessageContaining(message);
  }

  @Test
  @DisplayName("--redis takes HOST:PORT (as redis://) or a redis:// or rediss:// URI, and the password's variable by name")
  void redis() {
    assertThat(DrillOptions.parse(List.of("--redis", "10.0.0.1:6380")).redis()).hasValue("redis://10.0.0.1:6380");
    DrillOptions tls = DrillOptions.parse(List.of("--redis", "rediss://cache.example:6380/2", "--redis-password-env",
        "REDIS_PW"));
    assertThat(tls.redis()).hasValue("rediss://cache.example:6380/2");
    assertThat(tls.redisPasswordEnv()).hasValue("REDIS_PW");
    assertThat(DrillOptions.parse(List.of("--redis=redis://h")).redis()).hasValue("redis://h");
  }

  @Test
  @DisplayName("a password in --redis is refused without being repeated")
  void passwordInUri() {
    assertThatThrownBy(() -> DrillOptions.parse(List.of("--redis", "redis://:hunter2@h:6379")))
        .isInstanceOf(DrillOptions.BadUsage.class).hasMessageContaining("must not carry a password")
        .hasMessageContaining("--redis-password-env").message().doesNotContain("hunter2");
  }

  @Test
  @DisplayName("a bad command line exits 1 with one line on stderr, before anything is started")
  void badUsageExitCode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = DrillCommand.run(List.of("--seconds", "0"), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("dualpush: --seconds must be between 2 and 3600, got 0\n");
  }
}
