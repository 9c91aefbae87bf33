package io.dualpush.samples;

import io.dualpush.testkit.DebianPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the checks the samples' shell scripts must pass: a shell's {@code -n} and Debian's {@code shellcheck},
 * installed with apt-get when missing (as root, or through password-less sudo; a clear failure otherwise) by the
 * testkit's DebianPackages.
 */
public final class ShellScripts {
  private ShellScripts() {}

  /** What a command printed (stdout and stderr together) and its exit code. */
  public record Result(int code, String output) {}

  /**
   * Runs a command to its end (at most 600 s).
   *
   * @param command the command and its arguments
   * @return its exit code and output
   */
  public static Result run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("script-check", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(600, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within 600 s");
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /**
   * Runs shellcheck on a script at its strictest severity.
   *
   * @param script the script; its shebang says which shell it is checked for
   * @return shellcheck's findings (empty output and code 0 when there are none)
   */
  public static Result shellcheck(Path script) throws IOException, InterruptedException {
    DebianPackages.ensure("shellcheck", List.of("shellcheck"), "install shellcheck some other way, put it on the PATH "
        + "and run the test again", () -> DebianPackages.onPath("shellcheck") != null);
    return run(List.of(DebianPackages.onPath("shellcheck").toString(), "--severity=style", "--external-sources",
        script.toString()));
  }
}
