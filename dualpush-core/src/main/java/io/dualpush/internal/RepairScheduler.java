package io.dualpush.internal;

import io.dualpush.DualPushEvent;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repair scheduling: when each open transaction's next round runs, and dead-lettering what ran out
 * of retries. Open transactions wait in a bounded {@link RepairQueue} by due time; each tick (every
 * {@link RepairOptions#scanInterval()}, on the repair thread, and at once again while due work is
 * left and rounds finish) reads from the log only the records of the transactions due, so a tick
 * costs what is due, not the size of the backlog.
 *
 * <p>The queue holds at most {@code capacity} transactions. One that finds it full stays only in
 * the log; a {@link RepairPass} remembers which destinations it waits for and, once one of them
 * takes writes, reads the log's open transactions a page per tick ({@link TransactionLog#openPage})
 * into the room left in the queue, keeping a quarter of it free for the failures of new pushes; a
 * transaction beyond the queue is due when a pass reaches it.
 *
 * <p>A round whose every copy is at a destination that would refuse it without a call (its
 * breaker open, or half-open with its trial call running; the destination stuck) is not started:
 * the transaction is parked on those destinations, with no log record and no backoff, and goes as
 * soon as one of them takes a call again ({@link RepairGate} owns this view of the breakers).
 * While a breaker is half-open, one round (for the transaction tried least) carries its trial
 * call, and the others stay parked for its outcome.
 * When a breaker closes (its trial succeeded, or it was reset), every transaction with a copy to
 * repair there is due at once, whatever its backoff: those in the queue at the next tick, those
 * only in the log when the pass that follows reaches them. Rounds run within the places in flight
 * (never more than {@code maxInFlight} at once, and pushes waiting for a place come first), and
 * each one that ends starts the next due one, so a returning destination's backlog drains as fast
 * as it takes writes, not a tick's worth per scan interval. Thread-safe.
 */
final class RepairScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(RepairScheduler.class);
  /** Rounds a tick starts at most; the rest stay due for the next tick, which follows at once. */
  static final int MAX_PER_TICK = 4096;
  /** Transactions the schedule holds in memory at most; past it they wait in the log. */
  static final int CAPACITY = 32_768;

  private final TransactionLog log;
  private final Clock clock;
  private final RepairOptions options;
  private final List<Slot> slots;
  private final PermitQueue places;
  private final Repairer repairer;
  private final DeadLetters deadLetters;
  private final PayloadRetention retention;
  private final Events events;
  private final EngineExecutors executors;
  private final Predicate<String> inFlight;
  private final io.dualpush.@Nullable ActiveRegionCoordinator coordinator;

  private final RepairQueue queue;
  private final Set<String> repairing = ConcurrentHashMap.newKeySet();
  private final RepairGate gate;
  private final RepairPass pass;
  /** Set by a tick that left due work behind; a round that ends then starts the next tick at once. */
  private volatile boolean more;
  private final AtomicBoolean kicked = new AtomicBoolean();
  private volatile boolean closed;

  RepairScheduler(EngineConfig config, List<Slot> slots, PermitQueue places, Repairer repairer, DeadLetters deadLetters,
      PayloadRetention retention, Events events, EngineExecutors executors, Predicate<String> inFlight) {
    this(config, slots, places, repairer, deadLetters, retention, events, executors, inFlight, CAPACITY);
  }

  RepairScheduler(EngineConfig config, List<Slot> slots, PermitQueue places, Repairer repairer, DeadLetters deadLetters,
      PayloadRetention retention, Events events, EngineExecutors executors, Predicate<String> inFlight, int capacity) {
    this.queue = new RepairQueue(capacity);
    this.log = config.log();
    this.clock = config.clock();
    this.options = config.repair();
    this.slots = slots;
    this.places = places;
    this.repairer = repairer;
    this.deadLetters = deadLetters;
    this.retention = retention;
    this.events = events;
    this.executors = executors;
    this.inFlight = inFlight;
    this.coordinator = config.coordinator();
    this.gate = new RepairGate(slots, queue);
    this.pass = new RepairPass(log, queue, gate, capacity / 4,
        id -> queue.contains(id) || inFlight.test(id) || repairing.contains(id), this::dueAt);
  }

  /**
   * Recovery: every open transaction in the log is due now. Nothing is listed here: the first
   * ticks read them a page at a time, as any pass does, so that a large backlog never has to fit
   * in memory at once.
   */
  synchronized void recover() {
    pass.recover();
  }

  /** Starts the ticks, when repair is enabled. */
  void start() {
    if (options.enabled()) {
      long every = options.scanInterval().toNanos();
      executors.repair.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.NANOSECONDS);
    }
  }

  void close() {
    closed = true;
  }

  /** Transactions scheduled or parked, for tests and diagnostics. */
  int scheduled() {
    return queue.size();
  }

  /** Whether a pass over the log is under way, for tests. */
  boolean passing() {
    return pass.active();
  }

  /** A push's copies all settled and not all verified: its first round is due after the initial delay. */
  void afterPush(TransactionRecord record) {
    if (record.state().isTerminal()) {
      ended(record);
      return;
    }
    long targets = gate.targets(record);
    if (!queue.schedule(record.transactionId(), dueAt(record), record.repairRounds(), targets)) {
      pass.miss(targets);
    }
  }

  /** An open transaction that may have been unscheduled (found open again by a verification): schedules it if so. */
  void ensureScheduled(TransactionRecord record) {
    if (!queue.contains(record.transactionId()) && !repairing.contains(record.transactionId())) {
      afterPush(record);
    }
  }

  /** A transaction ended outside a round (verified by hand): nothing more to schedule. */
  void forget(String id) {
    queue.remove(id);
  }

  /**
   * Runs a round now, outside the schedule (a retry by hand); completes with the receipt after it.
   * Waits for a place in flight without blocking the caller.
   */
  CompletableFuture<PushReceipt> runNow(String id) {
    if (!repairing.add(id)) {
      return CompletableFuture.completedFuture(PushReceipt.of(log.read(id).orElseThrow(), false));
    }
    queue.remove(id);
    boolean[] placed = new boolean[1];
    CompletableFuture<Repairer.Round> round = places.acquire().thenCompose(v -> {
      placed[0] = true;
      return executors.supply(() -> log.read(id).orElseThrow(), "repair of " + id).thenCompose(repairer::round);
    });
    return round.handle((r, e) -> {
      repairing.remove(id);
      if (placed[0]) {
        places.release();
      }
      if (e != null) {
        // Schedule it anyway: a round that failed half-way must not leave the transaction unscheduled.
        log.read(id).ifPresent(this::afterPush);
        throw e instanceof CompletionException ce ? ce : new CompletionException(e);
      }
      afterRound(r);
      return r.receipt();
    });
  }

  /**
   * One tick: see the class comment. Runs on the repair thread (tests call it directly); ticks
   * never overlap, so the pass's position and flags are only touched under this lock.
   */
  synchronized void tick() {
    if (closed) {
      return;
    }
    if (coordinator != null && !coordinator.isActive()) {
      // Deferred, not failed: what is due stays due, for the first tick once this process is active.
      return;
    }
    more = false;
    try {
      Instant now = clock.instant();
      gate.releaseRecovered(now);
      gate.releaseParked(now);
      pass.refill(now);
      int handled = 0;
      while (handled < MAX_PER_TICK && !closed) {
        int free = places.available();
        if (free == 0) {
          // The next round to end ticks again, if anything is due by then.
          moreIfLeft(now);
          return;
        }
        // No more than the places free: what stays due is not polled and put back at every tick.
        List<RepairQueue.Due> due = new ArrayList<>(queue.pollDue(now, Math.min(free, MAX_PER_TICK - handled)));
        if (due.isEmpty()) {
          break;
        }
        // The least tried first: a half-open breaker's one trial, when it fails, is charged to the
        // transaction with the most rounds left, never to the same one over and over.
        due.sort(Comparator.comparingInt(RepairQueue.Due::rounds));
        for (int k = 0; k < due.size(); k++) {
          if (closed) {
            return;
          }
          RepairQueue.Due d = due.get(k);
          if (!start(d, now)) {
            // No place in flight after all (a push took it): this and the rest stay due.
            for (RepairQueue.Due rest : due.subList(k, due.size())) {
              queue.schedule(rest.id(), now, rest.rounds(), rest.targets());
            }
            moreIfLeft(now);
            return;
          }
        }
        handled += due.size();
      }
      if (handled >= MAX_PER_TICK) {
        more = true;
        kick();
      } else if (pass.wantsTick()) {
        more = true;
      }
    } catch (RuntimeException e) {
      LOG.error("Repair tick failed; will try again", e);
    }
  }

  /**
   * The tick stopped for want of a place: the rounds that end tick again if work is left. Rounds
   * that all ended while this tick ran saw no such mark, so a place free by now ticks at once.
   */
  private void moreIfLeft(Instant now) {
    more = queue.hasDue(now) || pass.wantsTick();
    if (more && places.available() > 0) {
      kick();
    }
  }

  /** Runs a tick soon on the repair thread, once however many ask before it runs. */
  private void kick() {
    if (closed || !kicked.compareAndSet(false, true)) {
      return;
    }
    try {
      executors.repair.execute(() -> {
        kicked.set(false);
        tick();
      });
    } catch (RejectedExecutionException e) {
      // Closing: no more ticks.
      kicked.set(false);
    }
  }

  /** Handles one due transaction; false only when no place in flight was free for its round. */
  private boolean start(RepairQueue.Due d, Instant now) {
    String id = d.id();
    if (inFlight.test(id) || repairing.contains(id)) {
      // The push or round running now schedules it again when it ends.
      return true;
    }
    TransactionRecord r = log.read(id).orElse(null);
    if (r == null || r.state().isTerminal()) {
      if (r != null) {
        ended(r);
      } else {
        deadLetters.remove(id);
        retention.forget(id);
      }
      return true;
    }
    if (r.repairRounds() >= options.maxRetries()) {
      deadLetter(r);
      return true;
    }
    List<Slot> targets = gate.repairTargets(r);
    if (!targets.isEmpty() && targets.stream().noneMatch(gate::takesRepairs)) {
      park(r);
      return true;
    }
    if (!repairing.add(id)) {
      return true;
    }
    if (!places.tryAcquire()) {
      repairing.remove(id);
      return false;
    }
    List<String> trials = gate.claimTrials(targets);
    repairer.round(r).whenComplete((round, e) -> {
      gate.endTrials(trials);
      repairing.remove(id);
      places.release();
      if (e != null) {
        LOG.debug("Repair round of {} failed", id, e);
        log.read(id).ifPresent(this::afterPush);
      } else {
        afterRound(round);
      }
      if (more || !trials.isEmpty()) {
        // A place is free again, or a trial call decided its breaker: the next tick need not wait.
        kick();
      }
    });
    return true;
  }

  private void afterRound(Repairer.Round round) {
    TransactionRecord after = round.after();
    if (after.state().isTerminal()) {
      ended(after);
    } else if (!round.attempted()) {
      park(after);
    } else {
      afterPush(after);
      retryFailed(round);
    }
  }

  /** A round failed at some destinations and another one is scheduled: one RETRY_FAILURE per such destination. */
  private void retryFailed(Repairer.Round round) {
    TransactionRecord after = round.after();
    if (round.failedAt().isEmpty() || !options.enabled() || after.repairRounds() >= options.maxRetries()) {
      // The next tick dead-letters it (DEAD_LETTER), or nothing repairs it on a schedule.
      return;
    }
    Duration wait = Duration.between(clock.instant(), dueAt(after));
    for (String at : round.failedAt()) {
      String why = after.copy(at).map(c -> c.error().isEmpty() ? c.status().name() : c.error()).orElse("not verified");
      events.alert(Alert.Type.RETRY_FAILURE, "Repair round " + after.repairRounds() + " of " + options.maxRetries()
          + " of '" + after.key() + "' at " + at + " failed: " + why + "; next round in "
          + DestinationStates.span(wait.isNegative() ? Duration.ZERO : wait), after.transactionId(), at);
    }
  }

  private void park(TransactionRecord r) {
    long targets = gate.targets(r);
    boolean held = targets == 0
        ? queue.schedule(r.transactionId(), clock.instant().plus(options.initialDelay()), r.repairRounds(), targets)
        : queue.park(r.transactionId(), r.repairRounds(), targets);
    if (!held) {
      pass.miss(targets);
    }
  }

  private void ended(TransactionRecord r) {
    String id = r.transactionId();
    queue.remove(id);
    retention.forget(id);
    if (r.state() == TransactionState.DEAD_LETTERED) {
      deadLetters.add(id, r.key());
    } else {
      deadLetters.remove(id);
    }
  }

  /** When the next round of {@code r} is due: exponential backoff with a stable per-round jitter. */
  Instant dueAt(TransactionRecord r) {
    Duration initial = options.initialDelay();
    Duration max = options.maxDelay();
    int n = r.repairRounds();
    long nanos = initial.toNanos();
    for (int i = 0; i < n && nanos < max.toNanos(); i++) {
      nanos *= 2;
    }
    nanos = Math.min(nanos, max.toNanos());
    // Jitter only shortens the wait, so "after the nominal delay" is always enough.
    double fraction = (Math.floorMod((r.transactionId() + "#" + n).hashCode(), 1000)) / 1000.0;
    nanos = (long) (nanos * (1 - options.jitter() * fraction));
    return r.updatedAt().plusNanos(nanos);
  }

  private void deadLetter(TransactionRecord r) {
    String reason = "gave up after " + r.repairRounds() + " repair round(s): " + PushReceipt.of(r, false).describeCopies();
    log.append(new LogEntry.DeadLettered(r.transactionId(), clock.instant(), reason));
    queue.remove(r.transactionId());
    retention.forget(r.transactionId());
    deadLetters.add(r.transactionId(), r.key());
    events.emit(DualPushEvent.Type.DEAD_LETTERED, r.transactionId(), r.key(), "", r.size(), Duration.ZERO, reason);
    LOG.debug("Transaction {} of '{}' dead-lettered: {}", r.transactionId(), r.key(), reason);
    String at = r.copies().stream().filter(c -> c.status() != io.dualpush.CopyStatus.VERIFIED)
        .map(io.dualpush.spi.CopyRecord::destinationId).findFirst().orElse("");
    events.alert(Alert.Type.DEAD_LETTER, "Push of '" + r.key() + "' dead-lettered: " + reason, r.transactionId(), at);
  }
}
