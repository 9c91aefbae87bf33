package io.dualpush.samples.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill as users run it: the packaged jar ({@code java -jar target/dualpush-samples.jar drill --redis ...}) against
 * a real redis-server, its two region JVMs, a real SIGKILL. Each report is checked against the destination directories
 * by the test itself: it lists the files, and hashes each one against the content the producer was to push (keys and
 * contents follow from the run id, which the report names).
 */
@DisplayName("dualpush drill (the packaged jar, real Redis, real SIGKILL)")
class DrillIT {
  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension("drill");

  /** A Redis that wants a password, as a managed one does. */
  @RegisterExtension
  static final RedisExtension PROTECTED = new RedisExtension(RedisServerProcess.builder("drill-auth").password(true));

  @TempDir
  Path tmp;

  private String redis() {
    return REDIS.host() + ":" + REDIS.port();
  }

  @Test
  @DisplayName("kills the active region, and every push (before, in flight, after) is at both destinations with its MD5")
  void everyPushVerifiedAfterTheKill() throws Exception {
    Path dir = tmp.resolve("run");
    DrillJar drill = DrillJar.start(tmp, "--redis", redis(), "--dir", dir.toString(), "--seconds", "12",
        "--kill-after", "5", "--json");
    int code = drill.finish(300);
    JsonNode r = drill.json();
    record(r);
    assertThat(code).as("exit code; stderr:\n" + drill.err() + "\nreport: " + r).isZero();
    assertThat(r.get("verdict").asText()).isEqualTo("pass");
    assertThat(r.get("reasons")).isEmpty();

    String run = r.get("run").asText();
    JsonNode pushes = r.get("pushes");
    int total = pushes.get("total").asInt();
    assertThat(pushes.get("beforeKill").asInt()).as("pushes before the kill").isPositive();
    assertThat(pushes.get("inFlightAtKill").asInt()).as("pushes in flight at the kill").isPositive();
    assertThat(pushes.get("afterKill").asInt()).as("pushes after the kill").isPositive();
    assertThat(pushes.get("beforeKill").asInt() + pushes.get("inFlightAtKill").asInt() + pushes.get("afterKill").asInt())
        .isEqualTo(total);
    assertThat(pushes.get("unacknowledged").asInt()).isZero();
    assertThat(r.get("verified").asInt()).isEqualTo(total);
    assertThat(r.get("lost").asInt()).isZero();
    assertThat(r.get("killedRegion").asText()).isIn("eastus", "westus2").isNotEqualTo(r.get("survivor").asText());
    JsonNode takeover = r.get("takeover");
    assertThat(takeover.get("activeMs").asLong()).isPositive()
        .isLessThanOrEqualTo(takeover.get("firstVerifiedPushMs").asLong());

    // What is on disk, from the test's own reading: exactly the pushes 0..total-1, each with its content's MD5.
    TreeSet<String> expected = new TreeSet<>();
    for (int seq = 0; seq < total; seq++) {
      expected.add(String.format(Locale.ROOT, "drill-%s/push-%06d", run, seq));
    }
    for (String d : List.of("primary", "secondary")) {
      Path dest = dir.resolve(d);
      assertThat(filesUnder(dest, "drill-" + run)).as("objects at " + d).isEqualTo(expected);
      for (int seq = 0; seq < total; seq++) {
        String key = String.format(Locale.ROOT, "drill-%s/push-%06d", run, seq);
        assertThat(md5(Files.readAllBytes(dest.resolve(key)))).as(d + " " + key)
            .isEqualTo(md5(DrillPayload.content(run, seq)));
      }
    }
    for (JsonNode key : r.get("inFlightKeys")) {
      assertThat(expected).contains(key.asText());
    }
    await("the region JVMs gone").atMost(Duration.ofSeconds(30)).until(() -> DrillJar.regionsOf(run).isEmpty());
  }

  @Test
  @DisplayName("fails with exit 2 naming the bound when the takeover cannot meet --max-takeover 1ms")
  void failsOnTheTakeoverBound() throws Exception {
    DrillJar drill = DrillJar.start(tmp, "--redis", redis(), "--dir", tmp.resolve("run").toString(), "--seconds", "6",
        "--kill-after", "2", "--max-takeover", "1ms", "--json");
    int code = drill.finish(300);
    JsonNode r = drill.json();
    assertThat(code).as("exit code; report: " + r).isEqualTo(2);
    assertThat(r.get("verdict").asText()).isEqualTo("fail");
    assertThat(r.get("maxTakeoverMs").asLong()).isEqualTo(1);
    assertThat(texts(r.get("reasons"))).singleElement().asString().contains("--max-takeover 1 ms");
    assertThat(r.get("lost").asInt()).as("every push still verified").isZero();
  }

  @Test
  @DisplayName("fails with exit 2 and names the object when a copy is missing from a destination (--lose-one, test only)")
  void failsWhenACopyIsMissing() throws Exception {
    Path dir = tmp.resolve("run");
    DrillJar drill = DrillJar.start(tmp, "--redis", redis(), "--dir", dir.toString(), "--seconds", "6",
        "--kill-after", "2", "--lose-one", "--max-takeover", "5m", "--json");
    int code = drill.finish(300);
    JsonNode r = drill.json();
    assertThat(code).as("exit code; report: " + r).isEqualTo(2);
    assertThat(r.get("lost").asInt()).isEqualTo(1);
    assertThat(r.get("verified").asInt()).isEqualTo(r.get("pushes").get("total").asInt() - 1);
    String victim = r.get("inFlightKeys").get(0).asText();
    assertThat(texts(r.get("missing"))).containsExactly("secondary: " + victim);
    assertThat(dir.resolve("secondary").resolve(victim)).doesNotExist();
    assertThat(dir.resolve("primary").resolve(victim)).exists();
    assertThat(texts(r.get("reasons"))).singleElement().asString().contains("1 of ").contains("not verified");
  }

  @Test
  @DisplayName("kills both region JVMs when it is stopped with SIGTERM (Ctrl-C) in the middle of the run")
  void stoppedDrillLeavesNoRegionBehind() throws Exception {
    DrillJar drill = DrillJar.start(tmp, "--redis", redis(), "--dir", tmp.resolve("run").toString(), "--seconds", "120",
        "--kill-after", "100");
    await("the drill pushing").atMost(Duration.ofMinutes(2)).until(() -> drill.err().contains("pushing for"));
    Matcher m = Pattern.compile("drill: run ([0-9a-f]+) ").matcher(drill.err());
    assertThat(m.find()).as(drill.err()).isTrue();
    String run = m.group(1);
    assertThat(DrillJar.regionsOf(run)).as("region JVMs while the drill runs").hasSize(2);

    drill.process.destroy();
    drill.finish(60);
    await("the region JVMs gone").atMost(Duration.ofSeconds(30)).until(() -> DrillJar.regionsOf(run).isEmpty());
  }

  @Test
  @DisplayName("with a Redis that wants a password: read from the variable --redis-password-env names, never printed; "
      + "a wrong or unset one exits 3")
  void passwordProtectedRedis() throws Exception {
    String password = PROTECTED.password().orElseThrow();
    String uri = "redis://" + PROTECTED.host() + ":" + PROTECTED.port();
    Path dir = tmp.resolve("run");
    DrillJar drill = DrillJar.start(tmp.resolve("right"), Map.of("DRILL_REDIS_PW", password), "--redis", uri,
        "--redis-password-env", "DRILL_REDIS_PW", "--dir", dir.toString(), "--seconds", "6", "--kill-after", "2",
        "--max-takeover", "5m", "--json");
    int code = drill.finish(300);
    JsonNode r = drill.json();
    assertThat(code).as("exit code; stderr:\n" + drill.err() + "\nreport: " + r).isZero();
    assertThat(r.get("lost").asInt()).isZero();
    assertThat(r.get("verified").asInt()).isEqualTo(r.get("pushes").get("total").asInt()).isPositive();
    assertThat(drill.out() + drill.err()).doesNotContain(password);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".txt")).toList()) {
        assertThat(Files.readString(f)).as(f.toString()).doesNotContain(password);
      }
    }

    String wrongPassword = "not-the-password-" + System.nanoTime();
    DrillJar wrong = DrillJar.start(tmp.resolve("wrong"), Map.of("DRILL_REDIS_PW", wrongPassword), "--redis", uri,
        "--redis-password-env", "DRILL_REDIS_PW", "--dir", tmp.resolve("run-wrong").toString());
    assertThat(wrong.finish(300)).as(wrong.err()).isEqualTo(3);
    assertThat(wrong.err()).contains("could not start").doesNotContain(wrongPassword);

    DrillJar unset = DrillJar.start(tmp.resolve("unset"), Map.of(), "--redis", uri, "--redis-password-env",
        "DRILL_NO_SUCH_VARIABLE", "--dir", tmp.resolve("run-unset").toString());
    assertThat(unset.finish(300)).as(unset.err()).isEqualTo(3);
    assertThat(unset.err()).contains("DRILL_NO_SUCH_VARIABLE").contains("not set");
  }

  @Test
  @DisplayName("exits 3 with one line naming the failure when the Redis given cannot be reached")
  void unreachableRedis() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    DrillJar drill = DrillJar.start(tmp, "--redis", "127.0.0.1:" + port, "--dir", tmp.resolve("run").toString());
    int code = drill.finish(300);
    assertThat(code).as(drill.err()).isEqualTo(3);
    assertThat(drill.out()).isEmpty();
    assertThat(drill.err().lines().filter(l -> l.startsWith("dualpush: ")).toList()).singleElement().asString()
        .contains("could not start").contains("127.0.0.1").contains(String.valueOf(port));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static TreeSet<String> filesUnder(Path dest, String prefix) throws IOException {
    try (Stream<Path> files = Files.walk(dest.resolve(prefix))) {
      TreeSet<String> keys = new TreeSet<>();
      files.filter(Files::isRegularFile).forEach(f -> keys.add(dest.relativize(f).toString()));
      return keys;
    }
  }

  private static String md5(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
  }

  /** The figures of the run, for the record (target/drill-figures.txt). */
  private static void record(JsonNode r) throws IOException {
    String line = String.format(Locale.ROOT, "%s verdict=%s ttl=%dms takeover.active=%sms takeover.firstVerifiedPush=%sms"
        + " pushes=%s verified=%s lost=%s%n", java.time.Instant.now(), r.path("verdict").asText(),
        r.path("leaseTtlMs").asLong(), r.path("takeover").path("activeMs").asText(),
        r.path("takeover").path("firstVerifiedPushMs").asText(), r.path("pushes"), r.path("verified").asText(),
        r.path("lost").asText());
    System.out.print("FIGURE " + line);
    Path file = Path.of("target", "drill-figures.txt");
    Files.writeString(file, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }
}
