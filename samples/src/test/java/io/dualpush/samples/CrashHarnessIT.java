package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.Md5;
import io.dualpush.spi.TransactionRecord;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * G1, G2 and G8 under kill -9. A child JVM pushes a few thousand files to two local destinations
 * with the file log; the parent SIGKILLs it at a random instant, then checks:
 * <ol>
 *   <li>no destination holds a torn object: every file at a final path is byte-identical to some
 *       version of its source;</li>
 *   <li>the log still opens, and after recovery (the samples' {@code repair}, run in this JVM)
 *       every push acknowledged before the kill is verified on both destinations, with the
 *       acknowledged bytes;</li>
 *   <li>re-pushing the source (the samples' {@code push}) completes the rest and rewrites nothing
 *       already correct: those files keep their inode and modification time, and the number of
 *       copies written equals the number that were missing or stale.</li>
 * </ol>
 * Between kills a tenth of the source changes, so later runs write as well as log. The number of
 * kills is {@code -Dcrash.kills} (25 by default; the {@code crash500} profile runs 500).
 */
class CrashHarnessIT {
  private static final Logger LOG = LoggerFactory.getLogger(CrashHarnessIT.class);
  private static final int FILES = 2_000;
  private static final int LARGE_FILES = 20;

  @TempDir
  Path tmp;
  private final Random random = new Random(Long.getLong("crash.seed", System.nanoTime()));
  private final Map<String, Set<String>> versions = new HashMap<>();
  private Path source;
  private Path primary;
  private Path secondary;
  private Path log;

  @Test
  @DisplayName("SIGKILL at random instants: no torn object, every acknowledged push verified after recovery, re-push rewrites nothing")
  void killNineRepeatedly() throws Exception {
    int kills = Integer.getInteger("crash.kills", 25);
    source = Files.createDirectories(tmp.resolve("source"));
    primary = Files.createDirectories(tmp.resolve("primary"));
    secondary = Files.createDirectories(tmp.resolve("secondary"));
    log = Files.createDirectories(tmp.resolve("log"));
    for (int i = 0; i < FILES; i++) {
      writeVersion(key(i), i < LARGE_FILES);
    }
    long typicalRunMillis = 3_000;
    int done = 0;
    int finishedBeforeKill = 0;
    long checkedAcks = 0;
    while (done < kills) {
      long delay = 20 + (long) (random.nextDouble() * typicalRunMillis * 0.9);
      Child child = Child.start(classpath(), CrashChild.class.getName(), source.toString(), primary.toString(),
          secondary.toString(), log.toString());
      long t0 = System.nanoTime();
      child.awaitLine("READY", 60);
      Thread.sleep(delay);
      boolean killed = child.kill();
      if (!killed) {
        finishedBeforeKill++;
        // Aim the next kills inside a run as long as this one took from READY to DONE.
        typicalRunMillis = Math.max(100, child.readyToDoneMillis());
      } else {
        done++;
      }
      List<String[]> acks = child.acks();
      long t1 = System.nanoTime();
      assertNoTornObject();
      long t2 = System.nanoTime();
      recoverAndCheck(acks);
      long t3 = System.nanoTime();
      checkedAcks += acks.size();
      rePushAndCheck();
      long t4 = System.nanoTime();
      LOG.info("kill {}/{} after {} ms{}: {} acknowledged push(es) checked; run {} ms, torn check {} ms, recovery {} ms,"
          + " re-push {} ms", done, kills, delay, killed ? "" : " (finished first)", acks.size(), (t1 - t0) / 1_000_000,
          (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, (t4 - t3) / 1_000_000);
      mutateSource();
    }
    LOG.info("{} kills, {} runs finished before their kill, {} acknowledged pushes checked", done,
        finishedBeforeKill, checkedAcks);
    assertThat(done).isEqualTo(kills);
    assertThat(checkedAcks).as("kills landed while pushes were being acknowledged").isPositive();
  }

  private static String key(int i) {
    return String.format("gold/part-%02d/file-%05d.bin", i % 50, i);
  }

  private void writeVersion(String key, boolean large) throws IOException {
    byte[] bytes = new byte[large ? (1 << 20) + random.nextInt(1 << 20) : 64 + random.nextInt(8_192)];
    random.nextBytes(bytes);
    Path file = source.resolve(key);
    Files.createDirectories(file.getParent());
    Files.write(file, bytes);
    versions.computeIfAbsent(key, k -> new HashSet<>()).add(Md5.of(bytes));
  }

  private void mutateSource() throws IOException {
    for (int i = 0; i < FILES; i++) {
      if (random.nextInt(10) == 0) {
        writeVersion(key(i), i < LARGE_FILES);
      }
    }
  }

  /** Every object at a final path is some whole version of its source. */
  private void assertNoTornObject() throws IOException {
    for (Path dest : List.of(primary, secondary)) {
      for (Path file : objects(dest)) {
        String key = dest.relativize(file).toString();
        assertThat(versions).as("unexpected object %s in %s", key, dest).containsKey(key);
        assertThat(versions.get(key)).as("torn or foreign object %s in %s", key, dest).contains(md5(file));
      }
    }
  }

  private void recoverAndCheck(List<String[]> acks) throws Exception {
    // The restart: a new process would do exactly this; in this JVM it skips a JVM start per kill.
    Cli repair = Cli.run("repair", "--destination", "primary=" + primary, "--destination", "secondary=" + secondary,
        "--log", log.toString());
    assertThat(repair.code()).as("repair after the kill: %s %s", repair.out(), repair.err()).isZero();
    try (FileTransactionLog reopened = FileTransactionLog.openReadOnly(log)) {
      for (String[] ack : acks) {
        String key = ack[1];
        String txn = ack[2];
        String md5 = ack[3];
        TransactionRecord latest = reopened.latest(key).orElseThrow(() -> new AssertionError("log lost " + key));
        assertThat(latest.transactionId()).as("acknowledged %s is the newest of its key", txn).isEqualTo(txn);
        assertThat(latest.state()).as("acknowledged %s", txn).isEqualTo(TransactionState.VERIFIED);
        assertThat(latest.copies()).extracting(CopyRecord::status).containsOnly(CopyStatus.VERIFIED);
        assertThat(md5(primary.resolve(key))).as("primary copy of %s", key).isEqualTo(md5);
        assertThat(md5(secondary.resolve(key))).as("secondary copy of %s", key).isEqualTo(md5);
      }
    }
  }

  private void rePushAndCheck() throws Exception {
    Map<Path, Object[]> correctBefore = new HashMap<>();
    int stale = 0;
    for (Path dest : List.of(primary, secondary)) {
      for (int i = 0; i < FILES; i++) {
        Path copy = dest.resolve(key(i));
        if (Files.exists(copy) && md5(copy).equals(md5(source.resolve(key(i))))) {
          BasicFileAttributes a = Files.readAttributes(copy, BasicFileAttributes.class);
          correctBefore.put(copy, new Object[] {a.fileKey(), a.lastModifiedTime()});
        } else {
          stale++;
        }
      }
    }
    Cli push = Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--destination",
        "secondary=" + secondary, "--log", log.toString(), "--json", "--parallel", "32");
    assertThat(push.code()).as("re-push: %s", push.err()).isZero();
    JsonNode json = push.json();
    assertThat(json.get("verified").asInt()).isEqualTo(FILES);
    assertThat(json.get("written").asInt()).as("copies written = copies missing or stale").isEqualTo(stale);
    for (Map.Entry<Path, Object[]> e : correctBefore.entrySet()) {
      BasicFileAttributes a = Files.readAttributes(e.getKey(), BasicFileAttributes.class);
      assertThat(new Object[] {a.fileKey(), a.lastModifiedTime()}).as("%s was rewritten", e.getKey())
          .isEqualTo(e.getValue());
    }
    for (int i = 0; i < FILES; i++) {
      String want = md5(source.resolve(key(i)));
      assertThat(md5(primary.resolve(key(i)))).isEqualTo(want);
      assertThat(md5(secondary.resolve(key(i)))).isEqualTo(want);
    }
  }

  private static List<Path> objects(Path dest) throws IOException {
    try (Stream<Path> s = Files.walk(dest)) {
      return s.filter(Files::isRegularFile).filter(p -> !dest.relativize(p).startsWith(".dualpush")).toList();
    }
  }

  private static String md5(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Md5.of(in).base64();
    }
  }

  private static String classpath() {
    Path jar = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();
    Path testClasses = Path.of("target/test-classes").toAbsolutePath();
    return jar + File.pathSeparator + testClasses;
  }

  /** A child JVM whose stdout and stderr are collected line by line. */
  static final class Child {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile long readyAt;
    private volatile long doneAt;

    private Child(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            if (line.equals("READY")) {
              readyAt = System.nanoTime();
            } else if (line.equals("DONE")) {
              doneAt = System.nanoTime();
            }
            lines.add(line);
          }
        } catch (IOException e) {
          // the process died: what was read is what there is
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(String classpath, String main, String... args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, main));
      cmd.addAll(List.of(args));
      return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    void awaitLine(String expected, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (!lines.contains(expected)) {
        if (!process.isAlive() && !reader.isAlive()) {
          throw new AssertionError("child exited before '" + expected + "': " + output());
        }
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new AssertionError("no '" + expected + "' from the child: " + output());
        }
        Thread.sleep(5);
      }
    }

    /** SIGKILL (destroyForcibly on Linux); returns false when the child had already finished. */
    boolean kill() throws InterruptedException {
      boolean alive = process.isAlive() && !lines.contains("DONE");
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      reader.join(10_000);
      return alive;
    }

    long readyToDoneMillis() {
      return doneAt > readyAt && readyAt > 0 ? (doneAt - readyAt) / 1_000_000 : 3_000;
    }

    List<String[]> acks() {
      List<String[]> out = new ArrayList<>();
      for (String line : lines) {
        String[] parts = line.split(" ");
        // A line cut short by the kill is not an acknowledgement we can rely on having seen whole.
        if (parts.length == 4 && parts[0].equals("ACK") && parts[3].endsWith("==")) {
          out.add(parts);
        }
      }
      return out;
    }

    String output() {
      List<String> tail = lines.subList(Math.max(0, lines.size() - 40), lines.size());
      return String.join("\n", tail);
    }
  }
}
