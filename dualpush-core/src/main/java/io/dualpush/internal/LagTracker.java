package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.DestinationLag;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushEvent;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.TransactionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Each destination's backlog, followed from the engine's events rather than from the log, so that reading it is
 * cheap and never blocks: a copy joins a destination's backlog when its push starts (or when the log holds it open
 * at start), and leaves it when it is verified there ({@code COPY_VERIFIED}), when repair gives up on its
 * transaction ({@code DEAD_LETTERED}: counted as dead-lettered), or when a newer push of the same key supersedes
 * its transaction before it was verified there (counted as abandoned). Completion latency is the time from a push's
 * start to its copy being verified, over the last {@link #WINDOW} copies of each destination.
 *
 * <p>The recovery-point budget is checked by {@link #checkBudgets()} (the engine calls it on its timer): a
 * destination whose oldest pending copy is older than its budget is reported once to {@link BudgetAlerts#exceeded},
 * and once to {@link BudgetAlerts#cleared} when it no longer is.
 *
 * <p>Thread-safe: events arrive on any engine thread; readers never lock out writers.
 */
final class LagTracker {
  /** Completion latencies each destination keeps for its percentiles. */
  static final int WINDOW = 4096;

  /** Told when a destination's recovery point goes over its budget and back. */
  interface BudgetAlerts {
    void exceeded(String destinationId, Duration oldestPendingAge, Duration budget, long backlogCopies);

    void cleared(String destinationId, Duration oldestPendingAge, Duration budget);
  }

  /** The newest transaction of a key whose copy a destination still waits for; shared by the lanes. */
  private record Pending(String transactionId, Instant start, long bytes) {}

  /** One destination's figures. */
  private static final class Lane {
    final DestinationOptions options;
    /** By object key: a newer push of a key takes its earlier transaction's place (the log supersedes it). */
    final Map<String, Pending> pending = new ConcurrentHashMap<>();
    final LongAdder bytes = new LongAdder();
    final LongAdder verified = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    final LongAdder abandoned = new LongAdder();
    final long[] latencies = new long[WINDOW];
    final AtomicLong recorded = new AtomicLong();
    boolean overBudget;

    Lane(DestinationOptions options) {
      this.options = options;
    }

    /** Adds {@code p} for {@code key}; a pending copy of an earlier transaction of the key is abandoned. */
    void add(String key, Pending p) {
      Pending earlier = pending.put(key, p);
      bytes.add(p.bytes());
      if (earlier != null) {
        bytes.add(-earlier.bytes());
        if (!earlier.transactionId().equals(p.transactionId())) {
          abandoned.increment();
        }
      }
    }

    /** Removes the copy of {@code key} if it is {@code transactionId}'s; the entry removed, or null. */
    @Nullable Pending remove(String key, String transactionId) {
      Pending p = pending.get(key);
      if (p == null || !p.transactionId().equals(transactionId) || !pending.remove(key, p)) {
        return null;
      }
      bytes.add(-p.bytes());
      return p;
    }

    void recordLatency(Duration d) {
      long n = recorded.getAndIncrement();
      // A racing reader may see a slot mid-update: one stale latency in a window of thousands.
      latencies[(int) (n % WINDOW)] = Math.max(0, d.toNanos());
    }

    Duration[] percentiles() {
      long n = Math.min(recorded.get(), WINDOW);
      if (n == 0) {
        return new Duration[] {Duration.ZERO, Duration.ZERO};
      }
      long[] copy = Arrays.copyOf(latencies, (int) n);
      Arrays.sort(copy);
      return new Duration[] {Duration.ofNanos(copy[rank(0.50, copy.length)]),
          Duration.ofNanos(copy[rank(0.99, copy.length)])};
    }

    private static int rank(double q, int n) {
      // Nearest rank: the smallest value with at least q of the values at or below it.
      return Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1));
    }

    Duration oldest(Instant now) {
      Instant oldest = null;
      for (Pending p : pending.values()) {
        if (oldest == null || p.start().isBefore(oldest)) {
          oldest = p.start();
        }
      }
      if (oldest == null) {
        return Duration.ZERO;
      }
      Duration age = Duration.between(oldest, now);
      return age.isNegative() ? Duration.ZERO : age;
    }
  }

  private final Clock clock;
  private final Map<String, Lane> lanes = new LinkedHashMap<>();
  private final List<Lane> laneList;
  private final BudgetAlerts alerts;

  LagTracker(List<DestinationOptions> destinations, Clock clock, BudgetAlerts alerts) {
    this.clock = clock;
    this.alerts = alerts;
    for (DestinationOptions o : destinations) {
      lanes.put(o.id(), new Lane(o));
    }
    this.laneList = List.copyOf(lanes.values());
  }

  /** Takes one engine event; called on the thread that emits it. */
  void observe(DualPushEvent.Type type, String id, String key, String destination, long bytes) {
    switch (type) {
      case PUSH_STARTED -> started(id, key, clock.instant(), bytes, null);
      case COPY_VERIFIED -> verified(id, key, destination);
      case DEAD_LETTERED -> deadLettered(id, key);
      default -> {
        // Nothing else moves a backlog.
      }
    }
  }

  /**
   * An open transaction found in the log at start: its copies not verified join their destinations' backlogs,
   * aged from when it started.
   */
  void recovered(TransactionRecord r) {
    started(r.transactionId(), r.key(), r.createdAt(), r.size(), r);
  }

  /** A dead-lettered transaction the log held at start: its copies not verified count as dead-lettered. */
  void recoveredDeadLetter(TransactionRecord r) {
    for (Lane lane : laneList) {
      Optional<CopyRecord> copy = r.copy(lane.options.id());
      if (copy.isEmpty() || copy.get().status() != CopyStatus.VERIFIED) {
        lane.deadLettered.increment();
      }
    }
  }

  private void started(String id, String key, Instant start, long bytes, @Nullable TransactionRecord record) {
    Pending p = new Pending(id, start, bytes);
    for (Lane lane : laneList) {
      if (record != null) {
        Optional<CopyRecord> copy = record.copy(lane.options.id());
        if (copy.isPresent() && copy.get().status() == CopyStatus.VERIFIED) {
          continue;
        }
      }
      lane.add(key, p);
    }
  }

  private void verified(String id, String key, String destination) {
    Lane lane = lanes.get(destination);
    if (lane == null) {
      return;
    }
    lane.verified.increment();
    Pending p = lane.remove(key, id);
    if (p != null) {
      lane.recordLatency(Duration.between(p.start(), clock.instant()));
    }
  }

  private void deadLettered(String id, String key) {
    for (Lane lane : laneList) {
      if (lane.remove(key, id) != null) {
        lane.deadLettered.increment();
      }
    }
  }

  /** Each destination's lag now, in the order the destinations were added. */
  Map<String, DestinationLag> lag() {
    Instant now = clock.instant();
    Map<String, DestinationLag> out = new LinkedHashMap<>();
    for (Lane lane : laneList) {
      out.put(lane.options.id(), lag(lane, now));
    }
    return Collections.unmodifiableMap(out);
  }

  private static DestinationLag lag(Lane lane, Instant now) {
    Duration oldest = lane.oldest(now);
    Duration[] p = lane.percentiles();
    Optional<Duration> budget = lane.options.recoveryPointBudget();
    return new DestinationLag(lane.options.id(), lane.options.region(), lane.pending.size(),
        Math.max(0, lane.bytes.sum()), oldest, p[0], p[1], lane.verified.sum(), lane.deadLettered.sum(),
        lane.abandoned.sum(), budget, budget.isPresent() && oldest.compareTo(budget.get()) > 0);
  }

  /** A duration for people: "850 ms", "42 s", "7 min 5 s", "3 h 2 min". */
  static String describe(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    long s = d.toSeconds();
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return (s / 60) + " min " + (s % 60) + " s";
    }
    return (s / 3600) + " h " + ((s % 3600) / 60) + " min";
  }

  /** Raises or clears each destination's budget alert; called from one thread at a time (the engine's timer). */
  synchronized void checkBudgets() {
    Instant now = clock.instant();
    for (Lane lane : laneList) {
      Optional<Duration> budget = lane.options.recoveryPointBudget();
      if (budget.isEmpty()) {
        continue;
      }
      Duration oldest = lane.oldest(now);
      boolean over = oldest.compareTo(budget.get()) > 0;
      if (over && !lane.overBudget) {
        lane.overBudget = true;
        alerts.exceeded(lane.options.id(), oldest, budget.get(), lane.pending.size());
      } else if (!over && lane.overBudget) {
        lane.overBudget = false;
        alerts.cleared(lane.options.id(), oldest, budget.get());
      }
    }
  }
}
