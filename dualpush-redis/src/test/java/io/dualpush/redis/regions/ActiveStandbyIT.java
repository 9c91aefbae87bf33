package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.regions.ChildJvm.Line;
import io.dualpush.spi.Destination;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.RedisExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two region processes (child JVMs running {@link RegionMain}) share one real redis-server and one
 * pair of local destinations (and, where said, an Azurite container). The parent kills, freezes and
 * closes them, and stops Redis, and checks the protocol's bounds: each is computed from the TTL,
 * the renew interval and the renew deadline plus a generous slack for starting threads on a busy
 * machine, so they test the protocol, not the machine's speed. The measured figures are printed
 * (and appended to {@code target/region-figures.txt}) for the record.
 */
@DisplayName("Two regions sharing one Redis lease and one set of destinations")
class ActiveStandbyIT {
  /** Added to every protocol bound: a child's listener thread, the pipe, and the parent's reader. */
  private static final Duration SLACK = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension("regions");

  @RegisterExtension
  static final AzuriteExtension AZURITE = new AzuriteExtension("regions");

  @TempDir
  Path dir;

  private final List<ChildJvm> children = new ArrayList<>();
  private String lease;

  @BeforeEach
  void name() throws IOException {
    lease = "active_dc-" + UUID.randomUUID();
    Files.createDirectories(dir.resolve("dest1"));
    Files.createDirectories(dir.resolve("dest2"));
  }

  @AfterEach
  void killChildren(org.junit.jupiter.api.TestInfo test) throws Exception {
    Path logs = Files.createDirectories(Path.of("target", "region-logs"));
    for (ChildJvm c : children) {
      c.close();
      // Every event of every child, for reading a failure (or the timings) afterwards.
      Files.write(logs.resolve(test.getTestMethod().map(m -> m.getName()).orElse("test") + "-" + c.name() + ".txt"),
          c.lines().stream().map(Line::text).toList());
    }
  }

  /** TTL, renew interval and renew deadline of both regions in one test. */
  record Timing(Duration ttl, Duration renew, Duration deadline) {
    static Timing of(long ttlMs, long renewMs, long deadlineMs) {
      return new Timing(Duration.ofMillis(ttlMs), Duration.ofMillis(renewMs), Duration.ofMillis(deadlineMs));
    }
  }

  private ChildJvm region(String owner, Timing t, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("--redis", REDIS.host() + ":" + REDIS.port(), "--lease", lease,
        "--owner", owner, "--ttl-ms", Long.toString(t.ttl().toMillis()), "--renew-ms", Long.toString(t.renew().toMillis()),
        "--deadline-ms", Long.toString(t.deadline().toMillis()), "--dir1", dir.resolve("dest1").toString(),
        "--dir2", dir.resolve("dest2").toString(), "--log", dir.resolve("log-" + owner).toString(), "--interval-ms", "20"));
    args.addAll(List.of(extra));
    ChildJvm c = ChildJvm.start(owner, RegionMain.class, dir.resolve("work"), args);
    children.add(c);
    return c;
  }

  /** Starts A and waits until it is active and has pushed; then starts B and waits until it is standby. */
  private ChildJvm[] activeAndStandby(Timing t, String... extra) throws Exception {
    return activeAndStandby(t, List.of(), extra);
  }

  /** As above, with {@code onlyA} added to A's arguments alone. */
  private ChildJvm[] activeAndStandby(Timing t, List<String> onlyA, String... extra) throws Exception {
    List<String> argsA = new ArrayList<>(List.of(extra));
    argsA.addAll(onlyA);
    ChildJvm a = region("A", t, argsA.toArray(String[]::new));
    a.await(0, "ACTIVE", WAIT);
    a.await(0, l -> l.is("PUSHED") && l.text().contains("verified=true"), WAIT, "a verified push");
    ChildJvm b = region("B", t, extra);
    b.await(0, "STANDBY", WAIT);
    b.await(0, l -> l.is("REFUSED") && l.text().contains("NotActive"), WAIT, "a push refused while standby");
    assertThat(b.lines(0, l -> l.is("ACTIVE"))).as("B while A holds the lease").isEmpty();
    return new ChildJvm[] {a, b};
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static void record(String figure) throws IOException {
    String line = String.format(Locale.ROOT, "%s %s%n", java.time.Instant.now(), figure);
    System.out.print("FIGURE " + line);
    Path file = Path.of("target", "region-figures.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(file, line, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  @Nested
  @DisplayName("when the active region is killed with SIGKILL")
  class Killed {
    @Test
    @DisplayName("the standby becomes active within the TTL plus one renew interval of the kill, with a greater token")
    void standbyTakesOverWithinTtlPlusRenew() throws Exception {
      Timing t = Timing.of(3000, 500, 2000);
      ChildJvm[] ab = activeAndStandby(t);
      ChildJvm a = ab[0];
      ChildJvm b = ab[1];
      long oldToken = a.await(0, "ACTIVE", WAIT).longField("token");
      int from = b.lineCount();

      long killedAt = System.nanoTime();
      a.kill();
      Line active = b.await(from, "ACTIVE", WAIT);

      long takeover = active.longField("t") - killedAt;
      record(String.format(Locale.ROOT, "takeover after SIGKILL: %.0f ms (TTL %d ms, renew %d ms)", millis(takeover),
          t.ttl().toMillis(), t.renew().toMillis()));
      assertThat(Duration.ofNanos(takeover)).as("takeover after the kill")
          .isLessThanOrEqualTo(t.ttl().plus(t.renew()).plus(SLACK));
      assertThat(active.longField("token")).as("the new holder's token").isGreaterThan(oldToken);
      b.await(from, l -> l.is("PUSHED") && l.text().contains("verified=true"), WAIT, "B's first verified push");
    }
  }

  @Nested
  @DisplayName("when the active region closes gracefully")
  class Closed {
    @Test
    @DisplayName("it releases the lease and the standby becomes active well before the lease could have expired")
    void releaseHandsOverAtOnce() throws Exception {
      // A long TTL: without the release, B could not be active before TTL - renew interval had passed.
      Timing t = Timing.of(10_000, 1000, 6000);
      ChildJvm[] ab = activeAndStandby(t);
      ChildJvm a = ab[0];
      ChildJvm b = ab[1];
      int from = b.lineCount();

      long asked = System.nanoTime();
      a.send("close");
      long closed = a.await(0, "CLOSED", WAIT).longField("t");
      Line active = b.await(from, "ACTIVE", WAIT);

      long takeover = active.longField("t") - asked;
      record(String.format(Locale.ROOT, "takeover after a graceful close: %.0f ms from asking A to close, %.0f ms from "
          + "A's coordinator closed (TTL %d ms, renew %d ms)", millis(takeover), millis(active.longField("t") - closed),
          t.ttl().toMillis(), t.renew().toMillis()));
      assertThat(Duration.ofNanos(takeover)).as("takeover after the close")
          .isLessThan(t.ttl().minus(t.renew()));
      assertThat(a.waitForExit(WAIT)).as("A exited").isTrue();
      assertThat(a.exitValue()).isZero();
    }
  }

  @Nested
  @DisplayName("when Redis stops answering (paused with SIGSTOP) or is stopped, and comes back")
  class RedisAway {
    @Test
    @DisplayName("paused: the holder steps down before its lease could have expired, refuses pushes, and is active again after")
    void pausedHolderStepsDownThenResumes() throws Exception {
      holderStepsDownThenResumes(false);
    }

    @Test
    @DisplayName("stopped and restarted without persistence: the holder steps down in time and is active again with a "
        + "greater token, which the destinations accept")
    void stoppedHolderStepsDownThenResumes() throws Exception {
      holderStepsDownThenResumes(true);
    }

    private void holderStepsDownThenResumes(boolean stop) throws Exception {
      Timing t = Timing.of(6000, 1000, 3000);
      ChildJvm a = region("A", t);
      long firstToken = a.await(0, "ACTIVE", WAIT).longField("token");
      a.await(0, l -> l.is("PUSHED") && l.text().contains("verified=true"), WAIT, "a verified push");
      // Let a renew or two succeed, so the last one is at most one renew interval before Redis goes.
      Thread.sleep(t.renew().multipliedBy(2).toMillis());
      int from = a.lineCount();

      long gone = System.nanoTime();
      if (stop) {
        REDIS.stop();
      } else {
        REDIS.pause();
      }
      try {
        Line down = a.await(from, l -> l.is("LOST") || l.is("STANDBY"), WAIT, "LOST or STANDBY");
        long stepDown = down.longField("t") - gone;
        record(String.format(Locale.ROOT, "step-down after Redis %s: %.0f ms (TTL %d ms, renew %d ms, deadline %d ms)",
            stop ? "stopped" : "paused", millis(stepDown), t.ttl().toMillis(), t.renew().toMillis(), t.deadline().toMillis()));
        // The last renew that succeeded was sent at most one renew interval before Redis went, so the
        // lease lasts on Redis at least until then + TTL: the holder must have stepped down before.
        assertThat(Duration.ofNanos(stepDown)).as("step-down after Redis went")
            .isLessThan(t.ttl().minus(t.renew()))
            .isLessThanOrEqualTo(t.deadline().plus(SLACK));
        // While Redis is away, pushes are refused; once one was, none is verified until Redis returns
        // (a push whose copies were all written before the step-down may still report afterwards).
        Line refused = a.await(a.lines().indexOf(down), l -> l.is("REFUSED") && l.text().contains("NotActive"), WAIT,
            "a push refused while down");
        Thread.sleep(t.renew().toMillis());
        assertThat(a.lines(a.lines().indexOf(refused), l -> l.is("PUSHED") && l.text().contains("verified=true")))
            .as("verified pushes while stepped down").isEmpty();
      } finally {
        if (stop) {
          REDIS.start();
        } else {
          REDIS.resume();
        }
      }
      Line again = a.await(from, "ACTIVE", WAIT);
      long token = again.longField("token");
      record(String.format(Locale.ROOT, "active again after Redis %s: token %s", stop ? "restarted" : "resumed",
          token == firstToken ? "unchanged (a renewal sent before the step-down was answered late)" : "greater"));
      if (stop) {
        // Redis lost the token counter: the next token must still be greater, or the destinations,
        // which remember the old one per object, would refuse the holder for good.
        assertThat(token).as("the token after Redis lost its data").isGreaterThan(firstToken);
      } else {
        assertThat(token).as("the token after Redis returned").isGreaterThanOrEqualTo(firstToken);
      }
      a.await(a.lines().indexOf(again), l -> l.is("PUSHED") && l.text().contains("verified=true")
          && l.text().contains("token=" + token + " "), WAIT, "a verified push with the token held now");
    }
  }

  @Nested
  @DisplayName("when the active region is frozen with SIGSTOP past its TTL")
  class Frozen {
    @Test
    @DisplayName("the standby takes over; the frozen one learns it lost the lease, and its late write with the old token "
        + "is refused by the file destinations and Azurite and never counted as verified")
    void lateWriteWithOldTokenIsRefused() throws Exception {
      Timing t = Timing.of(3000, 500, 2000);
      String container = "c" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
      Path hold = dir.resolve("hold");
      String[] extra = {"--azure", AZURITE.connectionString(), "--container", container};
      ChildJvm[] ab = activeAndStandby(t, List.of("--hold", hold.toString()), extra);
      ChildJvm a = ab[0];
      ChildJvm b = ab[1];
      long oldToken = a.await(0, "ACTIVE", WAIT).longField("token");

      // A's next write takes the token and waits in every destination (the test hook); then A is frozen.
      int fromA = a.lineCount();
      Files.createFile(hold);
      Line held = a.await(fromA, "HELD", WAIT);
      assertThat(held.longField("token")).isEqualTo(oldToken);
      String heldKey = held.field("key").orElseThrow();
      int heldAt = a.lines().indexOf(held);
      for (String id : List.of("dir1", "dir2", "azure")) {
        a.await(heldAt, l -> l.is("HELD") && l.text().contains("id=" + id + " "), WAIT, "the write to " + id + " held");
      }
      int fromB = b.lineCount();
      a.pause();
      long frozen = System.nanoTime();
      try {
        Line active = b.await(fromB, "ACTIVE", WAIT);
        long newToken = active.longField("token");
        assertThat(newToken).isGreaterThan(oldToken);
        assertThat(Duration.ofNanos(active.longField("t") - frozen)).as("takeover after the freeze")
            .isLessThanOrEqualTo(t.ttl().plus(t.renew()).plus(SLACK));
        // B writes every key (50 of them) under its token, so each key is fenced at the new token.
        awaitAllKeysPushed(b, fromB, newToken);
        // The hold is lifted while A is still frozen: on SIGCONT its write goes out at once, racing
        // with its coordinator noticing the loss. That is the case the destinations must catch.
        Files.delete(hold);
      } finally {
        a.resume();
      }
      a.await(heldAt, "LOST", WAIT);
      // Every held write reaches its destination with the old token, and each refuses it.
      for (String id : List.of("dir1", "dir2", "azure")) {
        Line dest = a.await(heldAt, l -> l.is("DEST") && l.text().contains("id=" + id + " ")
            && l.text().contains("key=" + heldKey + " "), WAIT, "the late write to " + id);
        assertThat(dest.text()).as("the late write to " + id).contains("token=" + oldToken).contains("result=stale");
      }
      Line outcome = a.await(heldAt, l -> (l.is("PUSHED") || l.is("REFUSED")) && l.text().contains("key=" + heldKey + " "),
          WAIT, "the held push's outcome");
      assertThat(outcome.text()).as("the held push's outcome").doesNotContain("verified=true");
      // Nothing A did after the freeze was verified, and whatever it tried afterwards was refused.
      b.await(b.lineCount(), l -> l.is("PUSHED") && l.text().contains("verified=true"), WAIT, "B still pushing");
      assertThat(a.lines(heldAt, l -> l.is("PUSHED") && l.text().contains("verified=true"))).isEmpty();
      assertThat(a.lines(heldAt, l -> l.is("DEST") && l.text().contains("result=ok"))).isEmpty();

      closeAll(a, b);
      BlobContainerClient blobs = new BlobServiceClientBuilder().connectionString(AZURITE.connectionString()).buildClient()
          .getBlobContainerClient(container);
      for (Destination d : List.of(new FileSystemDestination(dir.resolve("dest1")),
          new FileSystemDestination(dir.resolve("dest2")), new AzureBlobDestination(blobs))) {
        for (int k = 0; k < 50; k++) {
          assertThat(content(d, "obj-" + k)).as(d.describe() + " obj-" + k).startsWith("owner=B ");
        }
      }
    }
  }

  private static void awaitAllKeysPushed(ChildJvm b, int from, long token) throws InterruptedException {
    Set<String> keys = new HashSet<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (keys.size() < 50) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("B pushed only " + keys.size() + " keys under token " + token);
      }
      for (Line l : b.lines(from, l -> l.is("PUSHED") && l.text().contains("verified=true")
          && l.text().contains("token=" + token + " "))) {
        keys.add(l.field("key").orElseThrow());
      }
      Thread.sleep(50);
    }
  }

  private static void closeAll(ChildJvm... regions) throws Exception {
    for (ChildJvm r : regions) {
      if (r.isAlive()) {
        r.send("close");
        assertThat(r.waitForExit(WAIT)).as(r + " exited").isTrue();
      }
    }
  }

  private static String content(Destination d, String key) {
    try (InputStream in = d.get(key).orElseThrow(() -> new AssertionError(d.describe() + " has no " + key))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
