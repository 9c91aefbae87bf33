package io.dualpush.samples;

import java.time.Duration;
import java.util.Optional;

/**
 * Options the writing commands ({@code push}, {@code repair}, {@code verify}) share:
 * {@code --timeout SECONDS} bounds one write or read attempt at a destination (a copy whose
 * destination hangs, a frozen file system say, fails with "timed out" instead of holding the run);
 * {@code --quarantine-damaged} lets the log move a damaged segment aside instead of refusing to open;
 * {@code --progress SECONDS} sets how often the progress line is printed.
 */
record CommandOptions(Optional<Duration> timeout, boolean quarantine, int progressSeconds) {
  static CommandOptions parse(CliArgs args, Console console) {
    Optional<Duration> timeout = Optional.empty();
    if (args.optional("--timeout") != null) {
      timeout = Optional.of(Duration.ofSeconds(args.intValue("--timeout", 60, 1, 86_400)));
    }
    int progress = args.intValue("--progress", console.terminal() ? 1 : 10, 1, 3_600);
    return new CommandOptions(timeout, args.flag("--quarantine-damaged"), progress);
  }
}
