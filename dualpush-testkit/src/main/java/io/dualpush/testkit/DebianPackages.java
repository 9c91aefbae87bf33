package io.dualpush.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Installs the Debian packages a test needs (redis-server, chromium, shellcheck) when they are missing, so that the
 * build's test command works on a fresh machine: {@code apt-get update && apt-get install -y --no-install-recommends
 * ...}, as root or through password-less {@code sudo}, under a file lock in {@code ~/.cache/dualpush/} so that
 * concurrent builds wait for one install. Where it cannot install, it fails with an {@link IOException} saying what to
 * install by hand.
 *
 * <p>Thread-safe: the lock is a file lock, held across processes and threads alike (one channel per call).
 */
public final class DebianPackages {
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);

  private DebianPackages() {}

  /**
   * Returns at once when {@code present} says what is needed is there; otherwise installs {@code packages} and
   * returns when {@code present} says so.
   *
   * @param what what is needed, for messages (such as {@code "redis-server"})
   * @param packages the Debian packages that bring it
   * @param otherwise how to provide it without apt-get, for messages (such as {@code "install Redis 7 and put it on
   *     the PATH"})
   * @param present whether it is there now; asked before, under the lock, and after the install
   * @throws IOException when it is missing and cannot be installed (no apt-get, no root, the install failed: its
   *     output's last lines in the message)
   * @throws InterruptedException when interrupted while waiting for the lock or the install
   */
  public static void ensure(String what, List<String> packages, String otherwise, BooleanSupplier present)
      throws IOException, InterruptedException {
    Objects.requireNonNull(what, "what");
    Objects.requireNonNull(otherwise, "otherwise");
    Objects.requireNonNull(present, "present");
    if (packages == null || packages.isEmpty()) {
      throw new IllegalArgumentException("'packages' must name at least one package");
    }
    if (present.getAsBoolean()) {
      return;
    }
    String names = String.join(" ", packages);
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "dualpush");
    Files.createDirectories(cache);
    try (FileChannel ch = FileChannel.open(cache.resolve("apt-install.lock"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (present.getAsBoolean()) {
        return; // another build installed it while we waited for the lock
      }
      String install = "apt-get update && apt-get install -y --no-install-recommends " + names;
      if (onPath("apt-get") == null) {
        throw new IOException(what + " is not installed and apt-get is not available: " + otherwise);
      }
      List<String> command;
      if (isRoot()) {
        command = List.of("sh", "-c", install);
      } else if (onPath("sudo") != null && run(List.of("sudo", "-n", "true"), cache.resolve("sudo-check.log")) == 0) {
        command = List.of("sudo", "-n", "sh", "-c", install);
      } else {
        throw new IOException(what + " is not installed, and installing it needs root: run `sudo apt-get install "
            + names + "` (Debian/Ubuntu), or " + otherwise);
      }
      Path log = cache.resolve(packages.get(0) + "-install.log");
      int exit = run(command, log);
      if (exit != 0 || !present.getAsBoolean()) {
        throw new IOException("`" + install + "` failed with code " + exit + (exit == 0 ? " but " + what
            + " is still missing" : "") + "; its output:\n" + tail(log));
      }
    }
  }

  /**
   * The executable {@code program} in a directory of the {@code PATH}, or null.
   *
   * @param program a program's file name
   * @return its path, or null when no directory of the PATH holds it executable
   */
  public static @Nullable Path onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor(10, TimeUnit.SECONDS) && "0".equals(out);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int run(List<String> command, Path log) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = pb.start();
    if (!p.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }
}
