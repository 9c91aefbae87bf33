package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 at the CLI, through the packaged jar as users run it: a user's messy file system (odd
 * names, symlinks, overlapping locations, mounts, full and frozen disks, files vanishing) must never
 * yield "all verified" (exit 0) while a file was lost, skipped or written where it should not be.
 * Mount cases need root and are skipped, with the reason shown, without it.
 */
class FilesystemEdgesIT {
  @TempDir
  Path tmp;
  Path source;
  Path primary;
  Path secondary;
  Path log;

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    primary = Files.createDirectories(tmp.resolve("primary"));
    secondary = Files.createDirectories(tmp.resolve("secondary"));
    log = tmp.resolve("log");
    write(source, "ok.txt", "fine");
  }

  static void write(Path dir, String rel, String content) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  String[] push(String... more) {
    return args("push", source.toString(), "--destination", "primary=" + primary, "--destination",
        "secondary=" + secondary, "--log", log.toString(), more);
  }

  String[] with(String command, String... more) {
    return args(command, "--destination", "primary=" + primary, "--destination", "secondary=" + secondary,
        "--log", log.toString(), more);
  }

  static String[] args(String first, String second, String third, String fourth, String fifth, String sixth,
      String seventh, String[] more) {
    List<String> a = new ArrayList<>(List.of(first, second, third, fourth, fifth, sixth, seventh));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static String[] args(String first, String second, String third, String fourth, String fifth, String sixth,
      String seventh, String eighth, String[] more) {
    List<String> a = new ArrayList<>(List.of(first, second, third, fourth, fifth, sixth, seventh, eighth));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static List<String> objects(Path dest) throws IOException {
    try (Stream<Path> s = Files.walk(dest)) {
      return s.filter(p -> !Files.isDirectory(p)).map(p -> dest.relativize(p).toString())
          .filter(p -> !p.startsWith(".dualpush")).sorted().toList();
    }
  }

  static void sh(String command) throws IOException, InterruptedException {
    String out = Mounts.sh(command + " && echo OK");
    assertThat(out).as(command).contains("OK");
  }

  @Nested
  @DisplayName("names")
  class Names {
    @Test
    @DisplayName("two file names that are not UTF-8 are skipped by name with their raw bytes, never merged into one key")
    void nonUtf8NamesAreNotMerged() throws Exception {
      sh("cd '" + source + "' && printf one > \"$(printf 'r\\377')\" && printf two > \"$(printf 'r\\376')\"");

      JarCli r = JarCli.run(push("--json"));

      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      JsonNode json = r.json();
      assertThat(json.get("skipped").asInt()).isEqualTo(2);
      assertThat(json.get("skippedEntries").toString()).contains("r%FF", "r%FE", "not valid");
      assertThat(json.get("verified").asInt()).isEqualTo(1);
      assertThat(objects(primary)).containsExactly("ok.txt");
    }

    @Test
    @DisplayName("names of 255 bytes and a key beside one that extends its name push, verify and re-push cleanly")
    void longNamesAndNearNamesConverge() throws Exception {
      write(source, "x".repeat(255), "long ascii");
      write(source, "d/" + "é".repeat(127) + "x", "long utf-8 (255 bytes)");
      write(source, "b", "b");
      write(source, "b.meta/c", "c");
      write(source, "a:b.txt", "colon");

      JarCli pushed = JarCli.run(push());
      assertThat(pushed.code()).as(pushed.toString()).isZero();
      assertThat(pushed.out()).contains("6 verified, 0 not verified");

      JarCli verified = JarCli.run(with("verify"));
      assertThat(verified.code()).as(verified.toString()).isZero();
      assertThat(verified.out()).contains("6 verified");

      JarCli again = JarCli.run(push());
      assertThat(again.code()).as(again.toString()).isZero();
      assertThat(again.out()).contains("copies written 0, unchanged 12");
    }
  }

  @Nested
  @DisplayName("skips are never silent")
  class Skips {
    @Test
    @DisplayName("a .dualpush folder, a symlink to a directory, a FIFO and a broken link are listed and exit 2")
    void oddEntriesAreListed() throws Exception {
      write(source, ".dualpush/x.txt", "reserved");
      Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
      write(elsewhere, "y.txt", "y");
      Files.createSymbolicLink(source.resolve("linked-dir"), elsewhere);
      Files.createSymbolicLink(source.resolve("broken"), tmp.resolve("nowhere"));
      sh("mkfifo '" + source.resolve("pipe") + "'");
      write(elsewhere, "z.txt", "z");
      Files.createSymbolicLink(source.resolve("linked-file.txt"), elsewhere.resolve("z.txt"));

      JarCli r = JarCli.run(push("--json"));

      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      JsonNode json = r.json();
      assertThat(json.get("skipped").asInt()).isEqualTo(4);
      assertThat(json.get("skippedEntries").toString())
          .contains(".dualpush/", "linked-dir", "directory", "broken", "pipe", "FIFO");
      assertThat(json.get("verified").asInt()).as("ok.txt and the linked file").isEqualTo(2);
      assertThat(primary.resolve("linked-file.txt")).hasContent("z");

      JarCli text = JarCli.run(push());
      assertThat(text.out()).contains("skipped 4 entries", "linked-dir", "pipe");

      JarCli allowed = JarCli.run(push("--allow-skipped"));
      assertThat(allowed.code()).as(allowed.toString()).isZero();
      assertThat(allowed.out()).contains("skipped 4 entries", "allowed by --allow-skipped");
    }

    @Test
    @DisplayName("a SOURCE_DIR that is a symbolic link to a directory is followed")
    void symlinkedSourceRootIsFollowed() throws Exception {
      write(source, "gold/a.csv", "a");
      Path link = Files.createSymbolicLink(tmp.resolve("source-link"), source);

      JarCli r = JarCli.run(args("push", link.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + secondary, "--log", log.toString(), new String[0]));

      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(r.out()).contains("2 verified, 0 not verified");
      assertThat(primary.resolve("gold/a.csv")).hasContent("a");
    }

    @Test
    @DisplayName("a file vanishing mid-push is reported by name, the rest is pushed, JSON is printed, exit 2")
    void vanishingFileDoesNotStopTheRun() throws Exception {
      // a.bin is pushed first and takes a while (one at a time); b.txt is listed meanwhile and waits
      // its turn, and vanishes before it comes; c.txt after it must still be pushed.
      Path big = source.resolve("a.bin");
      writeRandom(big, 192L << 20);
      write(source, "b.txt", "b");
      write(source, "c.txt", "c");
      Files.delete(source.resolve("ok.txt"));

      Process p = JarCli.start(List.of(), Map.of(), push("--json", "--parallel", "1"));
      long deadline = System.nanoTime() + 120_000_000_000L;
      // Once a.bin's copy is being written, b.txt has been listed: it was visited right after a.bin was handed over.
      while (!writing(primary) && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(2);
      }
      Files.delete(source.resolve("b.txt"));
      JarCli r = JarCli.finish(p, 300);

      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      JsonNode json = r.json();
      assertThat(json.get("errorCount").asInt()).isEqualTo(1);
      assertThat(json.get("errors").toString()).contains("b.txt", "vanished");
      assertThat(primary.resolve("c.txt")).hasContent("c");
      assertThat(json.get("verified").asInt()).isEqualTo(2);
    }
  }

  @Nested
  @DisplayName("overlapping locations are refused before anything is written")
  class Overlaps {
    private void assertRefused(JarCli r, String... mentions) throws IOException {
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains(mentions);
      assertThat(objects(primary)).isEmpty();
      assertThat(objects(secondary)).isEmpty();
    }

    @Test
    @DisplayName("a log inside a destination, which a pushed key could replace")
    void logInsideDestination() throws Exception {
      Path inside = primary.resolve("log");
      assertRefused(JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + secondary, "--log", inside.toString(), new String[0])),
          "--log", "is inside", "--destination primary");
      assertThat(inside).doesNotExist();
    }

    @Test
    @DisplayName("a log inside the source, which would be pushed as data")
    void logInsideSource() throws Exception {
      assertRefused(JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + secondary, "--log", source.resolve(".log").toString(), new String[0])),
          "--log", "SOURCE_DIR");
    }

    @Test
    @DisplayName("a destination inside the source, the source itself as a destination, the source inside one")
    void sourceAndDestinations() throws Exception {
      Path nested = Files.createDirectories(source.resolve("copies"));
      assertRefused(JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + nested, "--log", log.toString(), new String[0])),
          "--destination secondary", "inside SOURCE_DIR");
      assertRefused(JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + source, "--log", log.toString(), new String[0])),
          "--destination secondary", "SOURCE_DIR itself");
      Path inner = Files.createDirectories(secondary.resolve("in"));
      write(inner, "x.txt", "x");
      JarCli r = JarCli.run(args("push", inner.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + secondary, "--log", log.toString(), new String[0]));
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("SOURCE_DIR", "is inside --destination secondary");
      assertThat(log).doesNotExist();
    }

    @Test
    @DisplayName("two destinations that are one directory through a symlinked subdirectory")
    void symlinkedSubdirectory() throws Exception {
      Path sub = Files.createDirectories(primary.resolve("sub"));
      Path link = Files.createSymbolicLink(tmp.resolve("link"), sub);
      JarCli r = JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
          "--destination", "secondary=" + link, "--log", log.toString(), new String[0]));
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("--destination secondary", "is inside", "--destination primary");
      assertThat(objects(primary)).isEmpty();
    }

    @Test
    @DisplayName("two destinations that are one directory through a bind mount (root)")
    void bindMount() throws Exception {
      Mounts.assumeRoot();
      try (Mounts mounts = new Mounts()) {
        Path bound = tmp.resolve("bound");
        mounts.bind(primary, bound);
        JarCli r = JarCli.run(args("push", source.toString(), "--destination", "primary=" + primary,
            "--destination", "secondary=" + bound, "--log", log.toString(), new String[0]));
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("--destination secondary", "same directory", "--destination primary");
        assertThat(objects(primary)).isEmpty();
      }
    }

    @Test
    @DisplayName("verify and repair refuse a destination that holds the log")
    void verifyWithLogInsideDestination() throws Exception {
      JarCli pushed = JarCli.run(push());
      assertThat(pushed.code()).as(pushed.toString()).isZero();
      JarCli r = JarCli.run(args("verify", "--destination", "primary=" + primary, "--destination",
          "secondary=" + log, "--log", log.toString(), new String[0]));
      assertThat(r.code()).as(r.toString()).isEqualTo(1);
      assertThat(r.err()).contains("--log", "--destination secondary");
    }
  }

  @Nested
  @DisplayName("destinations on a messy file system")
  class Destinations {
    @Test
    @DisplayName("a symlink inside a destination never lets a copy be written outside it")
    void symlinkLeadingOut() throws Exception {
      Path outside = Files.createDirectories(tmp.resolve("outside"));
      Files.createSymbolicLink(primary.resolve("a"), outside);
      write(source, "a/b.txt", "b");

      JarCli r = JarCli.run(push("--json"));

      assertThat(r.code()).as(r.toString()).isEqualTo(2);
      try (Stream<Path> s = Files.list(outside)) {
        assertThat(s).as("nothing written outside the destination").isEmpty();
      }
      assertThat(r.json().get("notVerifiedTransactions").toString()).contains("a/b.txt", "link");
      assertThat(secondary.resolve("a/b.txt")).hasContent("b");
    }

    @Test
    @DisplayName("bit rot under a pushed copy: re-push trusts what it recorded (unchanged), verify finds it, repair "
        + "mends it (root: an ext4 image changed beneath its file system)")
    void bitRotIsFoundByVerifyNotByRepush() throws Exception {
      Mounts.assumeRoot();
      try (Mounts mounts = new Mounts()) {
        Path disk = tmp.resolve("disk");
        mounts.ext4(tmp.resolve("disk.img"), 16, disk);
        writeRandom(source.resolve("data.bin"), 100_000);
        String[] argv = args("push", source.toString(), "--destination", "primary=" + primary, "--destination",
            "secondary=" + disk, "--log", log.toString(), new String[0]);
        assertThat(JarCli.run(argv).code()).isZero();
        Path copy = disk.resolve("data.bin");
        String before = md5(copy);
        sh("sync");
        // The copy's first block on the device, from the file system's own map of the file.
        String map = Mounts.sh("filefrag -v '" + copy + "'");
        java.util.regex.Matcher unit = java.util.regex.Pattern.compile("blocks of (\\d+) bytes").matcher(map);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("0:\\s+0\\.\\.\\s+\\d+:\\s+(\\d+)\\.\\.").matcher(map);
        assertThat(unit.find() && m.find()).as(map).isTrue();
        long offset = Long.parseLong(m.group(1)) * Long.parseLong(unit.group(1)) + 10;
        try (java.io.RandomAccessFile image = new java.io.RandomAccessFile(tmp.resolve("disk.img").toFile(), "rw")) {
          image.seek(offset);
          int b = image.read();
          image.seek(offset);
          image.write(b ^ 0xff);
        }
        sh("sync && echo 3 > /proc/sys/vm/drop_caches");
        assertThat(md5(copy)).as("the bytes rotted beneath the file system at " + offset + ": " + map).isNotEqualTo(before);

        JarCli repush = JarCli.run(argv);
        assertThat(repush.code()).as("what re-push proves: the copy is as recorded, not its bytes").isZero();
        assertThat(repush.out()).contains("copies written 0, unchanged 4");

        String[] verify = args("verify", "--destination", "primary=" + primary, "--destination", "secondary=" + disk,
            "--log", log.toString(), new String[0]);
        JarCli verified = JarCli.run(verify);
        assertThat(verified.code()).as(verified.toString()).isEqualTo(2);
        assertThat(verified.out()).contains("data.bin", "differs from source MD5");

        JarCli repaired = JarCli.run(args("repair", "--destination", "primary=" + primary, "--destination",
            "secondary=" + disk, "--log", log.toString(), new String[0]));
        assertThat(repaired.code()).as(repaired.toString()).isZero();
        assertThat(md5(copy)).isEqualTo(md5(source.resolve("data.bin")));
      }
    }

    @Test
    @DisplayName("a full disk is named in the output, text and JSON (root: a 512 KiB tmpfs)")
    void fullDiskIsNamed() throws Exception {
      Mounts.assumeRoot();
      try (Mounts mounts = new Mounts()) {
        Path small = tmp.resolve("small");
        mounts.tmpfs(small, "512k");
        writeRandom(source.resolve("big.bin"), 2L << 20);
        String[] argv = args("push", source.toString(), "--destination", "primary=" + primary, "--destination",
            "secondary=" + small, "--log", log.toString(), new String[] {"--json"});

        JarCli r = JarCli.run(argv);

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.json().get("notVerifiedTransactions").toString()).contains("big.bin", "No space left on device");
        JarCli text = JarCli.run("status", "--log", log.toString());
        assertThat(text.code()).isEqualTo(2);
        assertThat(text.out()).contains("big.bin", "No space left on device");
      }
    }

    @Test
    @DisplayName("a frozen file system fails its copies with 'timed out' while the healthy one's progress shows (root)")
    void frozenFileSystemDoesNotHang() throws Exception {
      Mounts.assumeRoot();
      try (Mounts mounts = new Mounts()) {
        Path frozen = tmp.resolve("frozen");
        mounts.ext4(tmp.resolve("frozen.img"), 32, frozen);
        for (int i = 0; i < 20; i++) {
          write(source, "f" + i + ".txt", "file " + i);
        }
        mounts.freeze(frozen);
        String[] argv = args("push", source.toString(), "--destination", "primary=" + primary, "--destination",
            "secondary=" + frozen, "--log", log.toString(),
            new String[] {"--json", "--timeout", "2", "--progress", "1"});

        Process p = JarCli.start(List.of(), Map.of(), argv);
        // The run reports and decides its exit code while the file system is still frozen; the
        // process itself can only end once the kernel lets go of the threads stuck in it (a thread
        // in uninterruptible sleep holds its process), so thaw only once the report is out.
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!JarCli.outSoFar(p).contains("\"exitCode\"") && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        boolean reportedWhileFrozen = JarCli.outSoFar(p).contains("\"exitCode\"");
        mounts.thaw(frozen);
        JarCli r = JarCli.finish(p, 120);
        assertThat(reportedWhileFrozen).as("the report came out while the file system was frozen: " + r).isTrue();

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        JsonNode json = r.json();
        assertThat(json.get("destinations").get("primary").get("verified").asInt()).isEqualTo(21);
        assertThat(json.get("notVerifiedTransactions").toString()).containsAnyOf("timed out", "stuck");
        assertThat(r.err()).as("progress of the healthy destination while the other hangs")
            .containsPattern("primary [1-9][0-9]* ok; secondary 0 ok");
      }
    }
  }

  private static boolean writing(Path destination) throws IOException {
    Path tmpDir = destination.resolve(".dualpush/tmp");
    if (!Files.isDirectory(tmpDir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(tmpDir)) {
      return s.anyMatch(p -> p.getFileName().toString().endsWith(".part"));
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  @Nested
  @DisplayName("the transaction log")
  class Log {
    /** A log of several small segments, written through the library, with the CLI's destinations. */
    private void pushThroughSmallSegments(int files) throws IOException {
      Files.createDirectories(log);
      try (io.dualpush.local.FileTransactionLog l = io.dualpush.local.FileTransactionLog.builder(log)
              .segmentSize(4096).retainSegments(1000).open();
          io.dualpush.DualPushClient client = new io.dualpush.DualPushClientBuilder().transactionLog(l)
              .destination("primary", new io.dualpush.local.FileSystemDestination(primary))
              .destination("secondary", new io.dualpush.local.FileSystemDestination(secondary)).buildClient()) {
        for (int i = 0; i < files; i++) {
          client.push(io.dualpush.PushRequest.builder("k/" + i, io.dualpush.PushContent.ofBytes(("v" + i).getBytes()))
              .build());
        }
      }
    }

    private List<Path> segments() throws IOException {
      try (Stream<Path> s = Files.list(log)) {
        return s.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
      }
    }

    @Test
    @DisplayName("status warns of a torn tail, which may hide a later record, and does not exit 0")
    void tornTailIsReported() throws Exception {
      JarCli pushed = JarCli.run(push());
      assertThat(pushed.code()).as(pushed.toString()).isZero();
      Path last = segments().get(segments().size() - 1);
      long size = Files.size(last);
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(last,
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(size - 5);
      }

      JarCli status = JarCli.run("status", "--log", log.toString(), "--json");

      assertThat(status.code()).as(status.toString()).isEqualTo(2);
      assertThat(status.json().get("warnings").toString()).contains(last.getFileName().toString());
      JarCli text = JarCli.run("status", "--log", log.toString());
      assertThat(text.out()).startsWith("warning: ");
    }

    @Test
    @DisplayName("a deleted middle segment stops status and push loudly (exit 3); --quarantine-damaged accepts the gap")
    void deletedMiddleSegment() throws Exception {
      pushThroughSmallSegments(60);
      List<Path> segs = segments();
      assertThat(segs).hasSizeGreaterThan(3);
      Path missing = segs.get(segs.size() / 2);
      Files.delete(missing);

      JarCli status = JarCli.run("status", "--log", log.toString());
      assertThat(status.code()).as(status.toString()).isEqualTo(3);
      assertThat(status.err()).contains("missing segments", "--quarantine-damaged");
      assertThat(status.out()).isEmpty();

      JarCli refused = JarCli.run(push());
      assertThat(refused.code()).as(refused.toString()).isEqualTo(3);
      assertThat(refused.err()).contains("missing segments");

      JarCli accepted = JarCli.run(push("--quarantine-damaged"));
      assertThat(accepted.code()).as(accepted.toString()).isZero();
      JarCli after = JarCli.run("status", "--log", log.toString());
      assertThat(after.out()).contains("warning: ");
    }

    @Test
    @DisplayName("a log on a full disk stops the run naming the cause, exit 3, the report still printed (root)")
    void logOnFullDisk() throws Exception {
      Mounts.assumeRoot();
      try (Mounts mounts = new Mounts()) {
        Path small = tmp.resolve("smalllog");
        mounts.tmpfs(small, "64k");
        for (int i = 0; i < 400; i++) {
          write(source, "d/f" + i + ".txt", "file " + i);
        }
        String[] argv = args("push", source.toString(), "--destination", "primary=" + primary, "--destination",
            "secondary=" + secondary, "--log", small.resolve("log").toString(), new String[] {"--json"});

        JarCli r = JarCli.run(argv);

        assertThat(r.code()).as(r.toString()).isEqualTo(3);
        assertThat(r.err().lines().filter(l -> l.startsWith("dualpush: the run stopped:")))
            .singleElement().asString().contains("No space left on device");
        assertThat(r.err()).doesNotContain("Exception in thread");
        assertThat(r.json().get("stopped").asText()).contains("No space left on device");
      }
    }
  }

  @Nested
  @DisplayName("the environment")
  class Environment {
    @Test
    @DisplayName("running out of memory is one line naming it and exit 3, never a raw stack trace or exit 0")
    void outOfMemory() throws Exception {
      for (int i = 0; i < 1000; i++) {
        write(source, "d/f" + i + ".txt", "file " + i);
      }
      JarCli r = JarCli.run(List.of("-Xmx6m"), Map.of(), 300, push());
      org.junit.jupiter.api.Assumptions.assumeTrue(r.code() != 0,
          "this JVM pushed 1,001 files in a 6 MiB heap without running out of memory");
      assertThat(r.code()).as(r.toString()).isEqualTo(3);
      assertThat(r.err()).contains("dualpush: out of memory").doesNotContain("\tat ").doesNotContain("Exception in thread");
    }
  }

  static void writeRandom(Path file, long size) throws IOException {
    Random random = new Random(9);
    byte[] chunk = new byte[1 << 20];
    Files.createDirectories(file.getParent());
    try (OutputStream os = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += chunk.length) {
        random.nextBytes(chunk);
        os.write(chunk, 0, (int) Math.min(chunk.length, size - done));
      }
    }
  }

  static String md5(Path p) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(p)) {
      return io.dualpush.spi.Md5.of(in).base64();
    }
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
