package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code run} jobs of the packaged jar with the same configuration file, sharing a real
 * redis-server and two destination directories, each with its own transaction log (the file's
 * {@code log: ${REGION_LOG}}): only the lease holder pushes; SIGKILL it and the other takes over,
 * and every file ends verified (MD5 against the source) at both destinations.
 */
@DisplayName("run --config: two regions, one Redis lease, SIGKILL of the active one")
class ActiveStandbyRunIT {
  private static final Duration BOUND = Duration.ofSeconds(120);

  @RegisterExtension static final RedisExtension REDIS = new RedisExtension("run-config");

  @TempDir Path tmp;
  private Path source;
  private Path east;
  private Path west;
  private Path config;
  private String lease;
  private final List<JobProcess> jobs = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    east = Files.createDirectories(tmp.resolve("east"));
    west = Files.createDirectories(tmp.resolve("west"));
    lease = "active-" + UUID.randomUUID();
    for (int i = 0; i < 20; i++) {
      write("gold/batch-1/part-" + i + ".csv", i * 700);
    }
    config = config("3s", "1s");
  }

  /** The one file both jobs run with; each has its own log through ${REGION_LOG}. */
  private Path config(String ttl, String renew) throws IOException {
    Path file = tmp.resolve("job-" + ttl + ".yaml");
    Files.writeString(file, """
        destinations:
          - name: east
            location: %s
            region: eastus
          - name: west
            location: %s
            region: westus2
        log: ${REGION_LOG}
        redis:
          uri: %s
          lease:
            name: %s
            ttl: %s
            renew: %s
        job:
          interval: 300ms
        """.formatted(east, west, REDIS.uri(), lease, ttl, renew));
    return file;
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (JobProcess j : jobs) {
      j.close();
      System.out.println(j);
    }
  }

  private void write(String key, int lines) throws IOException {
    Path f = source.resolve(key);
    Files.createDirectories(f.getParent());
    StringBuilder b = new StringBuilder("id,amount\n");
    for (int i = 0; i < lines; i++) {
      b.append(i).append(',').append(key.hashCode() ^ i).append('\n');
    }
    Files.writeString(f, b);
  }

  private JobProcess start(String name) throws IOException {
    return start(name, config);
  }

  private JobProcess start(String name, Path file) throws IOException {
    JobProcess j = JobProcess.start(name, tmp, Map.of("REGION_LOG", tmp.resolve("log-" + name).toString()),
        "run", source.toString(), "--config", file.toString());
    jobs.add(j);
    return j;
  }

  /** The exit codes of the rounds the job finished, in order. */
  private static List<Integer> rounds(JobProcess j) {
    List<Integer> codes = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^round \\d+: exit (\\d+)$").matcher(j.out());
    while (m.find()) {
      codes.add(Integer.parseInt(m.group(1)));
    }
    return codes;
  }

  @Test
  @DisplayName("only the lease holder pushes; after its SIGKILL the standby takes over and every file is verified at both destinations")
  void takeover() throws Exception {
    JobProcess a = start("a");
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a)).as("%s", a).contains(0));
    JobProcess b = start("b");
    await().atMost(BOUND).untilAsserted(() ->
        assertThat(b.out()).as("%s", b).contains("standby: waiting for the active region's lease '" + lease + "'"));

    // New files while both run: the active one pushes them, the standby does nothing.
    for (int i = 0; i < 5; i++) {
      write("gold/batch-2/part-" + i + ".csv", 300 + i);
    }
    int before = rounds(a).size();
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a).size()).as("%s", a).isGreaterThan(before + 1));
    assertThat(rounds(a)).as("%s", a).allMatch(code -> code == 0);
    assertThat(b.out()).as("the standby never pushed: %s", b).doesNotContain("round ").doesNotContain("active:");
    assertThat(tmp.resolve("log-b")).as("the standby never opened its log").doesNotExist();
    assertThat(b.process().isAlive()).isTrue();

    a.kill(); // SIGKILL: the lease is not released, the standby waits for its TTL
    for (int i = 0; i < 5; i++) {
      write("gold/batch-3/part-" + i + ".csv", 500 + i);
    }
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(b.out()).as("%s", b).contains("active: holding lease '" + lease + "'");
      assertThat(rounds(b)).as("%s", b).contains(0);
    });
    assertEveryFileVerified();

    b.closeStdin(); // a clean stop: the lease released
    assertThat(b.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("%s", b).isTrue();
    assertThat(b.exitCode()).as("%s", b).isZero();
    assertThat(b.out()).contains("stopped (standard input closed); lease '" + lease + "' released");
    try (RedisClient client = RedisClient.create(REDIS.uri());
         StatefulRedisConnection<String, String> c = client.connect()) {
      assertThat(c.sync().keys("*" + lease + "*holder*")).as("no holder after a clean stop").isEmpty();
    }
  }

  @Test
  @DisplayName("a job whose lease is taken away says it was fenced, stands by, and comes back under a newer token")
  void fenced() throws Exception {
    JobProcess a = start("a");
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a)).as("%s", a).contains(0));
    long first = token(a.out(), 0);
    try (RedisClient client = RedisClient.create(REDIS.uri());
         StatefulRedisConnection<String, String> c = client.connect()) {
      // The store forgets the holder: the next renewal is refused and the job must step down.
      List<String> holder = c.sync().keys("*" + lease + "*holder*");
      assertThat(holder).hasSize(1);
      c.sync().del(holder.get(0));
    }
    await().atMost(BOUND).untilAsserted(() -> {
      assertThat(a.out()).as("%s", a).contains("fenced: lost lease '" + lease + "'");
      assertThat(tokens(a.out())).as("%s", a).anyMatch(t -> t > first);
    });
    int before = rounds(a).size();
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a).size()).as("%s", a).isGreaterThan(before));
    assertEveryFileVerified();
  }

  @Test
  @DisplayName("SIGTERM stops the active job cleanly: it releases the lease and the standby takes over long before the TTL")
  void sigterm() throws Exception {
    // A TTL far longer than the wait below: the standby can only take over because the lease was released.
    Path file = config("5m", "20s");
    JobProcess a = start("a", file);
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a)).as("%s", a).contains(0));
    JobProcess b = start("b", file);
    await().atMost(BOUND).untilAsserted(() -> assertThat(b.out()).as("%s", b).contains("standby: waiting"));
    a.process().destroy(); // SIGTERM
    assertThat(a.process().waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("%s", a).isTrue();
    assertThat(a.out()).as("%s", a).contains("stopped (SIGTERM); lease '" + lease + "' released");
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
      assertThat(b.out()).as("%s", b).contains("active: holding lease '" + lease + "'");
      assertThat(rounds(b)).as("%s", b).contains(0);
    });
    assertEveryFileVerified();
  }

  @Test
  @DisplayName("push --config waits as a standby for --wait, then exits 2 with nothing pushed")
  void pushWaitsThenGivesUp() throws Exception {
    JobProcess a = start("a");
    await().atMost(BOUND).untilAsserted(() -> assertThat(rounds(a)).as("%s", a).contains(0));
    Path other = Files.createDirectories(tmp.resolve("other-source"));
    Files.writeString(other.resolve("only-here.csv"), "id\n1\n");
    JobProcess push = JobProcess.run("push", tmp, Map.of("REGION_LOG", tmp.resolve("log-push").toString()),
        "push", other.toString(), "--config", config.toString(), "--wait", "2s");
    assertThat(push.exitCode()).as("%s", push).isEqualTo(2);
    assertThat(push.err()).as("%s", push).contains("standby: waiting for the active region's lease '" + lease + "'")
        .contains("was not free within 2s (--wait); nothing pushed");
    assertThat(east.resolve("only-here.csv")).doesNotExist();
    assertThat(west.resolve("only-here.csv")).doesNotExist();
    assertThat(tmp.resolve("log-push")).doesNotExist();

    // A bad option is refused at once, not after the wait for the lease (10 minutes by default).
    JobProcess bad = JobProcess.run("bad-push", tmp, Map.of("REGION_LOG", tmp.resolve("log-push").toString()),
        "push", other.toString(), "--config", config.toString(), "--parallel", "0");
    assertThat(bad.exitCode()).as("%s", bad).isEqualTo(1);
    assertThat(bad.err()).as("%s", bad).contains("--parallel must be between 1 and 256").doesNotContain("standby");
  }

  private static List<Long> tokens(String out) {
    List<Long> tokens = new ArrayList<>();
    Matcher m = Pattern.compile("active: holding lease .* \\(fencing token (\\d+)\\)").matcher(out);
    while (m.find()) {
      tokens.add(Long.parseLong(m.group(1)));
    }
    return tokens;
  }

  private static long token(String out, int i) {
    return tokens(out).get(i);
  }

  private void assertEveryFileVerified() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(20);
    for (Path f : files) {
      String key = source.relativize(f).toString();
      String expected = md5(f);
      for (Path dest : List.of(east, west)) {
        Path copy = dest.resolve(key);
        assertThat(copy).as("%s at %s", key, dest.getFileName()).exists();
        assertThat(md5(copy)).as("%s at %s", key, dest.getFileName()).isEqualTo(expected);
      }
    }
  }

  static String md5(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      MessageDigest md = MessageDigest.getInstance("MD5");
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String text(Path f) throws IOException {
    return Files.readString(f, StandardCharsets.UTF_8);
  }
}
