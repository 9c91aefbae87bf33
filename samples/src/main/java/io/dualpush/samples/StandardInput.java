package io.dualpush.samples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the process's standard input is. The long-running commands ({@code run}, {@code dashboard}) stop when their
 * standard input ends, so that a parent process or a terminal (Ctrl-D) can stop them; but a service manager, {@code
 * nohup} or a shell's background job gives them {@code /dev/null}, whose end is no request to stop.
 */
public final class StandardInput {
  private StandardInput() {}

  /**
   * Whether standard input is {@code /dev/null} (read through {@code /proc/self/fd/0}; Linux only).
   *
   * @return true when it is; false when it is anything else or cannot be told (not Linux)
   */
  public static boolean isDevNull() {
    try {
      Path stdin = Path.of("/proc/self/fd/0");
      return Files.isSymbolicLink(stdin) && Files.readSymbolicLink(stdin).toString().equals("/dev/null");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
