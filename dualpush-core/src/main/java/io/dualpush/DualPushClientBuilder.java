package io.dualpush;

import io.dualpush.internal.EngineConfig;
import io.dualpush.internal.PushEngine;
import io.dualpush.internal.SeverityOverridingSink;
import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@link DualPushClient}s and {@link DualPushAsyncClient}s. Setters validate on entry and
 * name the field; a setting given twice fails at once; {@code build} checks the whole and fails
 * before anything is written or started.
 *
 * <pre>{@code
 * DualPushClient client = new DualPushClientBuilder()
 *     .destination(DestinationOptions.builder("primary").region("eastus2").build(), primary)
 *     .destination(DestinationOptions.builder("secondary").region("westus2").build(), secondary)
 *     .transactionLog(Path.of("/var/lib/dualpush/log"))
 *     .buildClient();
 * }</pre>
 *
 * <p>Not thread-safe; build once, share the client.
 */
public final class DualPushClientBuilder {

  private final Map<String, EngineConfig.Target> destinations = new LinkedHashMap<>();
  private TransactionLog transactionLog;
  private Path transactionLogDirectory;
  private DedupeStore dedupeStore;
  private Duration dedupeTtl;
  private AlertSink alertSink;
  private final Map<Alert.Type, Alert.Severity> alertSeverities = new EnumMap<>(Alert.Type.class);
  private ActiveRegionCoordinator coordinator;
  private final List<DualPushListener> listeners = new ArrayList<>();
  private AckPolicy ackPolicy;
  private RetryOptions retry;
  private CircuitBreakerOptions circuitBreaker;
  private RepairOptions repair;
  private Clock clock;
  private Integer ioThreads;
  private Integer maxInFlight;
  private Long retainedPayloadBytes;
  private Duration closeTimeout;
  private Integer historyCapacity;
  private HistoryDetail historyDetail;

  /**
   * A builder with nothing set; at least one destination and a transaction log are needed before {@link
   * #buildClient()}.
   */
  public DualPushClientBuilder() {}

  /**
   * Adds a destination; ids must be unique. Order is kept (it is the order of receipts).
   * {@link #buildClient()} refuses destinations that {@linkplain Destination#overlaps overlap} (the
   * same instance, directory or container twice, or one directory inside another).
   *
   * @param options the destination's id, region, priority, whether it is required, and its write timeout
   * @param destination where the copies go; the caller keeps ownership (the client never closes it)
   * @return this builder
   * @throws InvalidInputException naming {@code destination} when either argument is null or the id was
   *     already added
   */
  public DualPushClientBuilder destination(DestinationOptions options, Destination destination) {
    InvalidInputException.requireNonNull(options, "options");
    InvalidInputException.requireNonNull(destination, "destination");
    if (destinations.containsKey(options.id())) {
      throw new InvalidInputException("destination", "destination '" + options.id() + "' was already added");
    }
    destinations.put(options.id(), new EngineConfig.Target(options, destination));
    return this;
  }

  /**
   * Adds a required destination with default options.
   *
   * @param id the destination's id (see {@link DestinationOptions#builder(String)})
   * @param destination where the copies go; the caller keeps ownership
   * @return this builder
   * @throws InvalidInputException naming {@code destination} or {@code id} when an argument is null,
   *     malformed or the id was already added
   */
  public DualPushClientBuilder destination(String id, Destination destination) {
    return destination(DestinationOptions.of(id), destination);
  }

  /**
   * The transaction log to use; the caller keeps ownership and closes it after the client.
   *
   * @param log an open transaction log; appends must be durable on return
   * @return this builder
   * @throws InvalidInputException naming {@code transactionLog} when {@code log} is null or a log was already
   *     set
   */
  public DualPushClientBuilder transactionLog(TransactionLog log) {
    InvalidInputException.requireNonNull(log, "transactionLog");
    checkUnset(transactionLog == null && transactionLogDirectory == null, "transactionLog", transactionLog != null ? transactionLog : transactionLogDirectory);
    this.transactionLog = log;
    return this;
  }

  /**
   * A {@link FileTransactionLog} in {@code directory}, opened on build and closed with the client.
   * {@link #buildClient()} creates the directory, and any missing parents, when it does not exist
   * yet, after every other check has passed (a refused configuration writes nothing); it refuses,
   * naming {@code transactionLog}, a path that exists but is not a directory, a directory it
   * cannot create, and a directory that is, is inside or contains a
   * {@link io.dualpush.local.FileSystemDestination}'s directory, where a pushed object could replace a log segment.
   *
   * @param directory where the log's segments live; relative paths are taken from the working directory
   * @return this builder
   * @throws InvalidInputException naming {@code transactionLog} when {@code directory} is null or a
   *     log was already set
   */
  public DualPushClientBuilder transactionLog(Path directory) {
    InvalidInputException.requireNonNull(directory, "transactionLog");
    checkUnset(transactionLog == null && transactionLogDirectory == null, "transactionLog", transactionLog != null ? transactionLog : transactionLogDirectory);
    this.transactionLogDirectory = directory;
    return this;
  }

  /**
   * Where message ids are remembered. By default, with a {@link FileTransactionLog}, a
   * {@link FileDedupeStore} in the log's directory (ids survive a restart within their TTL; closed with
   * the client); with any other log, an {@link InProcessDedupeStore} (forgotten on restart).
   *
   * @param store a shared store when several processes push the same messages; the caller keeps ownership
   * @return this builder
   * @throws InvalidInputException naming {@code dedupeStore} when it is null or already set
   */
  public DualPushClientBuilder dedupeStore(DedupeStore store) {
    InvalidInputException.requireNonNull(store, "dedupeStore");
    checkUnset(dedupeStore == null, "dedupeStore", dedupeStore);
    this.dedupeStore = store;
    return this;
  }

  /**
   * How long a processed message id is remembered; default 7 days.
   *
   * @param ttl a positive duration; a message id seen again after it is processed again
   * @return this builder
   * @throws InvalidInputException naming {@code dedupeTtl} when it is null, not positive or already set
   */
  public DualPushClientBuilder dedupeTtl(Duration ttl) {
    checkUnset(dedupeTtl == null, "dedupeTtl", dedupeTtl);
    this.dedupeTtl = Durations.positive(ttl, "dedupeTtl");
    return this;
  }

  /**
   * Fences this client's pushes with an active-region lease (guarantee G6): a push is refused with
   * {@link NotActiveException} unless {@code coordinator} is active, before anything is logged; every write
   * (first copies and repairs) carries the lease's fencing token, taken just before it; a copy that finds the
   * lease lost is left pending rather than failed, and repairs wait while this process stands by. The
   * coordinator's alerts go to this client's {@link #alertSink} unless it has its own, and while active it
   * watches this client's destinations. The caller starts and closes the coordinator; close the client first.
   *
   * @param coordinator a coordinator, started or not
   * @return this builder
   * @throws InvalidInputException naming {@code coordinator} when it is null or already set
   */
  public DualPushClientBuilder coordinator(ActiveRegionCoordinator coordinator) {
    InvalidInputException.requireNonNull(coordinator, "coordinator");
    checkUnset(this.coordinator == null, "coordinator", this.coordinator);
    this.coordinator = coordinator;
    return this;
  }

  /**
   * Where alerts go. Default: an {@link AlertCoalescer} (1-minute window) over a {@link Slf4jAlertSink}, which
   * logs under the logger {@value Slf4jAlertSink#LOGGER_NAME} at a level matching the severity; the first alert
   * of a (type, destination) is logged at once, the rest of a storm as one summary a minute, then a resolve.
   * A sink given here is used as given: wrap it in an {@link AlertCoalescer} to coalesce it (and close that
   * coalescer after the client).
   *
   * @param sink receives every alert, such as a dead-lettered transaction or an inconsistent copy; it must
   *     not block for long
   * @return this builder
   * @throws InvalidInputException naming {@code alertSink} when it is null or already set
   */
  public DualPushClientBuilder alertSink(AlertSink sink) {
    InvalidInputException.requireNonNull(sink, "alertSink");
    checkUnset(alertSink == null, "alertSink", alertSink);
    this.alertSink = sink;
    return this;
  }

  /**
   * Raises alerts of {@code type} with {@code severity} instead of the type's
   * {@link Alert.Type#defaultSeverity() default} (the seed's map): the alert sink, the default one
   * or one given to {@link #alertSink}, sees the new severity on every alert and resolve of that type, the
   * coordinator's included. The default sink logs by severity, so this also moves the alert's log level.
   *
   * <pre>{@code
   * builder.alertSeverity(Alert.Type.PERFORMANCE_DEGRADATION, Alert.Severity.MEDIUM);
   * }</pre>
   *
   * @param type the alert type
   * @param severity the severity its alerts are raised with
   * @return this builder
   * @throws InvalidInputException naming {@code type} or {@code severity} when it is null, or {@code type} when a
   *     severity was already set for it
   */
  public DualPushClientBuilder alertSeverity(Alert.Type type, Alert.Severity severity) {
    InvalidInputException.requireNonNull(type, "type");
    InvalidInputException.requireNonNull(severity, "severity");
    Alert.Severity before = alertSeverities.get(type);
    if (before != null) {
      throw new InvalidInputException("type", "alertSeverity of " + type + " was already set to " + before);
    }
    alertSeverities.put(type, severity);
    return this;
  }

  /**
   * Adds a listener for engine events.
   *
   * @param listener called on the engine's threads for each {@link DualPushEvent}; it must be quick and must
   *     not throw
   * @return this builder
   * @throws InvalidInputException naming {@code listener} when it is null
   */
  public DualPushClientBuilder listener(DualPushListener listener) {
    listeners.add(InvalidInputException.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * When a push is acknowledged; default {@link AckPolicy#allRequired()}. {@link #buildClient()} refuses a
   * quorum larger than the number of required destinations.
   *
   * @param policy the ack policy
   * @return this builder
   * @throws InvalidInputException naming {@code ackPolicy} when it is null or already set
   */
  public DualPushClientBuilder ackPolicy(AckPolicy policy) {
    InvalidInputException.requireNonNull(policy, "ackPolicy");
    checkUnset(ackPolicy == null, "ackPolicy", ackPolicy);
    this.ackPolicy = policy;
    return this;
  }

  /**
   * How each destination's failed writes are retried within one push; default {@link
   * RetryOptions#ofDefaults()}.
   *
   * @param options the retry options
   * @return this builder
   * @throws InvalidInputException naming {@code retry} when it is null or already set
   */
  public DualPushClientBuilder retry(RetryOptions options) {
    InvalidInputException.requireNonNull(options, "retry");
    checkUnset(retry == null, "retry", retry);
    this.retry = options;
    return this;
  }

  /**
   * The circuit breaker each destination gets; default {@link CircuitBreakerOptions#ofDefaults()}.
   *
   * @param options the breaker options
   * @return this builder
   * @throws InvalidInputException naming {@code circuitBreaker} when it is null or already set
   */
  public DualPushClientBuilder circuitBreaker(CircuitBreakerOptions options) {
    InvalidInputException.requireNonNull(options, "circuitBreaker");
    checkUnset(circuitBreaker == null, "circuitBreaker", circuitBreaker);
    this.circuitBreaker = options;
    return this;
  }

  /**
   * How failed copies are repaired in the background, and when a transaction is dead-lettered; default {@link
   * RepairOptions#ofDefaults()}.
   *
   * @param options the repair options
   * @return this builder
   * @throws InvalidInputException naming {@code repair} when it is null or already set
   */
  public DualPushClientBuilder repair(RepairOptions options) {
    InvalidInputException.requireNonNull(options, "repair");
    checkUnset(repair == null, "repair", repair);
    this.repair = options;
    return this;
  }

  /**
   * The clock for log timestamps, TTLs and repair schedules; default the system UTC clock.
   *
   * @param clock the wall clock; tests pass a controllable one
   * @return this builder
   * @throws InvalidInputException naming {@code clock} when it is null or already set
   */
  public DualPushClientBuilder clock(Clock clock) {
    InvalidInputException.requireNonNull(clock, "clock");
    checkUnset(this.clock == null, "clock", this.clock);
    this.clock = clock;
    return this;
  }

  /**
   * Threads for destination I/O and for hashing; default 16.
   *
   * @param threads at least 1
   * @return this builder
   * @throws InvalidInputException naming {@code ioThreads} when it is below 1 or already set
   */
  public DualPushClientBuilder ioThreads(int threads) {
    if (threads < 1) {
      throw new InvalidInputException("ioThreads", "'ioThreads' must be at least 1; got " + threads + ".");
    }
    checkUnset(ioThreads == null, "ioThreads", ioThreads);
    this.ioThreads = threads;
    return this;
  }

  /**
   * Pushes accepted and not yet settled at once; default 256. Further pushes wait in a queue
   * (a blocking {@code push} waits, an async one returns a pending future) of at most
   * {@code max(1024, 4 x maxInFlight)}; past that a push fails at once with
   * {@link PushQueueFullException} (backpressure).
   *
   * @param pushes at least 1
   * @return this builder
   * @throws InvalidInputException naming {@code maxInFlight} when it is below 1 or already set
   */
  public DualPushClientBuilder maxInFlight(int pushes) {
    if (pushes < 1) {
      throw new InvalidInputException("maxInFlight", "'maxInFlight' must be at least 1; got " + pushes + ".");
    }
    checkUnset(maxInFlight == null, "maxInFlight", maxInFlight);
    this.maxInFlight = pushes;
    return this;
  }

  /**
   * In-memory payload bytes kept for repairing failed copies; default 64 MiB.
   *
   * @param bytes 0 or more; 0 repairs from the source file or a verified copy only
   * @return this builder
   * @throws InvalidInputException naming {@code retainedPayloadBytes} when it is negative or already set
   */
  public DualPushClientBuilder retainedPayloadBytes(long bytes) {
    if (bytes < 0) {
      throw new InvalidInputException("retainedPayloadBytes", "'retainedPayloadBytes' cannot be negative; got " + bytes + ".");
    }
    checkUnset(retainedPayloadBytes == null, "retainedPayloadBytes", retainedPayloadBytes);
    this.retainedPayloadBytes = bytes;
    return this;
  }

  /**
   * How long {@code close()} waits for pushes in flight; default 2 minutes.
   *
   * @param timeout a positive duration; pushes still in flight after it are left to recovery on the next
   *     start
   * @return this builder
   * @throws InvalidInputException naming {@code closeTimeout} when it is null, not positive or already set
   */
  public DualPushClientBuilder closeTimeout(Duration timeout) {
    checkUnset(closeTimeout == null, "closeTimeout", closeTimeout);
    this.closeTimeout = Durations.positive(timeout, "closeTimeout");
    return this;
  }

  /**
   * How many entries the client's {@link EventHistory} keeps ({@link DualPushClient#history()}): the most recent
   * events and alerts; older ones fall off. Default {@value EventHistory#DEFAULT_CAPACITY}, a few megabytes.
   *
   * @param entries 0 to {@value EventHistory#MAX_CAPACITY}; 0 turns the history off, so that it records nothing
   *     and costs nothing
   * @return this builder
   * @throws InvalidInputException naming {@code historyCapacity} when it is outside 0 to
   *     {@value EventHistory#MAX_CAPACITY} or already set
   */
  public DualPushClientBuilder historyCapacity(int entries) {
    if (entries < 0 || entries > EventHistory.MAX_CAPACITY) {
      throw new InvalidInputException("historyCapacity", "'historyCapacity' must be between 0 and "
          + EventHistory.MAX_CAPACITY + "; got " + entries + ".");
    }
    checkUnset(historyCapacity == null, "historyCapacity", historyCapacity);
    this.historyCapacity = entries;
    return this;
  }

  /**
   * How much of each push the client's {@link EventHistory} records; see {@link HistoryDetail}.
   *
   * @param detail {@link HistoryDetail#OUTCOMES} (the default: a push that went well leaves one entry) or
   *     {@link HistoryDetail#STEPS} (every step of every push)
   * @return this builder
   * @throws InvalidInputException naming {@code historyDetail} when it is null or already set
   */
  public DualPushClientBuilder historyDetail(HistoryDetail detail) {
    InvalidInputException.requireNonNull(detail, "historyDetail");
    checkUnset(historyDetail == null, "historyDetail", historyDetail);
    this.historyDetail = detail;
    return this;
  }

  /**
   * Validates the configuration, opens the file log when {@link #transactionLog(Path)} was used, runs
   * recovery (every open transaction in the log is resumed) and starts the engine. Nothing is written before
   * every check has passed.
   *
   * @return a started, blocking client; close it to release its threads
   * @throws InvalidInputException naming the field at fault for a bad or inconsistent configuration
   * @throws DualPushException when the transaction log cannot be opened or recovered
   */
  public DualPushClient buildClient() {
    return new DualPushClient(buildAsyncClient());
  }

  /**
   * Like {@link #buildClient()}, for the {@code CompletableFuture} flavour.
   *
   * @return a started client; close it to release its threads
   * @throws InvalidInputException naming the field at fault for a bad or inconsistent configuration
   * @throws DualPushException when the transaction log cannot be opened or recovered
   */
  public DualPushAsyncClient buildAsyncClient() {
    AckPolicy ack = BuildChecks.ackPolicy(destinations.values(), ackPolicy);
    BuildChecks.requireLog(transactionLog, transactionLogDirectory);
    BuildChecks.separateStorage(destinations, transactionLog, transactionLogDirectory);
    Clock c = clock != null ? clock : Clock.systemUTC();
    TransactionLog log = transactionLog != null ? transactionLog : FileTransactionLog.open(transactionLogDirectory);
    Duration ttl = dedupeTtl != null ? dedupeTtl : Duration.ofDays(7);
    DedupeStore dedupe;
    try {
      dedupe = dedupeStore != null ? dedupeStore : defaultDedupe(log, ttl, c);
    } catch (RuntimeException | Error e) {
      if (transactionLog == null) {
        log.close();
      }
      throw e;
    }
    // The default sink is the client's own: it coalesces storms and is closed with the client.
    AlertCoalescer defaultAlerts = alertSink != null ? null
        : AlertCoalescer.builder().sink(new Slf4jAlertSink()).clock(c).build();
    // The history records every event as a listener, and every alert (the coordinator's too) before the sink.
    EventHistory history = new EventHistory(historyCapacity != null ? historyCapacity : EventHistory.DEFAULT_CAPACITY, c,
        historyDetail != null ? historyDetail : HistoryDetail.OUTCOMES);
    EngineConfig config = new EngineConfig(
        List.copyOf(destinations.values()),
        log,
        transactionLog == null,
        dedupe,
        dedupeStore == null,
        ttl,
        // The severity map first, so that the history records alerts as the sink gets them.
        SeverityOverridingSink.wrap(history.recording(alertSink != null ? alertSink : defaultAlerts),
            alertSeverities),
        history.listening(listeners),
        ack,
        retry != null ? retry : RetryOptions.ofDefaults(),
        circuitBreaker != null ? circuitBreaker : CircuitBreakerOptions.ofDefaults(),
        repair != null ? repair : RepairOptions.ofDefaults(),
        c,
        ioThreads != null ? ioThreads : 16,
        maxInFlight != null ? maxInFlight : 256,
        retainedPayloadBytes != null ? retainedPayloadBytes : 64L * 1024 * 1024,
        closeTimeout != null ? closeTimeout : Duration.ofMinutes(2),
        coordinator);
    try {
      PushEngine engine = new PushEngine(config);
      engine.start();
      if (coordinator != null) {
        coordinator.attach(config.alerts(), engine::health);
      }
      return new DualPushAsyncClient(engine, defaultAlerts, history);
    } catch (RuntimeException | Error e) {
      if (config.ownsDedupe() && dedupe instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
      if (config.ownsLog()) {
        log.close();
      }
      throw e;
    }
  }

  /** G3 across restarts where the log is durable: the file log's own store; otherwise in memory. */
  private static DedupeStore defaultDedupe(TransactionLog log, Duration ttl, Clock clock) {
    return log instanceof FileTransactionLog file ? FileDedupeStore.open(file, ttl, clock) : new InProcessDedupeStore(clock);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception suppressed) {
      // the build's own failure is the one to report
    }
  }


  private static void checkUnset(boolean unset, String field, Object current) {
    if (!unset) {
      throw new InvalidInputException(field, field + " was already set to " + current);
    }
  }
}
