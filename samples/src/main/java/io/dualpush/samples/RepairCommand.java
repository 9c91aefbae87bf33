package io.dualpush.samples;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.RepairOptions;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;

/**
 * {@code repair --destination NAME=DIR ... --log DIR [--json]}: one repair round now for every
 * unfinished or dead-lettered transaction, from the source file recorded in the log or from a
 * verified copy; then the counts.
 */
final class RepairCommand {
  static final String USAGE = "repair --destination NAME=LOCATION ... [--optional NAME] --log LOG [--json]"
      + " [--timeout SECONDS] [--quarantine-damaged]";

  private RepairCommand() {}

  static int run(List<String> argv, Console console) {
    CliArgs args = CliArgs.parse("repair", argv, Set.of("--destination", "--optional", "--log", "--timeout"),
        Set.of("--destination", "--optional"), Set.of("--json", "--quarantine-damaged"));
    noPositionals(args, USAGE);
    CommandOptions options = CommandOptions.parse(args, console);
    LogLocation logLocation = LogLocation.parse(args, console.env());
    Targets targets = prepare(args, console, logLocation);
    int attempted;
    long started = System.nanoTime();
    // Repair runs now, in the foreground; no background schedule in a short-lived command.
    try (TransactionLog log = logLocation.openWriter(Integer.MAX_VALUE, options.quarantine());
         DualPushClient client = targets.addTo(new DualPushClientBuilder().transactionLog(log)
             .repair(RepairOptions.builder().enabled(false).build()), options.timeout()).buildClient()) {
      attempted = client.repairAll().size();
      client.close(); // drains, so the log holds every outcome
      return print(args, console, "repair", log, attempted, System.nanoTime() - started);
    }
  }

  static void noPositionals(CliArgs args, String usage) {
    if (!args.positionals().isEmpty()) {
      throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'; usage: " + usage);
    }
  }

  /**
   * Checks the log exists, the destinations cover every destination it records, and none of them
   * overlaps the log.
   */
  static Targets prepare(CliArgs args, Console console, LogLocation logLocation) {
    List<TransactionRecord> current;
    try (TransactionLog log = logLocation.openExisting()) {
      current = Report.current(log);
    }
    Targets targets = Targets.parse(args, Report.optionalNames(current), console.env());
    targets.requireCovering(Report.destinationNames(current));
    targets.requireApart(null, logLocation);
    return targets;
  }

  /** Reports from the log the command wrote through (still open): no second replay of the log. */
  static int print(CliArgs args, Console console, String command, TransactionLog log, int attempted, long nanos) {
    Report report = new Report(command, Report.current(log));
    Report.warnings(log, report);
    if (args.flag("--json")) {
      LinkedHashMap<String, Object> extra = new LinkedHashMap<>();
      extra.put(command.equals("repair") ? "repaired" : "checked", attempted);
      extra.put("seconds", nanos / 1e9);
      console.out().println(Json.write(report.toJson(extra)));
    } else {
      console.out().printf("%s: %d transaction(s) %s in %s%n", command, attempted,
          command.equals("repair") ? "given a repair round" : "re-hashed on every destination", Sizes.seconds(nanos));
      report.printText(console.out());
    }
    return report.exitCode();
  }
}
