package io.dualpush.samples;

import io.dualpush.spi.TransactionLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * {@code status --log DIR [--json]}: counts from the log, the newest transaction of each key.
 * Read-only and lock-free, so it can run beside a job that is pushing.
 */
final class StatusCommand {
  static final String USAGE = "status --log LOG [--json]";

  private StatusCommand() {}

  static int run(List<String> argv, Console console) {
    CliArgs args = CliArgs.parse("status", argv, Set.of("--log"), Set.of(), Set.of("--json"));
    if (!args.positionals().isEmpty()) {
      throw new UsageException("status takes no SOURCE, got '" + args.positionals().get(0) + "'; usage: " + USAGE);
    }
    Report report;
    try (TransactionLog log = Targets.existingLog(args, console.env())) {
      report = new Report("status", Report.current(log));
      Report.warnings(log, report);
    }
    if (args.flag("--json")) {
      console.out().println(Json.write(report.toJson(new LinkedHashMap<>())));
    } else {
      report.printText(console.out());
    }
    return report.exitCode();
  }
}
