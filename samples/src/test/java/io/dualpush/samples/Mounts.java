package io.dualpush.samples;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real mounts for file-system edge tests: a size-limited tmpfs (a full disk), a bind mount (one
 * directory under two names), a loop-mounted ext4 image that can be frozen ({@code fsfreeze}, a
 * file system whose calls block in the kernel). They need root: without it each test is skipped
 * with the reason shown. {@link #close} thaws and unmounts everything, last mounted first.
 */
final class Mounts implements AutoCloseable {
  private final Deque<String[]> undo = new ArrayDeque<>();

  /** Skips the calling test, visibly, unless mounting works here. */
  static void assumeRoot() throws IOException, InterruptedException {
    boolean root = "root".equals(System.getProperty("user.name")) || sh("id -u").trim().equals("0");
    assumeTrue(root, "needs root to mount file systems (tmpfs, bind, loop); CI runs it as root");
  }

  void tmpfs(Path dir, String size) throws IOException, InterruptedException {
    mount(dir, "mount -t tmpfs -o size=" + size + " tmpfs '" + dir + "'");
  }

  void bind(Path from, Path to) throws IOException, InterruptedException {
    mount(to, "mount --bind '" + from + "' '" + to + "'");
  }

  /** Formats {@code image} ({@code megabytes}) as ext4 and mounts it at {@code dir}. */
  void ext4(Path image, int megabytes, Path dir) throws IOException, InterruptedException {
    run("truncate -s " + megabytes + "M '" + image + "' && mkfs.ext4 -q -F '" + image + "'");
    mount(dir, "mount -o loop '" + image + "' '" + dir + "'");
  }

  void freeze(Path dir) throws IOException, InterruptedException {
    run("fsfreeze -f '" + dir + "'");
    undo.push(new String[] {"fsfreeze -u '" + dir + "'"});
  }

  void thaw(Path dir) throws IOException, InterruptedException {
    run("fsfreeze -u '" + dir + "'");
    undo.removeIf(u -> u[0].equals("fsfreeze -u '" + dir + "'"));
  }

  private void mount(Path dir, String command) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    String result = sh(command + " && echo MOUNTED");
    assumeTrue(result.contains("MOUNTED"), "cannot mount here (" + command + "): " + result.trim());
    undo.push(new String[] {"umount -l '" + dir + "'"});
  }

  private static void run(String command) throws IOException, InterruptedException {
    String out = sh(command + " && echo OK");
    if (!out.contains("OK")) {
      throw new IOException(command + " failed: " + out);
    }
  }

  static String sh(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of("sh", "-c", command)).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    while (!undo.isEmpty()) {
      sh(undo.pop()[0]);
    }
  }
}
