package io.dualpush.internal;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CircuitBreakerState;
import io.dualpush.DestinationLag;
import io.dualpush.DualPushStats;
import io.dualpush.HealthComponent;
import io.dualpush.HealthComponent.Kind;
import io.dualpush.HealthSnapshot;
import io.dualpush.HealthSnapshot.Status;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.LogStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a {@link HealthSnapshot}: probes every destination and the dedupe store in parallel, each bounded by its
 * own timeout and all by the caller's {@code maxWait}, then reads the log's, the coordinator's and the backlog's
 * figures, which are the engine's own and never touch the network. A check that did not finish within
 * {@code maxWait} is reported DOWN, saying so. Details are built from what the parts report about themselves,
 * which never holds a secret, or from failures' types only. Thread-safe.
 */
final class HealthCheck {
  private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

  private final EngineConfig config;
  private final Clock clock;
  private final List<Slot> slots;
  private final HealthTracker tracker;
  private final Function<Slot, CompletableFuture<HealthStatus>> probe;
  private final Supplier<DualPushStats> stats;
  private final Supplier<Map<String, DestinationLag>> lag;
  /** The dedupe probe still running, if any: a store that hangs holds one thread, never one per snapshot. */
  private final AtomicReference<@Nullable DedupeProbe> dedupeProbe = new AtomicReference<>();

  private record DedupeProbe(CompletableFuture<HealthStatus> result, Instant started) {}

  HealthCheck(EngineConfig config, List<Slot> slots, HealthTracker tracker,
      Function<Slot, CompletableFuture<HealthStatus>> probe, Supplier<DualPushStats> stats,
      Supplier<Map<String, DestinationLag>> lag) {
    this.config = config;
    this.clock = config.clock();
    this.slots = slots;
    this.tracker = tracker;
    this.probe = probe;
    this.stats = stats;
    this.lag = lag;
  }

  /** Completes within {@code maxWait} (and a moment to assemble) with the snapshot. */
  CompletableFuture<HealthSnapshot> take(Duration maxWait) {
    long waitNanos = maxWait.toNanos();
    Map<Slot, CompletableFuture<Optional<HealthStatus>>> probes = new LinkedHashMap<>();
    for (Slot slot : slots) {
      CompletableFuture<HealthStatus> p;
      try {
        p = probe.apply(slot);
      } catch (RuntimeException e) {
        p = CompletableFuture.completedFuture(HealthStatus.unhealthy(Duration.ZERO, "probe refused: "
            + e.getClass().getSimpleName()));
      }
      probes.put(slot, p.thenApply(Optional::of).completeOnTimeout(Optional.empty(), waitNanos, TimeUnit.NANOSECONDS));
    }
    CompletableFuture<Optional<HealthStatus>> dedupe = probeDedupe().thenApply(Optional::of)
        .completeOnTimeout(Optional.empty(), waitNanos, TimeUnit.NANOSECONDS);
    List<CompletableFuture<?>> all = new ArrayList<>(probes.values());
    all.add(dedupe);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Instant at = clock.instant();
      Map<String, DestinationLag> lags = safeLag();
      List<HealthComponent> components = new ArrayList<>();
      probes.forEach((slot, p) -> components.add(guard("destination:" + slot.id(), Kind.DESTINATION, at,
          () -> destination(slot, p.join(), lags.get(slot.id()), maxWait, at))));
      components.add(guard("transactionLog", Kind.TRANSACTION_LOG, at, () -> transactionLog(at)));
      ActiveRegionCoordinator coordinator = config.coordinator();
      if (coordinator != null) {
        components.add(guard("coordinator", Kind.COORDINATOR, at, () -> coordinator(coordinator, at)));
      }
      components.add(guard("repairBacklog", Kind.REPAIR_BACKLOG, at, () -> backlog(lags, at)));
      components.add(guard("dedupeStore", Kind.DEDUPE_STORE, at, () -> dedupeStore(dedupe.join(), maxWait, at)));
      return HealthSnapshot.of(at, components, tracker.recent());
    });
  }

  /** A check that throws is reported DOWN by its failure's type, never its message. */
  private HealthComponent guard(String name, Kind kind, Instant at, Supplier<HealthComponent> check) {
    try {
      return check.get();
    } catch (RuntimeException e) {
      LOG.debug("Health check of {} failed", name, e);
      return new HealthComponent(name, kind, Status.DOWN, "The check failed with " + e.getClass().getSimpleName() + ".",
          at, Map.of());
    }
  }

  private Map<String, DestinationLag> safeLag() {
    try {
      return lag.get();
    } catch (RuntimeException e) {
      LOG.debug("Reading the lag for health failed", e);
      return Map.of();
    }
  }

  // ---------------------------------------------------------------- destinations

  private HealthComponent destination(Slot slot, Optional<HealthStatus> probed, @Nullable DestinationLag lag,
      Duration maxWait, Instant at) {
    CircuitBreakerState breaker = slot.breakerState();
    int stuck = slot.stuckCalls();
    HealthTracker.Outcomes outcomes = tracker.outcomes(slot.id());
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("required", slot.options.required());
    d.put("region", slot.options.region());
    Map<String, Object> probeMap = new LinkedHashMap<>();
    if (probed.isPresent()) {
      probeMap.put("healthy", probed.get().healthy());
      probeMap.put("latencyMillis", probed.get().latency().toMillis());
      probeMap.put("detail", probed.get().detail());
    } else {
      probeMap.put("healthy", false);
      probeMap.put("detail", "the probe did not finish within the snapshot's wait of " + maxWait.toMillis() + " ms");
    }
    d.put("probe", probeMap);
    Map<String, Object> breakerMap = new LinkedHashMap<>();
    breakerMap.put("state", breaker.state().name());
    breakerMap.put("since", breaker.since().toString());
    breakerMap.put("consecutiveFailures", breaker.consecutiveFailures());
    breaker.openingCause().ifPresent(c -> breakerMap.put("openingCause", c));
    d.put("circuitBreaker", breakerMap);
    d.put("stuckCalls", stuck);
    if (outcomes.lastSuccess() != null) {
      d.put("lastSuccess", outcomes.lastSuccess().toString());
    }
    if (outcomes.lastFailure() != null) {
      d.put("lastFailure", Map.of("at", outcomes.lastFailure().toString(), "cause", outcomes.lastFailureCause()));
    }
    if (lag != null) {
      d.put("backlogCopies", lag.backlogCopies());
      d.put("oldestPendingAgeMillis", lag.oldestPendingAge().toMillis());
      d.put("overBudget", lag.overBudget());
    }
    Status status;
    String detail;
    boolean reachable = probed.isPresent() && probed.get().healthy();
    if (breaker.state() == CircuitBreakerState.State.OPEN) {
      status = Status.DOWN;
      detail = "Circuit breaker open since " + breaker.since() + breaker.openingCause().map(c -> ": " + c).orElse("")
          + "; writes are refused and repairs wait.";
    } else if (!reachable) {
      status = Status.DOWN;
      detail = "Probe failed: " + probeMap.get("detail") + ".";
    } else if (breaker.state() == CircuitBreakerState.State.HALF_OPEN) {
      status = Status.DEGRADED;
      detail = "Circuit breaker half-open since " + breaker.since() + ": the next write is a trial.";
    } else if (stuck > 0) {
      status = Status.DEGRADED;
      detail = stuck + " call(s) stuck past their deadline.";
    } else if (outcomes.lastFailed()) {
      status = Status.DEGRADED;
      detail = "Reachable, but the last copy failed at " + outcomes.lastFailure() + ": " + outcomes.lastFailureCause()
          + ".";
    } else {
      status = Status.UP;
      detail = outcomes.lastSuccess() != null ? "Reachable; the last copy succeeded at " + outcomes.lastSuccess() + "."
          : "Reachable.";
    }
    return new HealthComponent("destination:" + slot.id(), Kind.DESTINATION, status, detail, at, d);
  }

  // ---------------------------------------------------------------- the log

  private HealthComponent transactionLog(Instant at) {
    Optional<LogStats> read = config.log().stats();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("type", config.log().getClass().getSimpleName());
    if (read.isEmpty()) {
      return new HealthComponent("transactionLog", Kind.TRANSACTION_LOG, Status.UP,
          "The log reports no figures; it is taken as writable until an append fails.", at, d);
    }
    LogStats s = read.get();
    d.put("writable", s.writable());
    s.failure().ifPresent(f -> d.put("failure", f));
    d.put("sizeBytes", s.sizeBytes());
    d.put("segments", s.segments());
    s.lastSyncLatency().ifPresent(l -> d.put("lastSyncLatencyMicros", l.toNanos() / 1_000));
    if (!s.writable()) {
      return new HealthComponent("transactionLog", Kind.TRANSACTION_LOG, Status.DOWN,
          "Not writable: " + s.failure().orElse("appends are refused") + ".", at, d);
    }
    return new HealthComponent("transactionLog", Kind.TRANSACTION_LOG, Status.UP, "Writable; " + s.segments()
        + " segment(s), " + s.sizeBytes() + " bytes.", at, d);
  }

  // ---------------------------------------------------------------- the coordinator

  private static HealthComponent coordinator(ActiveRegionCoordinator c, Instant at) {
    ActiveRegionCoordinator.Role role = c.role();
    Optional<String> failure = c.storeFailure();
    Optional<Duration> left = c.activeRemaining();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("leaseName", c.leaseName());
    d.put("owner", c.owner());
    d.put("role", role.name());
    c.fencingToken().ifPresent(t -> d.put("fencingToken", t));
    left.ifPresent(l -> d.put("activeRemainingMillis", l.toMillis()));
    failure.ifPresent(f -> d.put("storeFailure", f));
    Status status;
    String detail;
    switch (role) {
      case ACTIVE -> {
        String token = c.fencingToken().isPresent() ? " with fencing token " + c.fencingToken().getAsLong() : "";
        if (failure.isPresent()) {
          status = Status.DEGRADED;
          detail = "Active" + token + ", but the lease store is failing (" + failure.get() + "); it stands down in "
              + left.map(Duration::toMillis).orElse(0L) + " ms unless a renewal succeeds.";
        } else {
          status = Status.UP;
          detail = "Active" + token + "; " + left.map(Duration::toMillis).orElse(0L) + " ms left before renewal is due.";
        }
      }
      case STANDBY -> {
        if (failure.isPresent()) {
          status = Status.DOWN;
          detail = "Standing by: the lease store cannot be reached (" + failure.get() + "), so this process cannot "
              + "take over.";
        } else {
          status = Status.UP;
          detail = "Standing by; another process holds the lease.";
        }
      }
      case STARTING -> {
        status = Status.DEGRADED;
        detail = "Starting: no answer from the lease store yet" + failure.map(f -> " (" + f + ")").orElse("") + ".";
      }
      default -> {
        status = Status.DOWN;
        detail = "Closed: it no longer holds or seeks the lease.";
      }
    }
    return new HealthComponent("coordinator", Kind.COORDINATOR, status, detail, at, d);
  }

  // ---------------------------------------------------------------- the backlog

  private HealthComponent backlog(Map<String, DestinationLag> lags, Instant at) {
    DualPushStats s = stats.get();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("openTransactions", s.openTransactions());
    d.put("oldestOpenAgeMillis", s.oldestOpenAge().toMillis());
    d.put("deadLettered", s.deadLettered());
    d.put("inFlightPushes", s.inFlightPushes());
    List<String> over = new ArrayList<>();
    lags.values().stream().filter(DestinationLag::overBudget).forEach(l -> over.add(l.destinationId()));
    // The engine's per-destination figures, and the log's own oldest open transaction against the tightest budget.
    Optional<Duration> budget = slots.stream().map(sl -> sl.options.recoveryPointBudget()).flatMap(Optional::stream)
        .min(Duration::compareTo);
    budget.ifPresent(b -> d.put("recoveryPointBudgetMillis", b.toMillis()));
    boolean oldestOver = budget.isPresent() && s.openTransactions() > 0 && s.oldestOpenAge().compareTo(budget.get()) > 0;
    d.put("overBudget", List.copyOf(over));
    if (!over.isEmpty() || oldestOver) {
      String which = over.isEmpty() ? "" : " at " + String.join(", ", over);
      return new HealthComponent("repairBacklog", Kind.REPAIR_BACKLOG, Status.DEGRADED, "Behind its recovery-point "
          + "budget" + which + ": " + s.openTransactions() + " open transaction(s), the oldest "
          + s.oldestOpenAge().toMillis() + " ms old.", at, d);
    }
    if (s.deadLettered() > 0) {
      return new HealthComponent("repairBacklog", Kind.REPAIR_BACKLOG, Status.DEGRADED, s.deadLettered()
          + " dead-lettered transaction(s) wait for a retry by hand.", at, d);
    }
    return new HealthComponent("repairBacklog", Kind.REPAIR_BACKLOG, Status.UP, s.openTransactions()
        + " open transaction(s), within the recovery-point budget.", at, d);
  }

  // ---------------------------------------------------------------- the dedupe store

  /** The store's probe on a daemon thread of its own, unless the last one is still running. */
  private CompletableFuture<HealthStatus> probeDedupe() {
    DedupeProbe running = dedupeProbe.get();
    if (running != null && !running.result().isDone()) {
      return CompletableFuture.completedFuture(HealthStatus.unhealthy(
          Duration.between(running.started(), clock.instant()), "the previous probe, started at " + running.started()
              + ", has not returned"));
    }
    DedupeStore store = config.dedupe();
    CompletableFuture<HealthStatus> result = new CompletableFuture<>();
    dedupeProbe.set(new DedupeProbe(result, clock.instant()));
    Thread t = new Thread(() -> {
      long start = System.nanoTime();
      try {
        result.complete(store.probe());
      } catch (RuntimeException | Error e) {
        result.complete(HealthStatus.unhealthy(Duration.ofNanos(System.nanoTime() - start),
            "probe failed with " + e.getClass().getSimpleName()));
      }
    }, "dualpush-health-dedupe");
    t.setDaemon(true);
    t.start();
    return result;
  }

  private HealthComponent dedupeStore(Optional<HealthStatus> probed, Duration maxWait, Instant at) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("type", config.dedupe().getClass().getSimpleName());
    if (probed.isEmpty()) {
      d.put("healthy", false);
      return new HealthComponent("dedupeStore", Kind.DEDUPE_STORE, Status.DOWN, "The probe did not finish within the "
          + "snapshot's wait of " + maxWait.toMillis() + " ms.", at, d);
    }
    HealthStatus p = probed.get();
    d.put("healthy", p.healthy());
    d.put("latencyMillis", p.latency().toMillis());
    d.put("detail", p.detail());
    return p.healthy()
        ? new HealthComponent("dedupeStore", Kind.DEDUPE_STORE, Status.UP, "Answers.", at, d)
        : new HealthComponent("dedupeStore", Kind.DEDUPE_STORE, Status.DOWN, "Probe failed: " + p.detail() + ".", at, d);
  }
}
