package io.dualpush.samples.dashboard;

import io.dualpush.AlertCoalescer;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.DestinationHealth;
import io.dualpush.DestinationLag;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.DualPushException;
import io.dualpush.HistoryDetail;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.Slf4jAlertSink;
import io.dualpush.client.FailoverReadClient;
import io.dualpush.client.FailoverReadClientBuilder;
import io.dualpush.client.ReadEndpoint;
import io.dualpush.client.ReadResult;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import io.dualpush.testkit.FaultInjectingDestination;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard shows and drives: the destinations of a {@link DashboardDestinations} (three local directories,
 * or those of a pipeline job's configuration file), each behind a {@link FaultInjectingDestination} so that it can
 * be taken down or slowed; their transaction log; a client whose circuit breakers open after 3 failures and
 * retry after 1 s and whose repairs scan every 250 ms, so recovery shows within seconds; a background workload
 * pushing small objects under {@code live/RUN/} (unless turned off); and a {@link FailoverReadClient} over the same
 * destinations.
 *
 * <p>Region state is sampled every 250 ms ({@code lag()} and {@code health()}) and published to the {@link LiveHub}
 * whenever it changed; a simulation call and a destination going down or up publish at once. Thread-safe.
 */
final class DashboardSystem implements AutoCloseable {
  /** Where the workload's objects go: {@code live/RUN/obj-N.json}, RUN new for every start. */
  static final String WORKLOAD_PREFIX = "live/";
  /** The longest latency a simulation may add. */
  static final int MAX_LATENCY_MILLIS = 30_000;

  private static final Logger LOG = LoggerFactory.getLogger(DashboardSystem.class);
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(250);
  /** A backlog older than this shows the region DEGRADED (a copy in flight is not). */
  private static final Duration STALE_BACKLOG = Duration.ofSeconds(2);
  /**
   * A change of the completion percentiles alone is published at most this often: they move with nearly every copy,
   * and every live message goes to every session.
   */
  private static final long PERCENTILES_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);
  /**
   * A change of the lag figures alone (backlog, its bytes, the oldest pending age) is published at most this often per
   * region: a copy in flight moves them at nearly every sample, and every live message goes to every session. What a
   * region's status, breaker, simulation or read preference says goes out at once.
   */
  private static final long LAG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Map<String, DestinationOptions> options = new LinkedHashMap<>();
  private final Map<String, FaultInjectingDestination> faults = new LinkedHashMap<>();
  private final Map<String, Simulation> simulations = new ConcurrentHashMap<>();
  private final Map<String, CircuitBreakerState.State> breakerOverride = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Object>> lastPublished = new ConcurrentHashMap<>();
  private final Map<String, Long> lastPublishedAt = new ConcurrentHashMap<>();
  private final AtomicLong pushed = new AtomicLong();
  private final DashboardDestinations setup;
  private final Optional<Duration> workloadInterval;
  private final List<String> ids;
  private final DualPushClient client;
  private final FailoverReadClient reader;
  private final AlertCoalescer alertLog;
  private final TransactionFeed feed;
  private final LiveHub hub;
  private final ScheduledExecutorService sampler;
  private final ScheduledExecutorService workload;
  private final String runId = Long.toString(System.currentTimeMillis(), 36);
  private volatile Map<String, DestinationHealth> health = Map.of();
  private volatile String forcedReadEndpoint;

  /** A destination's simulated faults. */
  record Simulation(boolean down, int addedLatencyMillis) {}

  /**
   * Builds everything under {@code dir} (three local directories and the log) and starts the sampler and the workload.
   *
   * @param dir holds {@code primary/}, {@code secondary/}, {@code edge/} and {@code log/}
   * @param pushInterval the pause between two of the workload's pushes
   * @param hubFactory makes the live hub, given the region snapshot supplier
   */
  DashboardSystem(Path dir, Duration pushInterval, Function<Supplier<List<Map<String, Object>>>, LiveHub> hubFactory) {
    this(DashboardDestinations.local(dir), Optional.of(pushInterval), hubFactory);
  }

  /**
   * Builds the client over {@code setup}'s destinations, each behind a {@link FaultInjectingDestination}, and starts
   * the sampler and, when {@code pushInterval} is present, the workload. Closes {@code setup} with itself, and when
   * the client cannot be built.
   *
   * @param setup the destinations, the log and the webhook
   * @param pushInterval the pause between two of the workload's pushes; empty for no workload
   * @param hubFactory makes the live hub, given the region snapshot supplier
   */
  DashboardSystem(DashboardDestinations setup, Optional<Duration> pushInterval,
      Function<Supplier<List<Map<String, Object>>>, LiveHub> hubFactory) {
    this.setup = setup;
    this.workloadInterval = pushInterval;
    List<String> names = new ArrayList<>();
    for (DashboardDestinations.Entry e : setup.entries()) {
      names.add(e.id());
    }
    this.ids = List.copyOf(names);
    this.hub = hubFactory.apply(this::regions);
    this.feed = new TransactionFeed(ids, hub::publish);
    this.alertLog = AlertCoalescer.builder().sink(new Slf4jAlertSink()).build();
    DualPushClientBuilder builder = new DualPushClientBuilder();
    for (DashboardDestinations.Entry e : setup.entries()) {
      FaultInjectingDestination f = FaultInjectingDestination.wrap(e.destination());
      options.put(e.id(), e.options());
      faults.put(e.id(), f);
      simulations.put(e.id(), new Simulation(false, 0));
      builder.destination(e.options(), f);
    }
    try {
      this.client = build(setup.addLog(builder));
    } catch (RuntimeException e) {
      // The log locked by another process, say: stop what was started so far.
      hub.close();
      alertLog.close();
      setup.close();
      throw e;
    }
    FailoverReadClientBuilder readers = new FailoverReadClientBuilder().attemptTimeout(Duration.ofSeconds(5));
    for (int i = 0; i < ids.size(); i++) {
      readers.endpoint(ReadEndpoint.of(ids.get(i), faults.get(ids.get(i))).withPriority(i));
    }
    this.reader = readers.buildClient();
    this.sampler = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-sampler"));
    this.workload = Executors.newSingleThreadScheduledExecutor(daemon("dashboard-workload"));
    sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    pushInterval.ifPresent(interval -> workload.scheduleWithFixedDelay(this::pushOne, interval.toMillis(),
        interval.toMillis(), TimeUnit.MILLISECONDS));
    LOG.info("dashboard over {}; workload {}", setup.description(), pushInterval.map(d -> "every " + d.toMillis()
        + " ms under " + WORKLOAD_PREFIX + runId + "/").orElse("off"));
  }

  private DualPushClient build(DualPushClientBuilder builder) {
    return builder
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(50)).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(3).openDelay(Duration.ofSeconds(1)).build())
        .repair(RepairOptions.builder().maxRetries(100).initialDelay(Duration.ofMillis(250)).maxDelay(Duration.ofSeconds(2))
            .scanInterval(Duration.ofMillis(250)).build())
        // Every step of every push, so that /api/history answers "what happened to this object?" (a few pushes a
        // second: the cost does not matter here).
        .historyDetail(HistoryDetail.STEPS)
        .alertSink(new LiveAlerts())
        .listener(this::onEvent)
        .buildClient();
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  DualPushClient client() {
    return client;
  }

  TransactionFeed feed() {
    return feed;
  }

  /** The workload's pause between pushes, or empty when there is no workload ({@code --no-workload}). */
  Optional<Duration> workloadInterval() {
    return workloadInterval;
  }

  /** The destinations' ids, in display order. */
  List<String> ids() {
    return ids;
  }

  /** Whether {@code id} names one of the destinations. */
  boolean knows(String id) {
    return options.containsKey(id);
  }

  /** Pushes made by the workload so far (acknowledged or not). */
  long pushed() {
    return pushed.get();
  }

  // ---- the workload ----

  private void pushOne() {
    long n = pushed.incrementAndGet();
    int size = 100 + ThreadLocalRandom.current().nextInt(1900);
    StringBuilder body = new StringBuilder(size + 64);
    body.append("{\"n\":").append(n).append(",\"at\":\"").append(Instant.now()).append("\",\"pad\":\"");
    while (body.length() < size) {
      body.append((char) ('a' + ThreadLocalRandom.current().nextInt(26)));
    }
    body.append("\"}\n");
    String key = WORKLOAD_PREFIX + runId + "/obj-" + n + ".json";
    try {
      client.push(PushRequest.builder(key, PushContent.ofBytes(body.toString().getBytes(StandardCharsets.UTF_8)))
          .contentType("application/json").build());
    } catch (DualPushException e) {
      // A required destination down: the push is not acknowledged and its copies wait for repair; the workload
      // goes on so that the backlog shows. Said once per outage by the engine's own log and alerts.
      LOG.debug("push {} not acknowledged: {}", key, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("the workload's push failed: {}", e.toString());
    }
  }

  // ---- events ----

  private void onEvent(DualPushEvent event) {
    feed.onEvent(event);
    if (event.type() == DualPushEvent.Type.DESTINATION_DOWN || event.type() == DualPushEvent.Type.DESTINATION_UP) {
      breakerOverride.put(event.destinationId(), event.type() == DualPushEvent.Type.DESTINATION_DOWN
          ? CircuitBreakerState.State.OPEN : CircuitBreakerState.State.CLOSED);
      refreshSoon();
    }
  }

  private void refreshSoon() {
    try {
      sampler.execute(this::publishChanges);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Forwards every alert to the live feed, and to the log through a coalescer. */
  private final class LiveAlerts implements AlertSink {
    @Override
    public void raise(Alert alert) {
      publishAlert(alert, "raised");
      alertLog.raise(alert);
      setup.webhook().ifPresent(w -> w.raise(alert));
    }

    @Override
    public void resolve(Alert resolved) {
      publishAlert(resolved, "resolved");
      alertLog.resolve(resolved);
      setup.webhook().ifPresent(w -> w.resolve(resolved));
    }

    private void publishAlert(Alert alert, String phase) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("type", "alert");
      m.put("at", Micros.now());
      m.put("alertType", alert.type().name());
      m.put("severity", alert.severity().name());
      m.put("phase", phase);
      m.put("message", alert.message());
      m.put("destinationId", alert.destinationId());
      m.put("transactionId", alert.transactionId());
      hub.publish("alert:" + alert.type() + ":" + alert.destinationId() + ":" + phase, m);
    }
  }

  // ---- regions ----

  private void sample() {
    try {
      Map<String, DestinationHealth> h = client.health();
      breakerOverride.clear();
      health = h;
      publishChanges();
    } catch (RuntimeException e) {
      LOG.debug("region sample failed: {}", e.toString());
    }
  }

  /** Publishes every region whose state differs from what was last published. */
  private synchronized void publishChanges() {
    long now = System.nanoTime();
    for (Map<String, Object> region : computeRegions()) {
      String id = (String) region.get("id");
      Map<String, Object> last = lastPublished.get(id);
      long since = now - lastPublishedAt.getOrDefault(id, 0L);
      boolean stateChanged = last == null || !withoutLag(region).equals(withoutLag(last));
      boolean lagChanged = !stateChanged && !withoutPercentiles(region).equals(withoutPercentiles(last));
      boolean percentilesChanged = !stateChanged && !region.equals(last);
      if (stateChanged || (lagChanged && since >= LAG_EVERY_NANOS) || (percentilesChanged && since > PERCENTILES_EVERY_NANOS)) {
        lastPublished.put(id, region);
        lastPublishedAt.put(id, now);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "region");
        event.put("at", Micros.now());
        event.putAll(region);
        hub.publish("region:" + id, event);
      }
    }
  }

  /** The region without its lag figures: what it says of the destination's state. */
  private static Map<String, Object> withoutLag(Map<String, Object> region) {
    Map<String, Object> copy = new LinkedHashMap<>(region);
    copy.remove("lag");
    return copy;
  }

  /** The region without its completion percentiles, which move with nearly every copy. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> withoutPercentiles(Map<String, Object> region) {
    Map<String, Object> copy = new LinkedHashMap<>(region);
    Map<String, Object> lag = new LinkedHashMap<>((Map<String, Object>) region.get("lag"));
    lag.remove("p50Ms");
    lag.remove("p99Ms");
    copy.put("lag", lag);
    return copy;
  }

  /** Every region's current state, each with {@code type} and {@code at}, for a snapshot. */
  List<Map<String, Object>> regions() {
    long at = Micros.now();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> region : computeRegions()) {
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("type", "region");
      event.put("at", at);
      event.putAll(region);
      out.add(event);
    }
    return out;
  }

  /** The regions without {@code type} and {@code at}, as {@code /api/regions} lists them. */
  List<Map<String, Object>> computeRegions() {
    Map<String, DestinationLag> lags;
    try {
      lags = client.lag();
    } catch (RuntimeException e) {
      lags = Map.of();
    }
    Map<String, DestinationHealth> h = health;
    String preferred = readPreferred(h);
    List<Map<String, Object>> out = new ArrayList<>();
    for (String id : ids) {
      DestinationOptions o = options.get(id);
      Simulation sim = simulations.get(id);
      DestinationHealth dh = h.get(id);
      CircuitBreakerState.State breaker = breakerOverride.getOrDefault(id,
          dh == null ? CircuitBreakerState.State.CLOSED : dh.circuitBreaker().state());
      DestinationLag lag = lags.get(id);
      long backlog = lag == null ? 0 : lag.backlogCopies();
      Duration oldest = lag == null ? Duration.ZERO : lag.oldestPendingAge();
      boolean overBudget = lag != null && lag.overBudget();
      String status;
      if (sim.down() || breaker == CircuitBreakerState.State.OPEN || (dh != null && !dh.probe().healthy())) {
        status = "DOWN";
      } else if (breaker == CircuitBreakerState.State.HALF_OPEN || (dh != null && dh.stuckCalls() > 0)
          || sim.addedLatencyMillis() > 0 || overBudget || (backlog > 0 && oldest.compareTo(STALE_BACKLOG) > 0)) {
        status = "DEGRADED";
      } else {
        status = "UP";
      }
      Map<String, Object> lagMap = new LinkedHashMap<>();
      lagMap.put("backlogCopies", backlog);
      lagMap.put("backlogBytes", lag == null ? 0 : lag.backlogBytes());
      lagMap.put("oldestPendingAgeMs", oldest.toMillis());
      lagMap.put("p50Ms", lag == null ? 0 : lag.completionP50().toMillis());
      lagMap.put("p99Ms", lag == null ? 0 : lag.completionP99().toMillis());
      lagMap.put("overBudget", overBudget);
      Map<String, Object> simMap = new LinkedHashMap<>();
      simMap.put("down", sim.down());
      simMap.put("addedLatencyMs", sim.addedLatencyMillis());
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("id", id);
      r.put("region", o.region());
      r.put("required", o.required());
      r.put("status", status);
      r.put("breaker", breaker.name());
      r.put("lag", lagMap);
      r.put("simulation", simMap);
      r.put("readPreferred", id.equals(preferred));
      out.add(r);
    }
    return out;
  }

  private String readPreferred(Map<String, DestinationHealth> h) {
    String forced = forcedReadEndpoint;
    if (forced != null) {
      return forced;
    }
    for (String id : ids) {
      DestinationHealth dh = h.get(id);
      boolean open = breakerOverride.get(id) == CircuitBreakerState.State.OPEN
          || (dh != null && dh.circuitBreaker().state() == CircuitBreakerState.State.OPEN);
      if (!simulations.get(id).down() && !open) {
        return id;
      }
    }
    return ids.get(0);
  }

  /** The read client's endpoint forced by a failover simulation, if any. */
  Optional<String> forcedReadEndpoint() {
    return Optional.ofNullable(forcedReadEndpoint);
  }

  // ---- simulations ----

  /** Takes {@code id} down: every call to it fails as if its region were unreachable. */
  synchronized void down(String id) {
    Simulation s = simulations.get(id);
    simulations.put(id, new Simulation(true, s.addedLatencyMillis()));
    faults.get(id).partition();
    LOG.info("simulation: destination {} taken down", id);
    publishChanges();
  }

  /** Brings {@code id} back: the partition ends, its breaker closes, and repair drains its backlog. */
  synchronized void up(String id) {
    Simulation s = simulations.get(id);
    simulations.put(id, new Simulation(false, s.addedLatencyMillis()));
    FaultInjectingDestination f = faults.get(id);
    f.heal();
    if (s.addedLatencyMillis() > 0) {
      f.latency(Duration.ofMillis(s.addedLatencyMillis()));
    }
    // Known to be back: close the breaker at once rather than waiting for a trial call.
    client.resetCircuitBreaker(id);
    // Probe now, so that the answer and the live update already show it back (not the last sample's failed probe).
    try {
      health = client.health();
      breakerOverride.clear();
    } catch (RuntimeException e) {
      breakerOverride.put(id, CircuitBreakerState.State.CLOSED);
    }
    LOG.info("simulation: destination {} brought back", id);
    publishChanges();
  }

  /** Adds {@code millis} of latency to every call to {@code id} (0 clears it). */
  synchronized void lag(String id, int millis) {
    Simulation s = simulations.get(id);
    simulations.put(id, new Simulation(s.down(), millis));
    faults.get(id).latency(Duration.ofMillis(millis));
    LOG.info("simulation: destination {} latency {} ms", id, millis);
    publishChanges();
  }

  /** Makes the read client serve from {@code to} alone, or from every endpoint again when {@code to} is null. */
  synchronized void failover(String to) {
    if (to == null) {
      for (String id : ids) {
        reader.activate(id);
      }
    } else {
      reader.activate(to);
      for (String id : ids) {
        if (!id.equals(to)) {
          reader.deactivate(id);
        }
      }
    }
    forcedReadEndpoint = to;
    LOG.info("simulation: reads {}", to == null ? "from every endpoint" : "forced to " + to);
    publishChanges();
  }

  /** Reads {@code key} through the failover read client. */
  Optional<ReadResult> read(String key) {
    return reader.read(Objects.requireNonNull(key, "key"));
  }

  @Override
  public void close() {
    workload.shutdownNow();
    sampler.shutdownNow();
    try {
      workload.awaitTermination(5, TimeUnit.SECONDS);
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    hub.close();
    reader.close();
    try {
      client.close();
    } finally {
      alertLog.close();
      setup.close();
    }
  }
}
