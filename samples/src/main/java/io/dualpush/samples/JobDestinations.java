package io.dualpush.samples;

import io.dualpush.samples.config.JobConfig;
import io.dualpush.samples.config.JobConfigException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The destinations and the transaction log of a pipeline job's configuration file, resolved exactly as
 * {@code push --config FILE} resolves them (the same {@code --destination} and {@code --log} parsing: a directory,
 * {@code azure:URL} or {@code azure-env:ENV_VAR/CONTAINER}), for a sample that runs beside the job, such as the
 * dashboard. A location that cannot be used fails with a {@link JobConfigException} naming its key path
 * ({@code destinations[1].location}, {@code log}). Nothing is written by {@link #resolve}; the log is opened by
 * {@link #openLog()}. Immutable; thread-safe (the destinations are the SDK's and the library's thread-safe ones).
 *
 * <pre>
 * JobDestinations d = JobDestinations.resolve(JobConfig.load(file, System::getenv), System::getenv);
 * d.destinations().forEach(e -&gt; builder.destination(DestinationOptions.builder(e.name()).build(), e.destination()));
 * </pre>
 */
public final class JobDestinations {
  /**
   * One destination of the file, ready to add to a client.
   *
   * @param name the destination's name
   * @param region its region, when the file gives one
   * @param required whether a push needs its copy
   * @param destination the directory or container
   */
  public record Entry(String name, Optional<String> region, boolean required, Destination destination) {}

  private final List<Entry> entries;
  private final LogLocation log;

  private JobDestinations(List<Entry> entries, LogLocation log) {
    this.entries = List.copyOf(entries);
    this.log = log;
  }

  /**
   * Resolves the file's destinations and log.
   *
   * @param config the checked configuration file
   * @param env the environment, for {@code azure-env:} connection strings
   * @return the destinations in the file's order, and the log's location
   * @throws JobConfigException naming the file and the key path of a location that cannot be used
   */
  public static JobDestinations resolve(JobConfig config, Function<String, String> env) {
    return resolve(config, Optional.empty(), env);
  }

  /**
   * Resolves the file's destinations, and the log at {@code log} instead of the file's when given: for a process that
   * runs beside the job and so needs a log of its own (a file log is locked by the one process that writes it).
   *
   * @param config the checked configuration file
   * @param log a log location written as the file's {@code log} is, or empty for the file's
   * @param env the environment, for {@code azure-env:} connection strings
   * @return the destinations in the file's order, and the log's location
   * @throws JobConfigException naming the file and the key path of a location that cannot be used
   * @throws IllegalArgumentException starting {@code --log:} when {@code log} is given and cannot be used
   */
  public static JobDestinations resolve(JobConfig config, Optional<String> log, Function<String, String> env) {
    List<JobConfig.Destination> listed = config.destinations();
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < listed.size(); i++) {
      JobConfig.Destination d = listed.get(i);
      Targets.Target t;
      try {
        t = targets(List.of(d), env).all().get(0);
      } catch (UsageException e) {
        throw new JobConfigException(config.file(), "destinations[" + i + "].location", withoutOption(e.getMessage()));
      }
      entries.add(new Entry(d.name(), d.region().filter(r -> !r.isBlank()), d.required(), t.destination()));
    }
    Targets all;
    try {
      // Checked together as push checks them: two names for one directory or container are refused.
      all = targets(listed, env);
    } catch (UsageException e) {
      throw new JobConfigException(config.file(), "destinations", withoutOption(e.getMessage()));
    }
    LogLocation location;
    try {
      location = LogLocation.parse(CliArgs.parse("dashboard", List.of("--log", log.orElse(config.log())),
          Set.of("--log"), Set.of(), Set.of()), env);
      all.requireApart(null, location);
    } catch (UsageException e) {
      if (log.isPresent()) {
        throw new IllegalArgumentException("--log: " + withoutOption(e.getMessage()), e);
      }
      throw new JobConfigException(config.file(), "log", withoutOption(e.getMessage()));
    }
    return new JobDestinations(entries, location);
  }

  private static Targets targets(List<JobConfig.Destination> destinations, Function<String, String> env) {
    List<String> argv = new ArrayList<>();
    for (JobConfig.Destination d : destinations) {
      argv.add("--destination");
      argv.add(d.name() + "=" + d.location());
      if (!d.required()) {
        argv.add("--optional");
        argv.add(d.name());
      }
    }
    if (destinations.size() == 1 && !destinations.get(0).required()) {
      // One destination checked alone: "at least one required" is the file's rule, checked by JobConfig.
      argv.subList(argv.size() - 2, argv.size()).clear();
    }
    CliArgs args = CliArgs.parse("dashboard", argv, Set.of("--destination", "--optional"),
        Set.of("--destination", "--optional"), Set.of());
    return Targets.parse(args, Set.of(), env);
  }

  /** The option's message without its {@code --destination NAME: } or {@code --log: } lead: the key path says it. */
  private static String withoutOption(String message) {
    if (message == null) {
      return "cannot be used";
    }
    if (message.startsWith("--destination ") || message.startsWith("--log")) {
      int colon = message.indexOf(": ");
      if (colon > 0) {
        return message.substring(colon + 2);
      }
    }
    return message;
  }

  /**
   * The destinations, in the file's order.
   *
   * @return at least one, names distinct
   */
  public List<Entry> destinations() {
    return entries;
  }

  /**
   * Opens the transaction log for writing, creating its directory when the log is local; the caller closes it after
   * the client that uses it.
   *
   * @return the open log
   * @throws RuntimeException naming {@code --log} when the directory cannot be created, or the library's exception
   *     when the log cannot be opened (locked by another process, damaged)
   */
  public TransactionLog openLog() {
    log.prepareForWriting();
    return log.openWriter(false);
  }

  /**
   * Where the log is, for messages: a directory's path or the location as written.
   *
   * @return the log's location
   */
  public String logLocation() {
    return log.toString();
  }

  @Override
  public String toString() {
    return "JobDestinations[" + entries.size() + " destination(s)]";
  }
}
