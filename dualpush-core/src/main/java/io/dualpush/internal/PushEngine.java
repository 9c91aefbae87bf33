package io.dualpush.internal;

import io.dualpush.CircuitBreakerState;
import io.dualpush.ClientClosedException;
import io.dualpush.DestinationHealth;
import io.dualpush.DualPushStats;
import io.dualpush.InvalidInputException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionNotFoundException;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.spi.Alert;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator: wires the engine's parts and follows one push through them — {@link Admission}
 * (place in flight, dedupe, hash, durable start), {@link Router} (copies in parallel),
 * {@link Verifier} (G4), {@link Acknowledger} (the ack policy's verdict) — then hands what did not
 * verify to the {@link RepairScheduler} ({@link Repairer} runs the rounds, from the
 * {@link PayloadRetention} or a verified copy). Stats come from the log's
 * {@link TransactionLog#openSummary()} and the {@link DeadLetters};
 * {@link EngineExecutors} keeps the threads and the futures handed out. Follow {@link #push} to read one
 * push. No method blocks its caller except {@link #close()}.
 */
public final class PushEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PushEngine.class);
  /** How long close() waits, once work has drained, for the engine's threads to stop. */
  private static final Duration THREADS_GRACE = Duration.ofSeconds(5);
  /** Rounds a repair of everything runs at once, so that it never floods the queue of places in flight. */
  private static final int REPAIR_ALL_WINDOW = 16;
  /** Open transactions a repair of everything reads from the log at a time. */
  private static final int REPAIR_ALL_PAGE = 1024;
  /** How often each destination's recovery point is checked against its budget. */
  private static final Duration BUDGET_CHECK = Duration.ofSeconds(1);

  private final EngineConfig config;
  private final TransactionLog log;
  private final EngineExecutors executors;
  private final List<Slot> slots;
  private final Map<String, Slot> byId = new LinkedHashMap<>();
  private final int requiredCopies;
  private final PermitQueue places;
  private final DeadLetters deadLetters = new DeadLetters();
  private final PayloadRetention retention;
  private final Admission admission;
  private final Router router;
  private final Verifier verifier;
  private final Acknowledger acknowledger;
  private final RepairScheduler scheduler;
  private final Map<String, Flight> live = new ConcurrentHashMap<>();
  private final LagTracker lagTracker;
  private final HealthCheck healthCheck;
  private volatile boolean closed;

  /**
   * An engine over {@code config}; nothing runs until {@link #start()}.
   *
   * @param config what the builder validated
   */
  public PushEngine(EngineConfig config) {
    this.config = config;
    this.log = config.log();
    this.executors = new EngineExecutors(config.ioThreads());
    Watchdog watchdog = new Watchdog(executors.timer);
    List<Slot> s = new ArrayList<>();
    List<LogEntry.Target> targets = new ArrayList<>();
    int required = 0;
    for (EngineConfig.Target target : config.destinations()) {
      // A timed-out call's failure is delivered on the work threads: the timer must stay free for deadlines.
      Slot slot = new Slot(target.options(), target.destination(), config.retry(), config.circuitBreaker(),
          config.ioThreads(), watchdog, executors.timer, config.clock(), executors.work);
      s.add(slot);
      byId.put(slot.id(), slot);
      targets.add(new LogEntry.Target(slot.id(), target.options().required()));
      if (target.options().required()) {
        required++;
      }
    }
    this.slots = List.copyOf(s);
    this.requiredCopies = config.ackPolicy().requiredCopies(required);
    this.places = new PermitQueue(config.maxInFlight(), config.maxQueued());
    Events events = new Events(config.listeners(), config.alerts(), config.clock());
    this.lagTracker = new LagTracker(config.destinations().stream().map(EngineConfig.Target::options).toList(),
        config.clock(), new LagTracker.BudgetAlerts() {
          @Override
          public void exceeded(String destinationId, Duration oldest, Duration budget, long backlogCopies) {
            events.alert(Alert.Type.RECOVERY_POINT_EXCEEDED, "Destination " + destinationId
                + " is behind its recovery-point budget: its oldest copy not yet verified has waited "
                + LagTracker.describe(oldest) + " (budget " + LagTracker.describe(budget) + "; " + backlogCopies
                + " copies pending)", "", destinationId);
          }

          @Override
          public void cleared(String destinationId, Duration oldest, Duration budget) {
            events.resolve(Alert.Type.RECOVERY_POINT_EXCEEDED, "Destination " + destinationId
                + " is within its recovery-point budget of " + LagTracker.describe(budget)
                + " again: its oldest copy not yet verified has waited " + LagTracker.describe(oldest), destinationId);
          }
        });
    events.lagTracker(lagTracker);
    DestinationStates states = new DestinationStates(events);
    // Health's tracker is fed every event as lag's is, without an event object.
    HealthTracker tracker = new HealthTracker(config.clock());
    events.healthTracker(tracker);
    for (Slot slot : slots) {
      slot.onStateChange(states.listener(slot.options));
    }
    this.retention = new PayloadRetention(config.retainedPayloadBytes());
    this.admission = new Admission(config, places, executors, events, List.copyOf(targets), requiredCopies);
    this.verifier = new Verifier(log, config.clock(), events, byId);
    this.router = new Router(slots, verifier, config.coordinator());
    this.acknowledger = new Acknowledger(config, events);
    Repairer repairer = new Repairer(log, config.clock(), events, byId, router, verifier, retention);
    this.scheduler = new RepairScheduler(config, slots, places, repairer, deadLetters, retention, events, executors,
        live::containsKey);
    this.healthCheck = new HealthCheck(config, slots, tracker, this::probe, this::stats, this::lag);
  }

  /**
   * Recovery: every open transaction in the log is due for repair now (the repair scheduler reads
   * them a page at a time); then repair runs on its schedule.
   */
  public void start() {
    long open = log.openSummary().count();
    if (open > 0) {
      LOG.info("Recovering {} open transaction(s) from the transaction log", open);
    }
    // Once, before any push; from here on the engine keeps them itself, so stats() never lists them.
    for (TransactionRecord r : log.deadLettered()) {
      deadLetters.add(r.transactionId(), r.key());
      lagTracker.recoveredDeadLetter(r);
    }
    if (open > 0) {
      long position = 0;
      while (true) {
        io.dualpush.spi.OpenPage page = log.openPage(position, REPAIR_ALL_PAGE);
        page.transactions().forEach(lagTracker::recovered);
        if (page.last()) {
          break;
        }
        position = page.next();
      }
    }
    executors.timer.scheduleWithFixedDelay(() -> {
      try {
        executors.work.execute(lagTracker::checkBudgets);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // The client is closing: no more checks.
      }
    }, BUDGET_CHECK.toNanos(), BUDGET_CHECK.toNanos(), TimeUnit.NANOSECONDS);
    scheduler.recover();
    scheduler.start();
  }

  // ---------------------------------------------------------------- push

  /**
   * One push: admitted (queued for a place in flight without blocking), routed, decided.
   *
   * @param request the validated request
   * @param inCaller for a caller that blocks on the result: when a place in flight is free, the
   *     claim, the hash and the {@code Started} append run in the calling thread, not handed off
   * @return completes when the ack policy is decided (see {@link Flight}); not tracked by the executors (a
   *     map entry per push): close() fails its place, its dropped work task, or its flight
   * @throws io.dualpush.NotActiveException when a coordinator is configured and this process is not active
   */
  public CompletableFuture<PushReceipt> push(PushRequest request, boolean inCaller) {
    if (closed) {
      throw new ClientClosedException("push of '" + request.key() + "'");
    }
    io.dualpush.ActiveRegionCoordinator coordinator = config.coordinator();
    if (coordinator != null && !coordinator.isActive()) {
      // Before the dedupe claim and the log: nothing is recorded, the caller keeps its data.
      throw new io.dualpush.NotActiveException(coordinator.leaseName(), coordinator.role(),
          "Push of '" + request.key() + "' refused");
    }
    return admission.admit(request, inCaller).thenCompose(a -> {
      if (a.duplicate() != null) {
        return CompletableFuture.completedFuture(a.duplicate());
      }
      LogEntry.Started started = Objects.requireNonNull(a.started());
      deadLetters.pushed(started.key());
      Flight flight = new Flight(started, slots, requiredCopies, places::release);
      flight.join(live, executors);
      router.route(flight, Objects.requireNonNull(a.opener()), new Router.Settling() {
        @Override
        public void allSettled(Flight f) {
          settled(f, a);
        }

        @Override
        public void decided(Flight f) {
          acknowledger.decide(f);
        }
      });
      return flight.ack;
    });
  }

  /** Every copy of a push settled: it leaves the flight, and what did not verify goes to repair. */
  private void settled(Flight flight, Admission.Admitted admitted) {
    String id = flight.id();
    // First: the repair scheduler skips transactions still in flight.
    live.remove(id);
    if (flight.allVerified()) {
      return;
    }
    retention.retain(id, Objects.requireNonNull(admitted.opener()), admitted.retainBytes(),
        !flight.started.sourcePath().isEmpty());
    TransactionRecord record;
    try {
      record = log.read(id).orElseGet(flight::settledRecord);
    } catch (RuntimeException e) {
      // The log failing now must not keep the push from repair: its own record will do.
      LOG.warn("Cannot read {} back from the log; scheduling its repair from what the push saw", id, e);
      record = flight.settledRecord();
    }
    scheduler.afterPush(record);
  }

  // ---------------------------------------------------------------- verify and repair

  /**
   * Checks every copy of a transaction against the source MD5 and records what it finds.
   *
   * @param transactionId the transaction
   * @param mode how deeply to read the copies
   * @return completes with the receipt after the check
   */
  public CompletableFuture<PushReceipt> verify(String transactionId, VerifyMode mode) {
    ensureOpen("verification of " + transactionId);
    TransactionRecord record = log.read(transactionId).orElseThrow(() -> new TransactionNotFoundException(transactionId));
    if (!isCurrent(record) || live.containsKey(transactionId)) {
      return CompletableFuture.completedFuture(PushReceipt.of(record, false));
    }
    CompletableFuture<PushReceipt> checked = verifier.check(record, mode).thenApply(v -> {
      TransactionRecord after = log.read(transactionId).orElse(record);
      if (after.state() == TransactionState.VERIFIED) {
        deadLetters.remove(transactionId);
        retention.forget(transactionId);
        scheduler.forget(transactionId);
      } else if (!after.state().isTerminal()) {
        // Open, perhaps again (a verified copy found missing): it must be repaired.
        scheduler.ensureScheduled(after);
      }
      return PushReceipt.of(after, false);
    });
    return executors.track(checked, "verification of " + transactionId);
  }

  private boolean isCurrent(TransactionRecord record) {
    return !record.superseded() && log.latest(record.key())
        .map(l -> l.transactionId().equals(record.transactionId())).orElse(true);
  }

  /**
   * Revives a failed or dead-lettered transaction and runs a repair round now.
   *
   * @param transactionId the transaction
   * @return completes with the receipt after the round
   */
  public CompletableFuture<PushReceipt> retryFailed(String transactionId) {
    ensureOpen("repair of " + transactionId);
    TransactionRecord record = log.read(transactionId).orElseThrow(() -> new TransactionNotFoundException(transactionId));
    if (record.state() == TransactionState.VERIFIED || !isCurrent(record) || live.containsKey(transactionId)) {
      return CompletableFuture.completedFuture(PushReceipt.of(record, false));
    }
    CompletableFuture<PushReceipt> round = executors.supply(() -> {
      if (record.deadLetterReason().isPresent() || record.repairRounds() > 0) {
        log.append(new LogEntry.Retried(transactionId, config.clock().instant()));
      }
      deadLetters.remove(transactionId);
      return transactionId;
    }, "repair of " + transactionId).thenCompose(scheduler::runNow);
    return executors.track(round, "repair of " + transactionId);
  }

  /**
   * Retries every open or dead-lettered transaction now, a few at a time; completes when every
   * round has finished. The open ones are read from the log a page at a time as the rounds go, so
   * that a large backlog is never listed at once (the receipts returned are one per transaction).
   *
   * @return completes with one receipt per transaction retried
   */
  public CompletableFuture<List<PushReceipt>> repairAll() {
    ensureOpen("repair of every open transaction");
    // A dependent stage: the caller's future is not the one RepairAll completes.
    return executors.track(new RepairAll(deadLetters.ids()).run().thenApply(r -> r), "repair of every open transaction");
  }

  /**
   * Runs {@link #retryFailed} over the dead letters, then over the log's open transactions page by
   * page, at most {@link #REPAIR_ALL_WINDOW} at once, in order.
   */
  private final class RepairAll {
    // Guarded by this: the ids read and not started yet, where the next page starts, the receipts so far.
    private final java.util.ArrayDeque<String> ids;
    private long position;
    private boolean exhausted;
    private final List<PushReceipt> receipts = new ArrayList<>();
    private int running;
    private boolean completed;
    private @Nullable Throwable failure;
    private final CompletableFuture<List<PushReceipt>> done = new CompletableFuture<>();

    RepairAll(List<String> deadLettered) {
      this.ids = new java.util.ArrayDeque<>(deadLettered);
    }

    CompletableFuture<List<PushReceipt>> run() {
      for (int w = 0; w < REPAIR_ALL_WINDOW; w++) {
        pump();
      }
      return done;
    }

    /** The next id and its index among the receipts, or null when none is left; reads a page when needed. */
    private synchronized java.util.Map.@Nullable Entry<Integer, String> next() {
      if (ids.isEmpty() && !exhausted) {
        io.dualpush.spi.OpenPage page = log.openPage(position, REPAIR_ALL_PAGE);
        for (TransactionRecord r : page.transactions()) {
          ids.add(r.transactionId());
        }
        position = page.next();
        exhausted = page.last();
      }
      String id = ids.poll();
      if (id == null) {
        return null;
      }
      receipts.add(null);
      running++;
      return java.util.Map.entry(receipts.size() - 1, id);
    }

    /** Completes {@code done} once nothing is running and nothing is left; called with the lock held. */
    private void completeIfDone() {
      if (completed || running > 0 || !ids.isEmpty() || !exhausted) {
        return;
      }
      completed = true;
      if (failure != null) {
        done.completeExceptionally(failure);
      } else {
        done.complete(List.copyOf(receipts));
      }
    }

    private void pump() {
      java.util.Map.Entry<Integer, String> next;
      try {
        next = next();
      } catch (RuntimeException e) {
        synchronized (this) {
          failure = failure == null ? e : failure;
          exhausted = true;
          ids.clear();
          completeIfDone();
        }
        return;
      }
      if (next == null) {
        synchronized (this) {
          completeIfDone();
        }
        return;
      }
      int i = next.getKey();
      CompletableFuture<PushReceipt> one;
      try {
        one = retryFailed(next.getValue());
      } catch (RuntimeException e) {
        one = CompletableFuture.failedFuture(e);
      }
      // Async: rounds that complete at once (already verified) must not recurse the stack deep.
      one.whenCompleteAsync((r, e) -> {
        synchronized (this) {
          if (e != null && failure == null) {
            failure = e;
          }
          receipts.set(i, r);
          running--;
        }
        pump();
      }, executors.work);
    }
  }

  // ---------------------------------------------------------------- reads, stats, health

  /**
   * A transaction's receipt, with copies still being written shown as in progress.
   *
   * @param transactionId the transaction
   * @return its receipt, or empty when the log does not hold it
   */
  public Optional<PushReceipt> receipt(String transactionId) {
    Optional<TransactionRecord> record = log.read(transactionId);
    Flight flight = live.get(transactionId);
    if (record.isPresent() && flight != null) {
      return Optional.of(flight.receipt(record.get()));
    }
    return record.map(r -> PushReceipt.of(r, false));
  }

  /**
   * The newest transactions.
   *
   * @param limit the most to return
   * @return their receipts, newest first
   */
  public List<PushReceipt> recent(int limit) {
    return log.recent(limit).stream().map(r -> PushReceipt.of(r, false)).toList();
  }

  /**
   * The backlog and its lag from the log's {@link TransactionLog#openSummary()} (a count, never a
   * listing), the dead letters and places in flight from the engine's own counts.
   *
   * @return backlog, lag, dead letters and places in flight
   */
  public DualPushStats stats() {
    io.dualpush.spi.OpenSummary open = log.openSummary();
    Duration lag = open.oldestStart().map(t -> Duration.between(t, config.clock().instant())).orElse(Duration.ZERO);
    return new DualPushStats((int) Math.min(Integer.MAX_VALUE, open.count()), lag.isNegative() ? Duration.ZERO : lag,
        deadLetters.count(), places.inUse());
  }

  /**
   * How far behind each destination is, by id, in the order the destinations were added.
   *
   * @return each destination's lag; unmodifiable
   */
  public Map<String, io.dualpush.DestinationLag> lag() {
    return lagTracker.lag();
  }

  /**
   * Health of every destination, by id, probed now in parallel: the probe, the circuit breaker's
   * state read after it, and the calls stuck there. Each probe is bounded by its destination's
   * timeout, including time spent queued behind other calls.
   *
   * @return completes within the longest timeout with each destination's health
   */
  public CompletableFuture<Map<String, DestinationHealth>> health() {
    ensureOpen("health probe");
    Map<Slot, CompletableFuture<HealthStatus>> probes = new LinkedHashMap<>();
    for (Slot slot : slots) {
      probes.put(slot, probe(slot));
    }
    CompletableFuture<Map<String, DestinationHealth>> all = CompletableFuture
        .allOf(probes.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
          Map<String, DestinationHealth> out = new LinkedHashMap<>();
          probes.forEach((slot, probe) -> out.put(slot.id(),
              new DestinationHealth(slot.id(), probe.join(), slot.breakerState(), slot.stuckCalls())));
          return Collections.unmodifiableMap(out);
        });
    return executors.track(all, "health probe");
  }

  /**
   * A health snapshot of the whole client (see {@link io.dualpush.HealthSnapshot}): destinations probed now,
   * the log, the coordinator, the backlog and the dedupe store.
   *
   * @param maxWait the longest the checks may take; one that takes longer is reported DOWN
   * @return completes within {@code maxWait} with the snapshot
   */
  public CompletableFuture<io.dualpush.HealthSnapshot> healthSnapshot(Duration maxWait) {
    ensureOpen("health snapshot");
    return executors.track(healthCheck.take(maxWait), "health snapshot");
  }

  /** One destination's probe, bounded by its timeout, queued or running; never completes exceptionally. */
  private CompletableFuture<HealthStatus> probe(Slot slot) {
    Duration timeout = slot.options.timeout();
    return slot.call(slot.destination::probe)
        .exceptionally(e -> HealthStatus.unhealthy(Duration.ZERO, "probe failed: " + probeFailure(e)))
        .completeOnTimeout(HealthStatus.unhealthy(timeout, "probe did not finish within " + timeout.toMillis() + " ms"),
            timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Why a probe failed, in words that cannot hold a secret: the engine's own, or the exception's type. */
  private static String probeFailure(Throwable e) {
    Throwable t = Slot.unwrap(e);
    if (t instanceof CallTimedOutException || t instanceof DestinationStuckException) {
      return t.getMessage();
    }
    return t.getClass().getSimpleName();
  }

  /**
   * Closes the circuit breaker of {@code destinationId} now; repairs waiting on it are due at the
   * repair scheduler's next tick.
   *
   * @param destinationId a destination's id
   * @throws InvalidInputException naming {@code destinationId} when no destination has that id
   */
  public void resetCircuitBreaker(String destinationId) {
    Slot slot = byId.get(destinationId);
    if (slot == null) {
      throw new InvalidInputException("destinationId", "'destinationId' names no destination of this client: '"
          + destinationId + "'; destinations: " + String.join(", ", byId.keySet()) + ".");
    }
    CircuitBreakerState before = slot.breakerState();
    slot.resetBreaker();
    LOG.info("Circuit breaker of {} reset by hand (was {} since {})", destinationId, before.state(), before.since());
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops taking work; waits (within the close timeout) for pushes and rounds in flight; then
   * stops every thread and completes every future still pending with a {@link ClientClosedException}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.close();
    executors.stopRepair();
    // Pushes still waiting for a place will not get one: they fail now, as the client closed.
    places.close();
    long deadline = System.nanoTime() + config.closeTimeout().toNanos();
    try {
      // Drain: every push and round holds a place until all its copies are settled and logged.
      if (!places.awaitAllFree(deadline)) {
        LOG.warn("close(): {} push(es) or repair(s) still in flight after {}; stopping them", places.inUse(),
            config.closeTimeout());
      }
      executors.repair.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    executors.shutdownNow();
    for (Slot slot : slots) {
      slot.shutdown();
    }
    // What the stopped executors dropped will never complete its caller's future: fail it now.
    executors.failPending();
    live.values().forEach(Flight::failClosed);
    // One bound for all threads; calls abandoned at their deadline are never waited for (daemon threads).
    long threadsDeadline = System.nanoTime() + THREADS_GRACE.toNanos();
    try {
      for (Slot slot : slots) {
        slot.awaitTermination(threadsDeadline);
      }
      executors.awaitTermination(threadsDeadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The store the builder opened flushes its last ids before the log closes (it never needs the log after open).
    if (config.ownsDedupe() && config.dedupe() instanceof AutoCloseable store) {
      try {
        store.close();
      } catch (Exception e) {
        LOG.error("close(): closing the dedupe store failed", e);
      }
    }
    if (config.ownsLog()) {
      log.close();
    }
  }

  private void ensureOpen(String operation) {
    if (closed) {
      throw new ClientClosedException(operation);
    }
  }
}
