package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis password named by {@code redis.passwordEnv}, against a real redis-server with
 * {@code requirepass}, through the packaged jar: it signs in, and neither the right password nor a
 * wrong one appears in anything the job prints (stdout with {@code --json}, stderr, its log lines).
 */
@DisplayName("push --config with a password-protected Redis")
class RedisPasswordIT {
  private static final String WRONG = "wrong-pw-" + UUID.randomUUID();

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension(RedisServerProcess.builder("config-secrets").password(true));

  @TempDir Path tmp;
  private Path source;
  private Path config;

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    Files.writeString(source.resolve("a.csv"), "id\n1\n");
    Path east = Files.createDirectories(tmp.resolve("east"));
    config = tmp.resolve("job.yaml");
    Files.writeString(config, """
        destinations:
          - name: east
            location: %s
        log: %s
        redis:
          uri: %s
          passwordEnv: JOB_REDIS_PASSWORD
          lease:
            name: %s
          dedupe: true
        """.formatted(east, tmp.resolve("log"), REDIS.uri(), "pw-" + UUID.randomUUID()));
  }

  @Test
  @DisplayName("signs in with the password from the environment and never prints it")
  void signsIn() throws Exception {
    String password = REDIS.password().orElseThrow();
    JobProcess p = JobProcess.run("ok", tmp, Map.of("JOB_REDIS_PASSWORD", password),
        "push", source.toString(), "--config", config.toString(), "--json");
    assertThat(p.exitCode()).as("exit code (output withheld: it is checked for the password)").isZero();
    assertThat(p.err()).contains("active: holding lease");
    assertThat(p.out() + p.err()).doesNotContain(password);
    assertThat(tmp.resolve("east/a.csv")).hasContent("id\n1\n");
  }

  @Test
  @DisplayName("a wrong password fails the run without showing either password")
  void wrongPassword() throws Exception {
    JobProcess p = JobProcess.run("wrong", tmp, Map.of("JOB_REDIS_PASSWORD", WRONG),
        "push", source.toString(), "--config", config.toString(), "--json");
    assertThat(p.exitCode()).isNotZero();
    assertThat(p.out() + p.err()).doesNotContain(WRONG).doesNotContain(REDIS.password().orElseThrow());
    assertThat(tmp.resolve("east/a.csv")).doesNotExist();
  }
}
