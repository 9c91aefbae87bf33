package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM hands objects off with {@code StagedHandoff} to two file-system destinations (and a file log) and is
 * SIGKILLed at random instants and restarted (each start resumes what the last left), while this JVM reads the
 * final keys of both destinations all along and checks every object it sees against the source MD5, and that the
 * other destination holds it too (staged or final): a final object is never partial, wrong or unconfirmed. At the
 * end every object is final on both destinations and nothing is left under the staging prefix. Objects: {@code
 * -Ddualpush.staged.objects} (300); kills: {@code -Ddualpush.crash.kills} (25).
 */
@DisplayName("Staged hand-off across SIGKILLed processes")
class KillNineStagedHandoffIT {
  private static final int OBJECTS = Integer.getInteger("dualpush.staged.objects", 300);
  private static final int KILLS = Integer.getInteger("dualpush.crash.kills", 25);

  @TempDir
  Path dir;

  @Test
  @DisplayName("a reader of the final keys never sees a partial, unverified or wrong object; all final, none staged")
  void readersNeverSeeUnconfirmedObjects() throws Exception {
    Path primaryDir = Files.createDirectories(dir.resolve("primary"));
    Path drDir = Files.createDirectories(dir.resolve("dr"));
    Path logDir = Files.createDirectories(dir.resolve("log"));
    Map<String, String> md5s = new ConcurrentHashMap<>();
    for (int i = 0; i < OBJECTS; i++) {
      String key = HandoffWorkerMain.key(i);
      md5s.put(key, Md5.of(HandoffWorkerMain.content(key)));
    }
    // Separate instances over the same directories: the reader shares nothing with the writer but the disk.
    FileSystemDestination primary = new FileSystemDestination(primaryDir);
    FileSystemDestination dr = new FileSystemDestination(drDir);
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicLong seen = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader = new Thread(() -> read(primary, dr, md5s, violations, seen, stop), "final-key-reader");
    reader.setDaemon(true);
    reader.start();

    Random random = new Random(Long.getLong("dualpush.crash.seed", System.nanoTime()));
    List<String> args = List.of(primaryDir.toString(), drDir.toString(), logDir.toString(), String.valueOf(OBJECTS));
    int kills = 0;
    int starts = 0;
    int handed = 0;
    try {
      while (kills < KILLS) {
        try (ChildJvm child = ChildJvm.start("handoff-" + starts++, HandoffWorkerMain.class, dir, args)) {
          child.await(0, "STARTED", Duration.ofMinutes(1));
          // A random instant: the sleep picks it, nothing waits on it.
          Thread.sleep(100 + random.nextInt(900));
          if (!child.isAlive()) {
            // It finished before the instant came: every object is handed off; the next start has nothing to do.
            child.await(0, "DONE", Duration.ofMinutes(1));
            break;
          }
          child.kill();
          kills++;
          child.awaitEnd(Duration.ofMinutes(1));
          handed += child.lines(0, l -> l.is("HANDED")).size();
        }
      }
      try (ChildJvm last = ChildJvm.start("handoff-" + starts++, HandoffWorkerMain.class, dir, args)) {
        last.await(0, "DONE", Duration.ofMinutes(10));
        handed += last.lines(0, l -> l.is("HANDED")).size();
        assertThat(last.waitForExit(Duration.ofMinutes(1))).isTrue();
        assertThat(last.exitValue()).as(last.stderrTail()).isZero();
      }
    } finally {
      stop.set(true);
      reader.join(Duration.ofMinutes(1).toMillis());
    }

    assertThat(violations).as("what the reader of final keys saw").isEmpty();
    assertThat(seen.get()).as("final objects the reader checked").isPositive();
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, String> e : md5s.entrySet()) {
      for (Destination d : List.of(primary, dr)) {
        String md5 = read(d, e.getKey()).orElse("missing");
        if (!md5.equals(e.getValue())) {
          wrong.add(d.describe() + " " + e.getKey() + ": " + md5 + ", source " + e.getValue());
        }
      }
    }
    assertThat(wrong).as("final objects missing or wrong at the end").isEmpty();
    for (Path root : List.of(primaryDir, drDir)) {
      // FileSystemDestination keeps an object at DIR/<key> (it cannot list): a staged one under DIR/_staging/.
      Path staging = root.resolve("_staging");
      List<Path> left = new ArrayList<>();
      if (Files.exists(staging)) {
        try (Stream<Path> files = Files.walk(staging)) {
          files.filter(Files::isRegularFile).forEach(left::add);
        }
      }
      assertThat(left).as("staged objects left in %s", root.getFileName()).isEmpty();
    }
    System.out.println("FIGURE staged hand-off: " + OBJECTS + " objects, " + kills + " SIGKILLs, " + starts
        + " worker starts, " + handed + " hand-offs completed, " + seen.get()
        + " final objects read and checked; none partial, wrong or unconfirmed; none left staged");
  }

  /** Reads every final key on both destinations, over and over, until told to stop. */
  private static void read(Destination primary, Destination dr, Map<String, String> md5s, List<String> violations,
      AtomicLong seen, AtomicBoolean stop) {
    while (!stop.get()) {
      for (int i = 0; i < OBJECTS && !stop.get(); i++) {
        String key = HandoffWorkerMain.key(i);
        String md5 = md5s.get(key);
        check(primary, dr, key, md5, violations, seen);
        check(dr, primary, key, md5, violations, seen);
      }
    }
  }

  private static void check(Destination d, Destination other, String key, String md5, List<String> violations,
      AtomicLong seen) {
    Optional<String> read;
    try {
      read = read(d, key);
    } catch (RuntimeException e) {
      add(violations, d.describe() + " " + key + ": reading failed: " + e);
      return;
    }
    if (read.isEmpty()) {
      return;
    }
    seen.incrementAndGet();
    if (!read.get().equals(md5)) {
      add(violations, d.describe() + " " + key + ": read MD5 " + read.get() + ", source " + md5);
      return;
    }
    // Confirmed everywhere: the other copy is staged, or final already (staged first: a staged copy is deleted
    // only once every final copy is there).
    boolean staged = other.head("_staging/" + key).flatMap(ObjectInfo::md5).map(md5::equals).orElse(false);
    boolean fin = other.head(key).flatMap(ObjectInfo::md5).map(md5::equals).orElse(false);
    if (!staged && !fin) {
      add(violations, d.describe() + " " + key + ": final here while " + other.describe()
          + " holds neither a staged nor a final copy");
    }
  }

  /** Keeps the first 50 violations (one is one too many; a broken hand-off would fill the heap). */
  private static void add(List<String> violations, String violation) {
    if (violations.size() < 50) {
      violations.add(violation);
    }
  }

  /** The MD5 of the object at {@code key}, read whole, or empty when there is none. */
  private static Optional<String> read(Destination d, String key) {
    Optional<InputStream> in = d.get(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream s = in.get()) {
      return Optional.of(Md5.of(s).base64());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
