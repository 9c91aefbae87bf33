package io.dualpush.local;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bind mount of one directory onto another for a test, made with {@code mount --bind} and undone
 * by {@link #close()}. Mounting needs root (or a mount namespace): where it cannot be made the test
 * is skipped, saying why, instead of failing. Use with try-with-resources so it is always unmounted.
 *
 * <pre>{@code
 * try (BindMount m = BindMount.of(real, alias)) { ... }
 * }</pre>
 */
public final class BindMount implements AutoCloseable {
  private final Path target;

  private BindMount(Path target) {
    this.target = target;
  }

  /** Mounts {@code source} at {@code target} (an existing empty directory), or skips the test. */
  public static BindMount of(Path source, Path target) {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "skipped: a bind mount needs root, and this runs as " + System.getProperty("user.name"));
    String failure = run("mount", "--bind", source.toString(), target.toString());
    assumeTrue(failure == null, () -> "skipped: cannot bind-mount " + source + " at " + target + ": " + failure);
    return new BindMount(target);
  }

  /**
   * Unmounts. When something still holds a file open under the mount (a client a failing test did
   * not close), detaches it lazily instead, so no mount outlives the test; fails only when neither
   * works.
   */
  @Override
  public void close() {
    String failure = run("umount", target.toString());
    if (failure == null) {
      return;
    }
    String lazy = run("umount", "--lazy", target.toString());
    if (lazy != null) {
      throw new IllegalStateException("cannot unmount " + target + ": " + failure + "; lazily: " + lazy);
    }
    System.err.println("BindMount: " + target + " was busy (" + failure + "); detached lazily");
  }

  /** Runs a command; returns null on success, else what went wrong. */
  private static String run(String... command) {
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return String.join(" ", command) + " did not finish within 30 s";
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + " " + output;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
