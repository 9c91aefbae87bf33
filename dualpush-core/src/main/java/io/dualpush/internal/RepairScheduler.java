package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushEvent;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
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
 * the log, and the scheduler remembers which destinations it waits for. Once one of them takes
 * writes, a <em>pass</em> reads the log's open transactions a page per tick
 * ({@link TransactionLog#openPage}) into the room left in the queue, keeping a quarter of it free so
 * that a pass never crowds out the failures of new pushes; a transaction beyond the queue is due
 * when a pass reaches it. A transaction open for the whole of a pass is either taken into the queue
 * or remembered again, so none is ever forgotten; one turned away during a pass is read by the next.
 *
 * <p>A round whose every copy is at a destination that would refuse it without a call (its
 * breaker open, or half-open with its trial call running; the destination stuck) is not started:
 * the transaction is parked on those destinations, with no log record and no backoff, and goes as
 * soon as one of them takes a call again. While a breaker is half-open, one round (for the
 * transaction tried least) carries its trial call, and the others stay parked for its outcome.
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
  /** The most open transactions one page of a pass reads. */
  static final int PAGE = 4096;

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

  private final RepairQueue queue;
  /** Room a pass leaves free in the queue, for the failures of new pushes. */
  private final int reserve;
  private final Set<String> repairing = ConcurrentHashMap.newKeySet();
  /** Destinations whose half-open breaker's one trial call a repair round is carrying. */
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  /** Each destination's {@link Slot#breakerClosings()} at the last tick; the repair thread's own. */
  private final long[] closingsSeen;
  /** When each destination's breaker was last seen closing; the repair thread's own. */
  private final Instant[] closedAt;
  /**
   * The destinations (a bit each; every bit for a transaction with none) of open transactions that
   * only the log holds: turned away by a full queue, or skipped by a pass as their destinations
   * refused writes. A pass starts once one of them takes writes.
   */
  private final AtomicLong missed = new AtomicLong();
  /** Where the pass under way continues; the repair thread's own, as are the two flags below. */
  private long passPosition;
  private boolean passActive;
  /** The pass under way is recovery's: what it reads is due at once. */
  private boolean recoveryPass;
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
    this.reserve = capacity / 4;
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
    this.closingsSeen = new long[slots.size()];
    this.closedAt = new Instant[slots.size()];
    for (int i = 0; i < slots.size(); i++) {
      closingsSeen[i] = -1;
    }
  }

  /**
   * Recovery: every open transaction in the log is due now. Nothing is listed here: the first
   * ticks read them a page at a time, as any pass does, so that a large backlog never has to fit
   * in memory at once.
   */
  synchronized void recover() {
    passActive = true;
    recoveryPass = true;
    passPosition = 0;
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
    return passActive;
  }

  /** A push's copies all settled and not all verified: its first round is due after the initial delay. */
  void afterPush(TransactionRecord record) {
    if (record.state().isTerminal()) {
      ended(record);
      return;
    }
    long targets = targets(record);
    if (!queue.schedule(record.transactionId(), dueAt(record), record.repairRounds(), targets)) {
      miss(targets);
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
    more = false;
    try {
      Instant now = clock.instant();
      releaseRecovered(now);
      for (int i : queue.parkedOn()) {
        if (i < slots.size() && takesRepairs(slots.get(i))) {
          if (slots.get(i).breakerHalfOpen()) {
            // One trial: the rest wait for its outcome, parked, without being read again.
            queue.releaseOne(i, now);
          } else {
            queue.release(i, now);
          }
        }
      }
      refill(now);
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
      } else if (passActive && queue.room() > reserve) {
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
    more = queue.hasDue(now) || (passActive && queue.room() > reserve);
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

  /** A transaction only the log holds now waits for these destinations ({@code 0}: for any). */
  private void miss(long targets) {
    long bits = targets == 0 ? -1L : targets;
    missed.getAndUpdate(m -> m | bits);
  }

  /**
   * Reads one page of the log's open transactions into the queue's room, keeping {@link #reserve}
   * free; starts a pass when transactions only the log holds wait for a destination that takes
   * writes now. A tick reads one page at most: its cost is bounded by {@link #PAGE}, not the log.
   */
  private void refill(Instant now) {
    if (!passActive) {
      long waiting = missed.get();
      if (waiting == 0 || (waiting & takingMask()) == 0) {
        return;
      }
      // Cleared before the pass reads anything: what is turned away from here on is read by the next pass.
      missed.set(0);
      passActive = true;
      passPosition = 0;
    }
    // Recovery's pass too: pushes start while it runs, and their failures must find room.
    int room = queue.room() - reserve;
    if (room < Math.max(1, Math.min(PAGE, reserve / 2))) {
      return;
    }
    OpenPage page = log.openPage(passPosition, Math.min(PAGE, room));
    int added = 0;
    for (TransactionRecord r : page.transactions()) {
      String id = r.transactionId();
      if (queue.contains(id) || inFlight.test(id) || repairing.contains(id)) {
        continue;
      }
      long targets = targets(r);
      if (targets != 0 && !anyTakesRepairs(targets)) {
        // It would only be parked: the pass that follows its destination's return reads it then.
        miss(targets);
        continue;
      }
      Instant due = recoveryPass || closedSince(targets, r.updatedAt()) ? now : dueAt(r);
      if (queue.schedule(id, due, r.repairRounds(), targets)) {
        added++;
      } else {
        miss(targets);
      }
    }
    passPosition = page.next();
    if (page.last()) {
      passActive = false;
      recoveryPass = false;
    }
    if (added > 0) {
      LOG.debug("Repair pass read {} open transaction(s) from the log{}", added, page.last() ? "; pass ended" : "");
    }
  }

  /**
   * The destinations that take repair writes now, a bit each, with every bit past the last
   * destination set (a transaction with no destination to wait for can always go).
   */
  private long takingMask() {
    long mask = slots.size() >= Long.SIZE ? 0 : -1L << slots.size();
    for (int i = 0; i < Math.min(slots.size(), Long.SIZE); i++) {
      if (takesRepairs(slots.get(i))) {
        mask |= bit(i);
      }
    }
    return mask;
  }

  private boolean anyTakesRepairs(long targets) {
    return (targets & takingMask()) != 0;
  }

  /** Whether a destination in {@code targets} saw its breaker close after {@code at}: the transaction need not wait. */
  private boolean closedSince(long targets, Instant at) {
    for (int i = 0; i < Math.min(slots.size(), Long.SIZE); i++) {
      if ((targets & bit(i)) != 0 && closedAt[i] != null && closedAt[i].isAfter(at)) {
        return true;
      }
    }
    return false;
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
    }
  }

  private void park(TransactionRecord r) {
    long targets = targets(r);
    boolean held = targets == 0
        ? queue.schedule(r.transactionId(), clock.instant().plus(options.initialDelay()), r.repairRounds(), targets)
        : queue.park(r.transactionId(), r.repairRounds(), targets);
    if (!held) {
      miss(targets);
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
        closedAt[i] = now;
        // Bounded by the queue's capacity; those only in the log are due when the pass reaches them.
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
    deadLetters.add(r.transactionId(), r.key());
    events.emit(DualPushEvent.Type.DEAD_LETTERED, r.transactionId(), r.key(), "", r.size(), Duration.ZERO, reason);
    LOG.error("Transaction {} of '{}' dead-lettered: {}", r.transactionId(), r.key(), reason);
    events.alert(Alert.Type.DEAD_LETTER, "Push of '" + r.key() + "' dead-lettered: " + reason, r.transactionId(), "");
  }
}
