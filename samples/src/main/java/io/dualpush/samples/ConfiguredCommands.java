package io.dualpush.samples;

import io.dualpush.samples.config.ActiveStandby;
import io.dualpush.samples.config.ConfigDurations;
import io.dualpush.samples.config.JobAlerts;
import io.dualpush.samples.config.JobConfig;
import io.dualpush.samples.config.JobConfigException;
import io.dualpush.samples.config.RunLoop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code --config FILE} for push, repair, verify, status and replay, and the {@code run} command:
 * the file's settings become the command's options (those given on the command line win), and,
 * when the file configures Redis, push and run act as one region of an active/standby pair
 * ({@link io.dualpush.samples.config}). Without {@code --config} the commands run as before.
 */
final class ConfiguredCommands {
  static final String RUN_USAGE = "run SOURCE_DIR --config FILE [--interval DURATION] [--wait DURATION|forever]"
      + " [push options]";
  static final String CONFIG_USAGE = "push|repair|verify|status|replay ... --config FILE [--wait DURATION]"
      + " (options given on the command line win over the file's)";

  private static final Duration PUSH_WAIT = Duration.ofMinutes(10);
  private static final Duration RUN_INTERVAL = Duration.ofSeconds(30);

  private ConfiguredCommands() {}

  /** The command line without {@code --config}, {@code --wait} and {@code --interval}, and their values. */
  private record Split(List<String> rest, Optional<String> config, Optional<String> waitFor, Optional<String> interval,
      Set<String> given) {}

  private static Split split(String command, List<String> argv) {
    List<String> rest = new ArrayList<>();
    Set<String> given = new LinkedHashSet<>();
    String config = null;
    String wait = null;
    String interval = null;
    boolean optionsDone = false;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (optionsDone || !arg.startsWith("--")) {
        rest.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        optionsDone = true;
        rest.add(arg);
        continue;
      }
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      boolean ours = name.equals("--config") || (name.equals("--wait") && (command.equals("push") || command.equals("run")))
          || (name.equals("--interval") && command.equals("run"));
      if (!ours) {
        given.add(name);
        rest.add(arg);
        continue;
      }
      String value;
      if (eq > 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < argv.size() && !argv.get(i + 1).startsWith("--")) {
        value = argv.get(++i);
      } else {
        throw new UsageException(name + " needs a value");
      }
      switch (name) {
        case "--config" -> config = once(name, config, value);
        case "--wait" -> wait = once(name, wait, value);
        default -> interval = once(name, interval, value);
      }
    }
    return new Split(rest, Optional.ofNullable(config), Optional.ofNullable(wait), Optional.ofNullable(interval),
        given);
  }

  private static String once(String name, String previous, String value) {
    if (previous != null) {
      throw new UsageException(name + " given twice");
    }
    return value;
  }

  private static Optional<JobConfig> load(Split split, Console console) {
    if (split.config().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JobConfig.load(Path.of(split.config().get()), console.env()));
    } catch (JobConfigException e) {
      throw new UsageException("--config " + e.getMessage());
    }
  }

  private static List<String> merged(String command, Split split, Optional<JobConfig> config) {
    List<String> argv = new ArrayList<>();
    config.ifPresent(c -> argv.addAll(c.flagsFor(command, split.given())));
    argv.addAll(split.rest());
    return argv;
  }

  /** The regions of the file's destinations, unless the command line gave its own destinations. */
  private static Map<String, String> regions(Split split, Optional<JobConfig> config) {
    if (config.isEmpty() || split.given().contains("--destination") || split.given().contains("--optional")) {
      return Map.of();
    }
    return config.get().regions();
  }

  private static Duration duration(String option, String text, boolean foreverAllowed) {
    if (foreverAllowed && text.trim().equalsIgnoreCase("forever")) {
      return null;
    }
    try {
      return ConfigDurations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException(option + ": " + e.getMessage());
    }
  }

  /** repair, verify, status, replay: the file's options, then the command as before. */
  static int simple(String command, List<String> argv, Console console) throws InterruptedException {
    Split split = split(command, argv);
    List<String> args = merged(command, split, load(split, console));
    return switch (command) {
      case "repair" -> RepairCommand.run(args, console);
      case "verify" -> VerifyCommand.run(args, console);
      case "status" -> StatusCommand.run(args, console);
      default -> ReplayCommand.run(args, console);
    };
  }

  /** push: with Redis, waits for the lease (bounded), then pushes under its fencing token. */
  static int push(List<String> argv, Console console) throws InterruptedException {
    Split split = split("push", argv);
    Optional<JobConfig> config = load(split, console);
    List<String> args = merged("push", split, config);
    Map<String, String> regions = regions(split, config);
    Optional<JobConfig.Redis> redis = config.flatMap(JobConfig::redis);
    Duration wait = split.waitFor().isPresent() ? duration("--wait", split.waitFor().get(), true)
        : config.flatMap(JobConfig::waitText).map(t -> duration("job.wait", t, true)).orElse(PUSH_WAIT);
    if (split.waitFor().isPresent() && redis.isEmpty()) {
      throw new UsageException("--wait applies to a job with Redis configured (--config FILE with a redis section)");
    }
    try (JobAlerts alerts = JobAlerts.of(config, console.env())) {
      if (redis.isEmpty()) {
        return PushCommand.run(args, console, regions, alerts::addTo);
      }
      PushCommand.check(args, console); // before a wait for the lease that may be long
      try (ActiveStandby region = ActiveStandby.start(redis.get(), console.env(), console.err())) {
        if (!region.awaitActive(wait)) {
          console.err().println("dualpush: standby: the active region's lease '" + region.coordinator().leaseName()
              + "' was not free within " + (wait == null ? "forever" : format(wait)) + " (--wait); nothing pushed");
          return Main.EXIT_NOT_VERIFIED;
        }
        return PushCommand.run(args, console, regions, b -> alerts.addTo(region.addTo(b)));
      }
    }
  }

  /** run: the long-running job ({@link RunLoop}). */
  static int run(List<String> argv, Console console) throws InterruptedException {
    Split split = split("run", argv);
    Optional<JobConfig> config = load(split, console);
    List<String> args = merged("run", split, config);
    Map<String, String> regions = regions(split, config);
    Duration interval = split.interval().isPresent() ? duration("--interval", split.interval().get(), false)
        : config.flatMap(JobConfig::interval).orElse(RUN_INTERVAL);
    Duration wait = split.waitFor().isPresent() ? duration("--wait", split.waitFor().get(), true)
        : config.flatMap(JobConfig::waitText).map(t -> duration("job.wait", t, true)).orElse(null);
    Optional<JobConfig.Redis> redis = config.flatMap(JobConfig::redis);
    PushCommand.check(args, console); // before the first wait and the first round
    try (JobAlerts alerts = JobAlerts.of(config, console.env())) {
      Optional<ActiveStandby> region = redis.map(r -> ActiveStandby.start(r, console.env(), console.out()));
      RunLoop loop = new RunLoop(region, interval, wait, console.out());
      return loop.run(client -> PushCommand.run(args, console, regions, b -> alerts.addTo(client.apply(b))));
    }
  }

  private static String format(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 ? s / 60 + "m" : d.toMillis() % 1000 == 0 ? s + "s" : d.toMillis() + "ms";
  }
}
