package io.dualpush.samples;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.RepairOptions;
import io.dualpush.ReplayBacklog;
import io.dualpush.ReplayFilter;
import io.dualpush.ReplayReport;
import io.dualpush.Replayer;
import io.dualpush.spi.TransactionLog;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code replay --destination NAME=LOCATION ... --log LOG [--since T] [--until T] [--dataset D] [--prefix P]
 * [--rate N] [--dry-run] [--json]}: re-pushes the open and dead-lettered transactions of the log that the filter
 * takes, at most {@code --rate} per second, through {@link Replayer#transactions}; with {@code --dry-run}, only
 * reports the backlog (count, bytes, oldest) and writes nothing. The log is the replay's checkpoint: a transaction
 * that settles leaves the backlog, so a replay that stops is run again to continue.
 */
final class ReplayCommand {
  static final String USAGE = "replay --destination NAME=LOCATION ... [--optional NAME] --log LOG [--since ISO-TIME]"
      + " [--until ISO-TIME] [--dataset NAME] [--prefix KEY-PREFIX] [--rate PER-SECOND] [--no-dead-lettered]"
      + " [--dry-run] [--json] [--timeout SECONDS] [--quarantine-damaged]";

  private ReplayCommand() {}

  static int run(List<String> argv, Console console) {
    CliArgs args = CliArgs.parse("replay", argv, Set.of("--destination", "--optional", "--log", "--timeout",
        "--since", "--until", "--dataset", "--prefix", "--rate"), Set.of("--destination", "--optional"),
        Set.of("--json", "--quarantine-damaged", "--dry-run", "--no-dead-lettered"));
    RepairCommand.noPositionals(args, USAGE);
    CommandOptions options = CommandOptions.parse(args, console);
    ReplayFilter filter = filter(args);
    int rate = args.intValue("--rate", 0, 1, 1_000_000);
    LogLocation logLocation = LogLocation.parse(args, console.env());
    Targets targets = RepairCommand.prepare(args, console, logLocation);
    long started = System.nanoTime();
    try (TransactionLog log = logLocation.openWriter(Integer.MAX_VALUE, options.quarantine());
         DualPushClient client = targets.addTo(new DualPushClientBuilder().transactionLog(log)
             .repair(RepairOptions.builder().enabled(false).build()), options.timeout()).buildClient()) {
      Replayer.Builder builder = Replayer.transactions(client, log).filter(filter)
          .includeDeadLettered(!args.flag("--no-dead-lettered"));
      if (rate > 0) {
        builder.rateLimit(rate);
      }
      Replayer replayer = builder.build();
      if (args.flag("--dry-run")) {
        return printBacklog(args, console, replayer.dryRun(), filter);
      }
      ReplayReport report = replayer.run();
      client.close(); // drains, so the log holds every outcome
      return print(args, console, log, report, filter, System.nanoTime() - started);
    }
  }

  private static ReplayFilter filter(CliArgs args) {
    ReplayFilter.Builder f = ReplayFilter.builder();
    Instant since = instant(args, "--since");
    Instant until = instant(args, "--until");
    if (since != null) {
      f.since(since);
    }
    if (until != null) {
      f.until(until);
    }
    if (args.optional("--dataset") != null) {
      f.dataset(args.required("--dataset"));
    }
    if (args.optional("--prefix") != null) {
      f.keyPrefix(args.optional("--prefix"));
    }
    if (since != null && until != null && !since.isBefore(until)) {
      throw new UsageException("--until (" + until + ") must be after --since (" + since + ")");
    }
    return f.build();
  }

  private static Instant instant(CliArgs args, String name) {
    String v = args.optional(name);
    if (v == null) {
      return null;
    }
    try {
      return Instant.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw new UsageException(name + " must be a UTC time such as 2026-12-01T09:30:00Z, got '" + v + "'");
    }
  }

  private static Map<String, Object> filterJson(ReplayFilter filter) {
    Map<String, Object> f = new LinkedHashMap<>();
    filter.since().ifPresent(t -> f.put("since", t.toString()));
    filter.until().ifPresent(t -> f.put("until", t.toString()));
    filter.dataset().ifPresent(d -> f.put("dataset", d));
    if (!filter.keyPrefix().isEmpty()) {
      f.put("prefix", filter.keyPrefix());
    }
    return f;
  }

  private static int printBacklog(CliArgs args, Console console, ReplayBacklog backlog, ReplayFilter filter) {
    if (args.flag("--json")) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("command", "replay");
      out.put("dryRun", true);
      out.put("filter", filterJson(filter));
      out.put("count", backlog.count());
      out.put("bytes", backlog.bytes());
      out.put("oldest", backlog.oldest().map(Instant::toString).orElse(null));
      out.put("exitCode", Main.EXIT_OK);
      console.out().println(Json.write(out));
    } else {
      console.out().printf("replay (dry run): %d transaction(s) to re-push, %s%s; nothing was written%n",
          backlog.count(), Sizes.bytes(backlog.bytes()),
          backlog.oldest().map(t -> ", the oldest started " + t).orElse(""));
    }
    return Main.EXIT_OK;
  }

  /** Reports the replay's counts, then the log as the other commands do; the exit code is the log's. */
  private static int print(CliArgs args, Console console, TransactionLog log, ReplayReport replay, ReplayFilter filter,
      long nanos) {
    Report report = new Report("replay", Report.current(log));
    Report.warnings(log, report);
    if (args.flag("--json")) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("dryRun", false);
      extra.put("filter", filterJson(filter));
      extra.put("replayed", replay.processed());
      extra.put("replayedBytes", replay.bytes());
      extra.put("replayFailed", replay.failed());
      List<Object> failures = new ArrayList<>();
      replay.failures().forEach(e -> failures.add(e.getMessage()));
      extra.put("replayFailures", failures);
      extra.put("seconds", nanos / 1e9);
      console.out().println(Json.write(report.toJson(extra)));
    } else {
      console.out().printf("replay: %d transaction(s) re-pushed (%s), %d failed, in %s%n", replay.processed(),
          Sizes.bytes(replay.bytes()), replay.failed(), Sizes.seconds(nanos));
      replay.firstFailure().ifPresent(e -> console.out().println("  first failure: " + e.getMessage()));
      report.printText(console.out());
    }
    return replay.failed() > 0 ? Main.EXIT_NOT_VERIFIED : report.exitCode();
  }
}
