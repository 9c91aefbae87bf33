package io.dualpush.samples.dashboard;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.samples.JobDestinations;
import io.dualpush.samples.config.JobAlerts;
import io.dualpush.samples.config.JobConfig;
import io.dualpush.spi.AlertSink;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the dashboard's client is built over: its destinations (options and storage, in display order), its
 * transaction log and, from a configuration file, the alert webhook. Either three local directories under the
 * dashboard's directory ({@code primary} in eastus and {@code secondary} in westus2, both required; {@code edge} in
 * edge-1, optional), or the destinations, log and webhook of a pipeline job's configuration file
 * ({@link JobDestinations}, resolved as {@code push --config} resolves them). Owns the log it opened and the webhook:
 * {@link #close()} them after the client. Thread-safe once built.
 */
final class DashboardDestinations implements AutoCloseable {
  /** One destination, in display order. */
  record Entry(DestinationOptions options, Destination destination) {
    String id() {
      return options.id();
    }
  }

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RECOVERY_POINT_BUDGET = Duration.ofSeconds(30);

  private final List<Entry> entries;
  private final Function<DualPushClientBuilder, DualPushClientBuilder> log;
  private final Optional<TransactionLog> ownedLog;
  private final JobAlerts alerts;
  private final Optional<AlertSink> webhook;
  private final String description;

  private DashboardDestinations(List<Entry> entries, Function<DualPushClientBuilder, DualPushClientBuilder> log,
      Optional<TransactionLog> ownedLog, JobAlerts alerts, Optional<AlertSink> webhook, String description) {
    this.entries = List.copyOf(entries);
    this.log = log;
    this.ownedLog = ownedLog;
    this.alerts = alerts;
    this.webhook = webhook;
    this.description = description;
  }

  /**
   * The self-contained setup: {@code primary/}, {@code secondary/}, {@code edge/} and {@code log/} under {@code dir},
   * created when missing.
   */
  static DashboardDestinations local(Path dir) {
    List<Entry> entries = new ArrayList<>();
    try {
      for (String[] idRegion : new String[][] {{"primary", "eastus"}, {"secondary", "westus2"}, {"edge", "edge-1"}}) {
        String id = idRegion[0];
        Path d = Files.createDirectories(dir.resolve(id));
        entries.add(new Entry(options(id, Optional.of(idRegion[1]), !id.equals("edge")), new FileSystemDestination(d)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the dashboard's directories under " + dir + ": " + e.getMessage(), e);
    }
    Path logDir = dir.resolve("log");
    return new DashboardDestinations(entries, b -> b.transactionLog(logDir), Optional.empty(),
        JobAlerts.of(Optional.empty(), name -> null), Optional.empty(), "three local directories under " + dir);
  }

  /**
   * The destinations, log and webhook of a pipeline job's configuration file. The Redis section is not used: the
   * dashboard takes no lease.
   *
   * @param log the dashboard's own log location instead of the file's ({@code --log}), or empty
   * @throws IllegalArgumentException starting {@code --log:} when {@code log} cannot be used
   * @throws io.dualpush.samples.config.JobConfigException naming the key path of a location that cannot be used
   */
  static DashboardDestinations configured(JobConfig config, Optional<String> log, Function<String, String> env) {
    JobDestinations resolved = JobDestinations.resolve(config, log, env);
    List<Entry> entries = new ArrayList<>();
    Duration timeout = config.push().timeout().orElse(TIMEOUT);
    for (JobDestinations.Entry e : resolved.destinations()) {
      DestinationOptions.Builder b = DestinationOptions.builder(e.name()).required(e.required()).timeout(timeout)
          .recoveryPointBudget(RECOVERY_POINT_BUDGET);
      e.region().ifPresent(b::region);
      entries.add(new Entry(b.build(), e.destination()));
    }
    TransactionLog opened = resolved.openLog();
    JobAlerts alerts;
    try {
      alerts = JobAlerts.of(Optional.of(config), env);
    } catch (RuntimeException e) {
      closeQuietly(opened);
      throw e;
    }
    return new DashboardDestinations(entries, b -> b.transactionLog(opened), Optional.of(opened), alerts,
        alerts.sink(), entries.size() + " destination(s) of " + config.file() + ", log " + resolved.logLocation());
  }

  private static DestinationOptions options(String id, Optional<String> region, boolean required) {
    DestinationOptions.Builder b = DestinationOptions.builder(id).required(required).timeout(TIMEOUT)
        .recoveryPointBudget(RECOVERY_POINT_BUDGET);
    region.ifPresent(b::region);
    return b.build();
  }

  /** The destinations, in display order; ids distinct. */
  List<Entry> entries() {
    return entries;
  }

  /** Sets the transaction log on the client's builder. */
  DualPushClientBuilder addLog(DualPushClientBuilder builder) {
    return log.apply(builder);
  }

  /** The configured alert webhook, to which every alert is forwarded too. */
  Optional<AlertSink> webhook() {
    return webhook;
  }

  /** What the dashboard runs over, for its log line (no secret: names, paths and the file's name). */
  String description() {
    return description;
  }

  /** Delivers the webhook's queue and closes the log this setup opened; after the client is closed. */
  @Override
  public void close() {
    try {
      alerts.close();
    } finally {
      ownedLog.ifPresent(DashboardDestinations::closeQuietly);
    }
  }

  private static void closeQuietly(TransactionLog log) {
    try {
      log.close();
    } catch (Exception e) {
      // Closing after the client: nothing is left to flush that the client did not.
    }
  }
}
