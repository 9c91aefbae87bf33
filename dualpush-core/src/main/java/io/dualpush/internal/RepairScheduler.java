package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushEvent;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.spi.CopyRecord;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repair scheduling: when each open transaction's next round runs, and dead-lettering what ran out
 * of retries. Open transactions wait in a {@link RepairQueue} by due time; each tick (every
 * {@link RepairOptions#scanInterval()}, on the repair thread) reads from the log only the records of
 * the transactions due, so a tick costs what is due, not the size of the backlog.
 *
 * <p>A round whose every copy is at a destination that would refuse it without a call (its
 * breaker open, or half-open with its trial call running; the destination stuck) is not started:
 * the transaction is parked on those destinations, with no log record and no backoff, and goes as
 * soon as one of them takes a call again. While a breaker is half-open, one round (for the
 * transaction tried least) carries its trial call, and the others wait for its outcome. When a
 * breaker closes (its trial succeeded, or it was reset), every transaction with a copy to repair
 * there is due at once, whatever its backoff. Thread-safe.
 */
final class RepairScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(RepairScheduler.class);
  /** Rounds a tick starts at most; the rest stay due for the next tick. */
  static final int MAX_PER_TICK = 4096;

  private final TransactionLog log;
  private final Clock clock;
  private final RepairOptions options;
  private final List<Slot> slots;
  private final PermitQueue places;
  private final Repairer repairer;
  private final Backlog backlog;
  private final PayloadRetention retention;
  private final Events events;
  private final EngineExecutors executors;
  private final Predicate<String> inFlight;
  /** Transactions the schedule holds in memory at most; past it they wait in the log. */
  static final int CAPACITY = 262_144;

  private final RepairQueue queue;
  private final Set<String> repairing = ConcurrentHashMap.newKeySet();
  /** Destinations whose half-open breaker's one trial call a repair round is carrying. */
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  /** Each destination's {@link Slot#breakerClosings()} at the last tick; the repair thread's own. */
  private final long[] closingsSeen;
  private volatile boolean closed;

  RepairScheduler(EngineConfig config, List<Slot> slots, PermitQueue places, Repairer repairer, Backlog backlog,
      PayloadRetention retention, Events events, EngineExecutors executors, Predicate<String> inFlight) {
    this(config, slots, places, repairer, backlog, retention, events, executors, inFlight, CAPACITY);
  }

  RepairScheduler(EngineConfig config, List<Slot> slots, PermitQueue places, Repairer repairer, Backlog backlog,
      PayloadRetention retention, Events events, EngineExecutors executors, Predicate<String> inFlight, int capacity) {
    this.queue = new RepairQueue(capacity);
    this.log = config.log();
    this.clock = config.clock();
    this.options = config.repair();
    this.slots = slots;
    this.places = places;
    this.repairer = repairer;
    this.backlog = backlog;
    this.retention = retention;
    this.events = events;
    this.executors = executors;
    this.inFlight = inFlight;
    this.closingsSeen = new long[slots.size()];
    for (int i = 0; i < slots.size(); i++) {
      closingsSeen[i] = -1;
    }
  }

  /** Recovery: every open transaction found in the log is due now. */
  void recover(List<TransactionRecord> open) {
    Instant now = clock.instant();
    for (TransactionRecord r : open) {
      queue.schedule(r.transactionId(), now, r.repairRounds(), targets(r));
    }
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

  /** A push's copies all settled and not all verified: its first round is due after the initial delay. */
  void afterPush(TransactionRecord record) {
    if (record.state().isTerminal()) {
      ended(record);
      return;
    }
    queue.schedule(record.transactionId(), dueAt(record), record.repairRounds(), targets(record));
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

  /** One tick: see the class comment. Runs on the repair thread (tests call it directly). */
  void tick() {
    if (closed) {
      return;
    }
    try {
      Instant now = clock.instant();
      refillFromLog(now);
      releaseRecovered(now);
      for (int i : queue.parkedOn()) {
        if (i < slots.size() && takesRepairs(slots.get(i))) {
          queue.release(i, now);
        }
      }
      List<RepairQueue.Due> due = new ArrayList<>(queue.pollDue(now, MAX_PER_TICK));
      // The least tried first: a half-open breaker's one trial, when it fails, is charged to the
      // transaction with the most rounds left, never to the same one over and over.
      due.sort(Comparator.comparingInt(RepairQueue.Due::rounds));
      for (int k = 0; k < due.size(); k++) {
        if (closed) {
          return;
        }
        RepairQueue.Due d = due.get(k);
        if (!start(d, now)) {
          // No place in flight: this and the rest stay due for the next tick.
          for (RepairQueue.Due rest : due.subList(k, due.size())) {
            queue.schedule(rest.id(), now, rest.rounds(), rest.targets());
          }
          return;
        }
      }
    } catch (RuntimeException e) {
      LOG.error("Repair tick failed; will try again", e);
    }
  }

  /**
   * After the schedule turned transactions away, reads them back from the log once it has drained
   * to half: the only listing of the log a tick ever does, and only after an overflow, so its cost
   * is spread over at least half a queue of rounds.
   */
  private void refillFromLog(Instant now) {
    if (!queue.overflowed() || queue.room() < queue.size()) {
      return;
    }
    queue.clearOverflow();
    int added = 0;
    for (TransactionRecord r : log.open()) {
      String id = r.transactionId();
      if (queue.contains(id) || inFlight.test(id) || repairing.contains(id)) {
        continue;
      }
      if (!queue.schedule(id, dueAt(r), r.repairRounds(), targets(r))) {
        break;
      }
      added++;
    }
    LOG.info("Repair schedule had overflowed: {} open transaction(s) read back from the log", added);
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
        backlog.ended(id);
        retention.forget(id);
      }
      return true;
    }
    if (r.repairRounds() >= options.maxRetries()) {
      deadLetter(r);
      return true;
    }
    List<Slot> targets = repairTargets(r);
    if (!targets.isEmpty() && targets.stream().noneMatch(this::takesRepairs)) {
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
    List<String> trials = new ArrayList<>();
    for (Slot t : targets) {
      if (t.breakerHalfOpen() && probing.add(t.id())) {
        trials.add(t.id());
      }
    }
    repairer.round(r).whenComplete((round, e) -> {
      probing.removeAll(trials);
      repairing.remove(id);
      places.release();
      if (e != null) {
        LOG.warn("Repair round of {} failed", id, e);
        log.read(id).ifPresent(this::afterPush);
      } else {
        afterRound(round);
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
      queue.schedule(after.transactionId(), dueAt(after), after.repairRounds(), targets(after));
    }
  }

  private void park(TransactionRecord r) {
    long targets = targets(r);
    if (targets == 0) {
      queue.schedule(r.transactionId(), clock.instant().plus(options.initialDelay()), r.repairRounds(), targets);
    } else {
      queue.park(r.transactionId(), r.repairRounds(), targets);
    }
  }

  private void ended(TransactionRecord r) {
    String id = r.transactionId();
    queue.remove(id);
    retention.forget(id);
    if (r.state() == TransactionState.DEAD_LETTERED) {
      backlog.deadLettered(id, r.key(), r.createdAt());
    } else {
      backlog.ended(id);
    }
  }

  /** Destinations whose breaker closed (a trial succeeded, or a reset) since the last tick: their repairs are due. */
  private void releaseRecovered(Instant now) {
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      long closings = slot.breakerClosings();
      long seen = closingsSeen[i];
      closingsSeen[i] = closings;
      if (seen >= 0 && seen != closings) {
        LOG.info("Circuit breaker of {} closed: repairs waiting on it are due now", slot.id());
        long bit = bit(i);
        queue.expedite(t -> (t & bit) != 0, now);
        queue.release(i, now);
      }
    }
  }

  /** The destinations a round of {@code r} would write to: those of its copies not verified. */
  private List<Slot> repairTargets(TransactionRecord r) {
    List<Slot> targets = new ArrayList<>(2);
    for (CopyRecord copy : r.copies()) {
      if (copy.status() == CopyStatus.VERIFIED) {
        continue;
      }
      for (Slot slot : slots) {
        if (slot.id().equals(copy.destinationId())) {
          targets.add(slot);
        }
      }
    }
    return targets;
  }

  /** {@link #repairTargets} as a bit per destination index (destinations past the 64th have none). */
  private long targets(TransactionRecord r) {
    long mask = 0;
    for (CopyRecord copy : r.copies()) {
      if (copy.status() == CopyStatus.VERIFIED) {
        continue;
      }
      for (int i = 0; i < slots.size(); i++) {
        if (slots.get(i).id().equals(copy.destinationId())) {
          mask |= bit(i);
        }
      }
    }
    return mask;
  }

  private static long bit(int index) {
    return index < Long.SIZE ? 1L << index : 0;
  }

  /**
   * Whether a repair write to {@code slot} would reach it now: not refused by its breaker or as
   * stuck, and, while half-open, not behind another round already carrying the trial call.
   */
  private boolean takesRepairs(Slot slot) {
    return slot.acceptsWrites() && !(probing.contains(slot.id()) && slot.breakerHalfOpen());
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
    backlog.deadLettered(r.transactionId(), r.key(), r.createdAt());
    events.emit(DualPushEvent.Type.DEAD_LETTERED, r.transactionId(), r.key(), "", r.size(), Duration.ZERO, reason);
    LOG.error("Transaction {} of '{}' dead-lettered: {}", r.transactionId(), r.key(), reason);
    events.alert(Alert.Type.DEAD_LETTER, "Push of '" + r.key() + "' dead-lettered: " + reason, r.transactionId(), "");
  }
}
