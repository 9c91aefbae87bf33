package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, the log as a user meets it: one local region made unwritable for part of a 1,000-file push gave
 * thousands of WARN and INFO lines and 174 ERROR lines. The packaged CLI now says the region went down once, says it
 * came back once, and tells the rest through a few coalesced alerts, while its report and exit code still say
 * exactly which copies were not verified.
 *
 * <p>The region is broken by putting a regular file in place of its directory (which stops writes even for root,
 * unlike {@code chmod 000}). The child is paused (SIGSTOP) while the directory is swapped, so the swap happens
 * between two of its writes with files still left to push, whatever the machine's speed.
 */
@DisplayName("The CLI's log during one region's outage")
class OutageLogLinesIT {
  private static final int FILES = 1000;
  /** Liveness bound only. */
  private static final Duration BOUND = Duration.ofMinutes(3);
  private static final Pattern WARN_OR_ERROR = Pattern.compile("\\[(WARN|ERROR)\\]");
  private static final Pattern SUMMARY = Pattern.compile("(\\d+) transaction\\(s\\), .*: (\\d+) verified, (\\d+) not verified");

  @TempDir
  Path tmp;

  @Test
  @DisplayName("1,000 files, one region down then back: one down line, one up line, at most 40 WARN/ERROR lines, and a truthful report")
  void fewLinesAndATruthfulReport() throws Exception {
    Path source = Files.createDirectories(tmp.resolve("source"));
    byte[] body = new byte[4096];
    for (int i = 0; i < FILES; i++) {
      body[0] = (byte) i;
      body[1] = (byte) (i >> 8);
      Files.write(source.resolve(String.format("part-%04d.bin", i)), body);
    }
    Path primary = Files.createDirectories(tmp.resolve("primary"));
    Path secondary = Files.createDirectories(tmp.resolve("secondary"));
    Path away = tmp.resolve("secondary.away");

    Process child = JarCli.start(List.of(), Map.of(), "push", source.toString(), "--destination", "primary=" + primary,
        "--destination", "secondary=" + secondary, "--log", tmp.resolve("log").toString(), "--parallel", "2",
        "--breaker-open-delay", "1", "--progress", "3600");
    try {
      // Some files in, then the region goes away between two writes.
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> objects(primary) >= 50);
      signal(child, "STOP");
      Files.move(secondary, away);
      Files.writeString(secondary, "not a directory");
      signal(child, "CONT");

      // The run says the region is down; it goes on pushing to the other one for a few hundred files, each of
      // them a failed push (its copy refused by the open breaker, or failed by a trial call).
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5))
          .until(() -> JarCli.errSoFar(child).contains("Destination secondary is down"));
      long atDown = objects(primary);
      await().atMost(BOUND).pollInterval(Duration.ofMillis(5)).until(() -> objects(primary) >= atDown + 200);
      signal(child, "STOP");
      assertThat(objects(primary)).as("files are left to push after the outage").isLessThan(FILES);
      Files.delete(secondary);
      Files.move(away, secondary);
      // The breaker leaves the region alone for its open delay of real time in the child: let that time pass while
      // the child is paused, so that its next write is the trial that finds the region back.
      Instant due = Instant.now().plusMillis(1500);
      await().atMost(BOUND).pollInterval(Duration.ofMillis(50)).until(() -> Instant.now().isAfter(due));
      signal(child, "CONT");
    } catch (Throwable t) {
      signal(child, "CONT");
      throw t;
    }
    JarCli run = JarCli.finish(child, (int) BOUND.toSeconds());

    // For the reader of the test report: what the user saw.
    System.out.println(run);
    String all = run.out() + "\n" + run.err();
    List<String> loud = all.lines().filter(l -> WARN_OR_ERROR.matcher(l).find()).toList();
    assertThat(loud).as("WARN and ERROR lines of %s", run).hasSizeLessThanOrEqualTo(40);
    assertThat(run.err().lines().filter(l -> l.contains("[WARN] destinations - Destination secondary is down: ")
        && l.contains("writes held for repair until it is back"))).as(run.toString()).hasSize(1);
    assertThat(run.err().lines().filter(l -> l.contains("[INFO] destinations - Destination secondary is back after ")))
        .as(run.toString()).hasSize(1);
    assertThat(run.err()).contains("ALERT CONNECTION_FAILURE [HIGH] Destination secondary is down")
        .contains("RESOLVED CONNECTION_FAILURE [HIGH] Destination secondary is back after");
    // The failed pushes: the first at once, the rest as one summary with their count (when the client closes).
    assertThat(run.err().lines().filter(l -> l.contains("ALERT PUSH_FAILURE [HIGH]"))).as(run.toString()).hasSize(2);
    assertThat(run.err()).containsPattern("ALERT PUSH_FAILURE \\[HIGH\\] .*\\(and \\d{3,} more in the last 60 s");

    // Truthful: every file reached the primary; the report counts as not verified exactly the copies the
    // secondary lacks, and the exit code follows.
    assertThat(objects(primary)).isEqualTo(FILES);
    Matcher m = SUMMARY.matcher(run.out());
    assertThat(m.find()).as(run.toString()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isEqualTo(FILES);
    int notVerified = Integer.parseInt(m.group(3));
    assertThat(notVerified).as(run.toString()).isEqualTo(FILES - objects(secondary));
    assertThat(run.out()).contains("pushed " + FILES + " file(s)");
    assertThat(run.code()).as(run.toString()).isEqualTo(notVerified > 0 ? Main.EXIT_NOT_VERIFIED : Main.EXIT_OK);
  }

  /**
   * The objects under {@code dir}, while the child may be writing there: its own directory ({@code .dualpush},
   * temporary files that come and go) is not walked, and an entry gone between listing and reading is skipped.
   */
  private static long objects(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    long[] count = {0};
    Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
      @Override
      public java.nio.file.FileVisitResult preVisitDirectory(Path d, java.nio.file.attribute.BasicFileAttributes a) {
        return d.equals(dir.resolve(".dualpush")) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
            : java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
        if (a.isRegularFile()) {
          count[0]++;
        }
        return java.nio.file.FileVisitResult.CONTINUE;
      }

      @Override
      public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
        if (e instanceof java.nio.file.NoSuchFileException) {
          return java.nio.file.FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    return count[0];
  }

  private static void signal(Process child, String signal) throws IOException, InterruptedException {
    if (!child.isAlive()) {
      return;
    }
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).inheritIO().start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).as("kill -%s", signal).isZero();
  }
}
