package io.dualpush.micrometer;

import io.dualpush.DestinationLag;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushEvent;
import io.dualpush.DualPushListener;
import io.dualpush.DualPushStats;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for one dualpush client: what it did (counters and a timer, from its {@link DualPushEvent}s),
 * what it still has to do (gauges over {@link DualPushClient#stats()} and {@link DualPushClient#lag()}), and the
 * alerts it raised (through {@link #countingAlertSink(AlertSink)}).
 *
 * <p>A client's listeners are fixed when it is built, so the binder is used in three steps: register it as a
 * listener on the client's builder, attach the built client, bind it to a registry (binding may also come first,
 * as a framework that binds every {@link MeterBinder} it finds does; the client's meters then appear when it is
 * attached):
 *
 * <pre>{@code
 * DualPushMetrics metrics = DualPushMetrics.builder().build();
 * DualPushClient client = new DualPushClientBuilder()
 *     .destination(DestinationOptions.builder("primary").region("eastus2").build(), primary)
 *     .destination(DestinationOptions.builder("secondary").region("westus2").build(), secondary)
 *     .transactionLog(logDirectory)
 *     .listener(metrics)
 *     .buildClient();
 * metrics.attach(client).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter is named {@code dualpush.*} and carries the builder's {@link Builder#tags(Iterable) tags};
 * per-destination meters carry {@code destination} (the id given to the client's builder) and {@code region}
 * ({@link io.dualpush.DestinationOptions#region()}, or {@code none} when it has none):
 * <ul>
 *   <li>{@code dualpush.pushes} (counter, tag {@code outcome}: {@code acknowledged}, {@code not_acknowledged},
 *       {@code duplicate}); {@code dualpush.repairs} (repair rounds started); {@code dualpush.dead.letters}
 *       (transactions repair gave up on);</li>
 *   <li>{@code dualpush.copies} (per destination, tag {@code outcome}: {@code written}, {@code unchanged},
 *       {@code verified}, {@code failed}, {@code inconsistent}); {@code dualpush.destination.outages} (per
 *       destination: times its circuit breaker opened); {@code dualpush.destination.up} (per destination, gauge:
 *       1, or 0 from a {@link DualPushEvent.Type#DESTINATION_DOWN} until the next
 *       {@link DualPushEvent.Type#DESTINATION_UP});</li>
 *   <li>{@code dualpush.copy.duration} (per destination, tag {@code outcome}: {@code written},
 *       {@code unchanged}, {@code failed}): one sample per write attempted, counted from the client's start; a
 *       {@code FunctionTimer} (count and total time) unless {@link Builder#percentileHistogram(boolean)} turns the
 *       histogram on, which makes it a {@code Timer} (with max and histogram, recorded once bound);</li>
 *   <li>from {@code stats()}: {@code dualpush.backlog.transactions} (transactions not yet verified everywhere),
 *       {@code dualpush.lag.oldest} (time gauge: the oldest one's age), {@code dualpush.in.flight} (pushes
 *       accepted and not settled);</li>
 *   <li>from {@code lag()}, per destination: {@code dualpush.destination.backlog.copies},
 *       {@code dualpush.destination.backlog.bytes}, {@code dualpush.destination.lag} (time gauge: the oldest
 *       pending copy's age), {@code dualpush.destination.completion} (time gauge, tag {@code quantile}:
 *       {@code 0.5}, {@code 0.99}), {@code dualpush.destination.lag.budget} (time gauge, only for a destination
 *       with a recovery-point budget), and the never-reset counts {@code dualpush.destination.dead.letters} and
 *       {@code dualpush.destination.abandoned} (function counters);</li>
 *   <li>{@code dualpush.alerts} (counter, tags {@code type} and {@code severity}: the alert's, in lower case),
 *       when the client's alert sink is one {@link #countingAlertSink(AlertSink)} returned.</li>
 * </ul>
 *
 * <p>Counters count every event from the client's start, bound or not. Copy durations are recorded from the time
 * both a registry is bound and the client attached. Gauges never call a destination: {@code stats()} and
 * {@code lag()} are read from the engine's own figures, at most once per {@link Builder#snapshotInterval(Duration)
 * snapshot interval} per registry, on that registry's clock. Gauges hold the client weakly: a registry never keeps a
 * dropped client alive. Once the client is closed or gone, a gauge reads its last figure or NaN, never throws.
 * {@link #close()} removes the meters from every registry this binder was bound to.
 *
 * <p>Thread-safe: events arrive on the engine's threads and are counted without a lock; {@link #attach},
 * {@link #bindTo} and {@link #close} may be called from any thread.
 */
public final class DualPushMetrics implements MeterBinder, DualPushListener, AutoCloseable {
  /** The {@code region} tag of a destination without a region. */
  static final String NO_REGION = "none";
  private static final Set<String> OWN_TAG_KEYS = Set.of("destination", "region", "outcome", "quantile", "type",
      "severity");
  private static final Copy[] TIMED = {Copy.WRITTEN, Copy.UNCHANGED, Copy.FAILED};

  private final boolean percentileHistogram;
  private final long snapshotIntervalNanos;
  private final Tags tags;

  // Counted from the client's first event, whether or not a registry is bound yet; function counters read them.
  private final LongAdder acknowledged = new LongAdder();
  private final LongAdder notAcknowledged = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder repairs = new LongAdder();
  private final LongAdder deadLetters = new LongAdder();
  private final ConcurrentHashMap<String, DestinationCounts> destinations = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<AlertKey, LongAdder> alerts = new ConcurrentHashMap<>();

  private final Object lock = new Object();
  /** Read on the event path without the lock; replaced whole under it. */
  private volatile Binding[] bindings = new Binding[0];
  // Guarded by lock. Weak, like the gauges' hold: a binder kept by the application (a framework's bean) must not
  // keep a closed client it was attached to alive.
  private @Nullable WeakReference<DualPushAsyncClient> attached;
  private Map<String, String> regions = Map.of(); // guarded by lock: destination id to region tag, once attached
  private volatile boolean closed;

  private DualPushMetrics(Builder b) {
    this.percentileHistogram = b.percentileHistogram != null && b.percentileHistogram;
    this.snapshotIntervalNanos = (b.snapshotInterval != null ? b.snapshotInterval : Duration.ofSeconds(1)).toNanos();
    this.tags = b.tags != null ? b.tags : Tags.empty();
  }

  /**
   * Starts a builder; every setting has a default.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A binder with every default: no extra tags, no percentile histogram, snapshots of one second.
   *
   * @return a new binder, attached to no client and bound to no registry
   */
  public static DualPushMetrics ofDefaults() {
    return builder().build();
  }

  /**
   * Attaches the client this binder is a listener of, so that its gauges, per-destination counters and copy timer
   * can be registered: in every registry already bound, and in those bound later. Reads the client's destinations
   * and regions from {@link DualPushClient#lag()}, which does not block.
   *
   * @param client the client built with this binder as a {@link io.dualpush.DualPushClientBuilder#listener
   *     listener}; held weakly, here and by the gauges
   * @return this binder
   * @throws InvalidInputException naming {@code client} when it is null
   * @throws IllegalStateException when a client is already attached, or this binder is closed
   */
  public DualPushMetrics attach(DualPushClient client) {
    InvalidInputException.requireNonNull(client, "client");
    return attach(client.async());
  }

  /**
   * Like {@link #attach(DualPushClient)}, for the {@code CompletableFuture} flavour.
   *
   * @param client the client built with this binder as a listener; held weakly
   * @return this binder
   * @throws InvalidInputException naming {@code client} when it is null
   * @throws IllegalStateException when a client is already attached, or this binder is closed
   */
  public DualPushMetrics attach(DualPushAsyncClient client) {
    InvalidInputException.requireNonNull(client, "client");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("DualPushMetrics is closed");
      }
      if (attached != null) {
        throw new IllegalStateException("a client was already attached to this DualPushMetrics: one binder per client");
      }
      Map<String, String> r = new LinkedHashMap<>();
      for (DestinationLag lag : client.lag().values()) {
        r.put(lag.destinationId(), lag.region().isEmpty() ? NO_REGION : lag.region());
        counts(lag.destinationId());
      }
      attached = new WeakReference<>(client);
      regions = Collections.unmodifiableMap(r);
      for (Binding b : bindings) {
        registerClient(b, client);
      }
    }
    return this;
  }

  /**
   * Registers this binder's meters in {@code registry}: the push, repair, dead-letter and alert counters at once,
   * the client's gauges, per-destination counters and copy timer once a client is {@linkplain #attach attached}.
   * Binding the same registry twice does nothing the second time.
   *
   * @param registry the registry to register in
   * @throws InvalidInputException naming {@code registry} when it is null
   * @throws IllegalStateException when this binder is closed
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    InvalidInputException.requireNonNull(registry, "registry");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("DualPushMetrics is closed");
      }
      for (Binding b : bindings) {
        if (b.registry == registry) {
          return;
        }
      }
      Binding b = new Binding(registry);
      registerGlobal(b);
      for (AlertKey key : alerts.keySet()) {
        registerAlert(b, key);
      }
      DualPushAsyncClient client = attached != null ? attached.get() : null;
      if (client != null) {
        registerClient(b, client);
      }
      Binding[] next = Arrays.copyOf(bindings, bindings.length + 1);
      next[next.length - 1] = b;
      bindings = next;
    }
  }

  /**
   * Returns an alert sink that counts each alert in {@code dualpush.alerts} (tagged with its type and severity)
   * and then passes it to {@code downstream}. Give it to the client's builder as its
   * {@link io.dualpush.DualPushClientBuilder#alertSink alertSink}; it replaces the client's default sink, so put
   * the default's coalescer in front of your own sink yourself, and close it after the client:
   *
   * <pre>{@code
   * AlertCoalescer coalescer = AlertCoalescer.builder().sink(new Slf4jAlertSink()).build();
   * builder.listener(metrics).alertSink(metrics.countingAlertSink(coalescer));
   * }</pre>
   *
   * <p>Alerts are counted before coalescing, so the counter shows a storm the log line summarises. Every alert
   * type is registered at zero with its default severity from this call on. The returned sink is thread-safe if
   * {@code downstream} is.
   *
   * @param downstream the sink alerts go to after being counted
   * @return a counting sink in front of {@code downstream}
   * @throws InvalidInputException naming {@code downstream} when it is null
   */
  public AlertSink countingAlertSink(AlertSink downstream) {
    InvalidInputException.requireNonNull(downstream, "downstream");
    for (Alert.Type type : Alert.Type.values()) {
      alertCount(new AlertKey(type, type.defaultSeverity()));
    }
    return new CountingAlertSink(downstream);
  }

  /**
   * Counts one event; called by the client this binder listens to, on its threads. Never blocks, never throws.
   *
   * @param event what the client did
   */
  @Override
  public void onEvent(DualPushEvent event) {
    if (closed) {
      return;
    }
    switch (event.type()) {
      case PUSH_ACKNOWLEDGED -> acknowledged.increment();
      case PUSH_NOT_ACKNOWLEDGED -> notAcknowledged.increment();
      case DUPLICATE_PUSH -> duplicates.increment();
      case REPAIR_STARTED -> repairs.increment();
      case DEAD_LETTERED -> deadLetters.increment();
      case COPY_WRITTEN -> copy(event, Copy.WRITTEN);
      case COPY_UNCHANGED -> copy(event, Copy.UNCHANGED);
      case COPY_FAILED -> copy(event, Copy.FAILED);
      case COPY_VERIFIED -> copy(event, Copy.VERIFIED);
      case COPY_INCONSISTENT -> copy(event, Copy.INCONSISTENT);
      case DESTINATION_DOWN -> {
        if (!event.destinationId().isEmpty()) {
          DestinationCounts d = counts(event.destinationId());
          d.outages.increment();
          d.up = false;
        }
      }
      case DESTINATION_UP -> {
        if (!event.destinationId().isEmpty()) {
          counts(event.destinationId()).up = true;
        }
      }
      default -> {
        // PUSH_STARTED and REPAIR_FINISHED: counted by their outcomes
      }
    }
  }

  /**
   * Removes every meter this binder registered from every registry it was bound to, and stops counting. The
   * client is not closed. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      for (Binding b : bindings) {
        for (Meter m : b.meters) {
          b.registry.remove(m);
        }
      }
      bindings = new Binding[0];
      attached = null;
    }
  }

  @Override
  public String toString() {
    return "DualPushMetrics" + tags;
  }

  // ---------------------------------------------------------------- events

  private void copy(DualPushEvent event, Copy outcome) {
    String id = event.destinationId();
    if (id.isEmpty()) {
      return;
    }
    DestinationCounts d = counts(id);
    d.of(outcome).increment();
    if (outcome.timed) {
      d.timedCount[outcome.ordinal()].increment();
      d.timedNanos[outcome.ordinal()].add(event.elapsed().toNanos());
    }
    if (outcome.timed && percentileHistogram) {
      for (Binding b : bindings) {
        Timer[] timers = b.timers.get(id);
        if (timers != null) {
          timers[outcome.ordinal()].record(event.elapsed());
        }
      }
    }
  }

  private DestinationCounts counts(String destinationId) {
    DestinationCounts d = destinations.get(destinationId);
    return d != null ? d : destinations.computeIfAbsent(destinationId, k -> new DestinationCounts());
  }

  private LongAdder alertCount(AlertKey key) {
    LongAdder count = alerts.get(key);
    if (count != null) {
      return count;
    }
    synchronized (lock) {
      count = alerts.get(key);
      if (count == null) {
        count = new LongAdder();
        alerts.put(key, count);
        for (Binding b : bindings) {
          registerAlert(b, key);
        }
      }
      return count;
    }
  }

  // ---------------------------------------------------------------- registration (under lock)

  private void registerGlobal(Binding b) {
    pushCounter(b, "acknowledged", acknowledged);
    pushCounter(b, "not_acknowledged", notAcknowledged);
    pushCounter(b, "duplicate", duplicates);
    b.add(FunctionCounter.builder("dualpush.repairs", repairs, LongAdder::doubleValue)
        .description("Background repair rounds started").tags(tags).register(b.registry));
    b.add(FunctionCounter.builder("dualpush.dead.letters", deadLetters, LongAdder::doubleValue)
        .description("Transactions repair gave up on (dead-lettered)").tags(tags).register(b.registry));
  }

  private void pushCounter(Binding b, String outcome, LongAdder count) {
    b.add(FunctionCounter.builder("dualpush.pushes", count, LongAdder::doubleValue)
        .description("Pushes decided, by outcome: acknowledged (the ack policy held), not_acknowledged, or duplicate"
            + " (a message id already processed)")
        .tags(tags).tag("outcome", outcome).register(b.registry));
  }

  private void registerAlert(Binding b, AlertKey key) {
    LongAdder count = Objects.requireNonNull(alerts.get(key));
    b.add(FunctionCounter.builder("dualpush.alerts", count, LongAdder::doubleValue)
        .description("Alerts raised by the client, before coalescing")
        .tags(tags).tag("type", key.type.name().toLowerCase(java.util.Locale.ROOT))
        .tag("severity", key.severity.name().toLowerCase(java.util.Locale.ROOT)).register(b.registry));
  }

  private void registerClient(Binding b, DualPushAsyncClient client) {
    ClientReadings readings = new ClientReadings(client, b.registry.config().clock(), snapshotIntervalNanos);
    // Held by the binding: the registry holds it only weakly, so without this the gauges would read NaN after a GC.
    b.readings = readings;
    gauge(b, "dualpush.backlog.transactions", readings, r -> r.stats(DualPushStats::openTransactions), tags,
        "Transactions not yet verified at every destination (the repair backlog)", null);
    b.add(TimeGauge.builder("dualpush.lag.oldest", readings, TimeUnit.NANOSECONDS,
            r -> r.stats(s -> s.oldestOpenAge().toNanos()))
        .description("How long the oldest transaction not yet verified everywhere has waited")
        .tags(tags).register(b.registry));
    gauge(b, "dualpush.in.flight", readings, r -> r.stats(DualPushStats::inFlightPushes), tags,
        "Pushes accepted and not yet settled", null);

    Map<String, Timer[]> timers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : regions.entrySet()) {
      String id = e.getKey();
      Tags t = tags.and("destination", id, "region", e.getValue());
      DestinationCounts d = counts(id);
      for (Copy outcome : Copy.values()) {
        b.add(FunctionCounter.builder("dualpush.copies", d.of(outcome), LongAdder::doubleValue)
            .description("Copies, by outcome: written, unchanged (identical content already there), verified, failed"
                + " (a write that failed or was refused), inconsistent (a stored MD5 that differs)")
            .tags(t).tag("outcome", outcome.tag).register(b.registry));
      }
      Timer[] byOutcome = new Timer[Copy.values().length];
      for (Copy outcome : TIMED) {
        String description = "How long each write of a copy took, by outcome";
        if (percentileHistogram) {
          byOutcome[outcome.ordinal()] = b.add(Timer.builder("dualpush.copy.duration").description(description)
              .tags(t).tag("outcome", outcome.tag).publishPercentileHistogram().register(b.registry));
        } else {
          // Count and total from the binder's own adders: a Timer's max takes a contended compare-and-set per
          // sample, which cost pushes/s at high rates (docs/benchmarks.md).
          int i = outcome.ordinal();
          b.add(FunctionTimer.builder("dualpush.copy.duration", d, c -> c.timedCount[i].sum(),
                  c -> c.timedNanos[i].sum(), TimeUnit.NANOSECONDS)
              .description(description).tags(t).tag("outcome", outcome.tag).register(b.registry));
        }
      }
      timers.put(id, byOutcome);
      b.add(FunctionCounter.builder("dualpush.destination.outages", d.outages, LongAdder::doubleValue)
          .description("Times the destination's circuit breaker opened (one per outage)").tags(t).register(b.registry));
      gauge(b, "dualpush.destination.up", d, c -> c.up ? 1 : 0, t,
          "1 while the destination's circuit breaker is closed or half-open, 0 while it is open", null);

      gauge(b, "dualpush.destination.backlog.copies", readings, r -> r.lag(id, DestinationLag::backlogCopies), t,
          "Copies pushed and not yet verified at the destination, nor given up on", null);
      gauge(b, "dualpush.destination.backlog.bytes", readings, r -> r.lag(id, DestinationLag::backlogBytes), t,
          "Bytes of the copies not yet verified at the destination", BaseUnits.BYTES);
      timeGauge(b, "dualpush.destination.lag", readings, id, DestinationLag::oldestPendingAge, t,
          "Age of the oldest copy not yet verified at the destination: its real recovery point");
      timeGauge(b, "dualpush.destination.completion", readings, id, DestinationLag::completionP50,
          t.and("quantile", "0.5"), "Time from a push's start to its copy being verified at the destination, lately");
      timeGauge(b, "dualpush.destination.completion", readings, id, DestinationLag::completionP99,
          t.and("quantile", "0.99"), "Time from a push's start to its copy being verified at the destination, lately");
      b.add(FunctionCounter.builder("dualpush.destination.dead.letters", readings,
              r -> r.lag(id, DestinationLag::deadLetteredCopies))
          .description("Copies at the destination whose transaction repair gave up on; never reset")
          .tags(t).register(b.registry));
      b.add(FunctionCounter.builder("dualpush.destination.abandoned", readings,
              r -> r.lag(id, DestinationLag::abandonedCopies))
          .description("Copies superseded by a newer push of their key before being verified; never reset")
          .tags(t).register(b.registry));
      DestinationLag now = client.lag().get(id);
      if (now != null && now.recoveryPointBudget().isPresent()) {
        timeGauge(b, "dualpush.destination.lag.budget", readings, id,
            l -> l.recoveryPointBudget().orElse(Duration.ZERO), t,
            "The destination's recovery-point budget for dualpush.destination.lag");
      }
    }
    b.timers = Map.copyOf(timers);
  }

  private static <T> void gauge(Binding b, String name, T obj, ToDoubleFunction<T> f, Tags t, String description,
      @Nullable String baseUnit) {
    b.add(Gauge.builder(name, obj, f).description(description).baseUnit(baseUnit).tags(t).register(b.registry));
  }

  private static void timeGauge(Binding b, String name, ClientReadings readings, String id,
      java.util.function.Function<DestinationLag, Duration> figure, Tags t, String description) {
    b.add(TimeGauge.builder(name, readings, TimeUnit.NANOSECONDS, r -> r.lag(id, l -> figure.apply(l).toNanos()))
        .description(description).tags(t).register(b.registry));
  }

  // ---------------------------------------------------------------- state

  /** The copy outcomes counted, in the order of {@code DestinationCounts}' adders; the first three are timed. */
  private enum Copy {
    WRITTEN("written", true),
    UNCHANGED("unchanged", true),
    FAILED("failed", true),
    VERIFIED("verified", false),
    INCONSISTENT("inconsistent", false);

    final String tag;
    final boolean timed;

    Copy(String tag, boolean timed) {
      this.tag = tag;
      this.timed = timed;
    }
  }

  /** One destination's counts, from events; {@code up} follows its circuit breaker's DOWN and UP events. */
  private static final class DestinationCounts {
    private final LongAdder[] copies = new LongAdder[Copy.values().length];
    /** Timed copies and their total nanoseconds, by outcome: what the copy-duration FunctionTimers read. */
    final LongAdder[] timedCount = new LongAdder[Copy.values().length];
    final LongAdder[] timedNanos = new LongAdder[Copy.values().length];
    final LongAdder outages = new LongAdder();
    volatile boolean up = true;

    DestinationCounts() {
      for (int i = 0; i < copies.length; i++) {
        copies[i] = new LongAdder();
        timedCount[i] = new LongAdder();
        timedNanos[i] = new LongAdder();
      }
    }

    LongAdder of(Copy outcome) {
      return copies[outcome.ordinal()];
    }
  }

  private record AlertKey(Alert.Type type, Alert.Severity severity) {}

  /** One registry bound, and what was registered in it (so that close() can remove it). */
  private static final class Binding {
    final MeterRegistry registry;
    final List<Meter> meters = new ArrayList<>();
    volatile Map<String, Timer[]> timers = Map.of();
    @Nullable ClientReadings readings;

    Binding(MeterRegistry registry) {
      this.registry = registry;
    }

    <M extends Meter> M add(M meter) {
      meters.add(meter);
      return meter;
    }
  }

  /** Counts, then forwards. */
  private final class CountingAlertSink implements AlertSink {
    private final AlertSink downstream;

    CountingAlertSink(AlertSink downstream) {
      this.downstream = downstream;
    }

    @Override
    public void raise(Alert alert) {
      if (!closed) {
        alertCount(new AlertKey(alert.type(), alert.severity())).increment();
      }
      downstream.raise(alert);
    }

    @Override
    public String toString() {
      return "counting(" + downstream + ")";
    }
  }

  /**
   * Builds a {@link DualPushMetrics}. Setters validate on entry and name the field; a setting given twice fails.
   * Not thread-safe.
   */
  public static final class Builder {
    private @Nullable Boolean percentileHistogram;
    private @Nullable Duration snapshotInterval;
    private @Nullable Tags tags;

    private Builder() {}

    /**
     * Whether {@code dualpush.copy.duration} publishes a percentile histogram (buckets a backend such as
     * Prometheus aggregates across instances), which makes it a {@code Timer} with a max; off by default, a
     * {@code FunctionTimer} of count and total time, which costs less per sample at high push rates.
     *
     * @param enabled true to publish it
     * @return this builder
     * @throws InvalidInputException naming {@code percentileHistogram} when already set
     */
    public Builder percentileHistogram(boolean enabled) {
      checkUnset(percentileHistogram == null, "percentileHistogram", percentileHistogram);
      this.percentileHistogram = enabled;
      return this;
    }

    /**
     * How long one reading of the client's {@code stats()} and {@code lag()} serves the gauges of one registry,
     * on that registry's clock; one second by default. Zero reads the client for every gauge read.
     *
     * @param interval zero or positive
     * @return this builder
     * @throws InvalidInputException naming {@code snapshotInterval} when it is null, negative or already set
     */
    public Builder snapshotInterval(Duration interval) {
      InvalidInputException.requireNonNull(interval, "snapshotInterval");
      if (interval.isNegative()) {
        throw new InvalidInputException("snapshotInterval", "snapshotInterval cannot be negative; got " + interval);
      }
      checkUnset(snapshotInterval == null, "snapshotInterval", snapshotInterval);
      this.snapshotInterval = interval;
      return this;
    }

    /**
     * Tags added to every meter, such as the client's name when one application runs several clients.
     *
     * @param tags the tags; none may use a key this binder sets itself ({@code destination}, {@code region},
     *     {@code outcome}, {@code quantile}, {@code type}, {@code severity})
     * @return this builder
     * @throws InvalidInputException naming {@code tags} when it is null, uses one of those keys, or was already set
     */
    public Builder tags(Iterable<Tag> tags) {
      InvalidInputException.requireNonNull(tags, "tags");
      checkUnset(this.tags == null, "tags", this.tags);
      Tags t = Tags.of(tags);
      for (Tag tag : t) {
        if (OWN_TAG_KEYS.contains(tag.getKey())) {
          throw new InvalidInputException("tags", "tags cannot use the key '" + tag.getKey()
              + "', which DualPushMetrics sets itself");
        }
      }
      this.tags = t;
      return this;
    }

    /**
     * Builds the binder, attached to no client and bound to no registry yet.
     *
     * @return a new binder
     */
    public DualPushMetrics build() {
      return new DualPushMetrics(this);
    }

    private static void checkUnset(boolean unset, String field, @Nullable Object current) {
      if (!unset) {
        throw new InvalidInputException(field, field + " was already set to " + current);
      }
    }
  }
}
