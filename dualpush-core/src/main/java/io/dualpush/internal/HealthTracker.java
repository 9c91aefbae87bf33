package io.dualpush.internal;

import io.dualpush.DualPushEvent;
import io.dualpush.RecentActivity;
import io.dualpush.TransactionState;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What health needs from the engine's events, kept as they happen: each destination's last successful and last
 * failed copy (with its cause), and the {@link RecentCounters} of pushes by outcome. Fed every event by
 * {@link Events}, before the listeners and without an event object; a map update or one short lock per event.
 * Thread-safe.
 */
final class HealthTracker {
  private final Clock clock;
  private final Map<String, Latest> destinations = new ConcurrentHashMap<>();
  private final RecentCounters recent = new RecentCounters();

  HealthTracker(Clock clock) {
    this.clock = clock;
  }

  /** A destination's last copy outcomes, read together. */
  record Outcomes(@Nullable Instant lastSuccess, @Nullable Instant lastFailure, String lastFailureCause,
      boolean lastFailed) {
    static final Outcomes NONE = new Outcomes(null, null, "", false);
  }

  /**
   * A destination's latest outcomes, written in place: a success is one volatile write, and none when the
   * millisecond and the state are unchanged, so that threads verifying copies at the same destination do not
   * contend for a map bin or allocate. A reader may see a success and a failure of the same moment in either
   * order, which the snapshot reports as they are.
   */
  private static final class Latest {
    volatile long lastSuccessMillis = Long.MIN_VALUE;
    volatile long lastFailureMillis = Long.MIN_VALUE;
    volatile String lastFailureCause = "";
    volatile boolean lastFailed;
  }

  /** One event of the engine, as {@link Events#emit} has it. */
  void observe(DualPushEvent.Type type, String destinationId, String detail) {
    switch (type) {
      // A copy written or found unchanged is then verified or found inconsistent: the verdict is the outcome.
      case COPY_VERIFIED -> {
        Latest l = latest(destinationId);
        long now = clock.millis();
        if (l.lastSuccessMillis != now) {
          l.lastSuccessMillis = now;
        }
        if (l.lastFailed) {
          l.lastFailed = false;
        }
      }
      case COPY_FAILED, COPY_INCONSISTENT -> {
        Latest l = latest(destinationId);
        l.lastFailureCause = detail;
        l.lastFailureMillis = clock.millis();
        l.lastFailed = true;
      }
      case PUSH_STARTED -> recent.add(RecentCounters.PUSHES, clock.millis());
      case PUSH_ACKNOWLEDGED -> recent.add(TransactionState.VERIFIED.name().equals(detail)
          ? RecentCounters.VERIFIED : RecentCounters.PARTIAL, clock.millis());
      case PUSH_NOT_ACKNOWLEDGED -> recent.add(RecentCounters.FAILED, clock.millis());
      case DEAD_LETTERED -> recent.add(RecentCounters.DEAD_LETTERED, clock.millis());
      default -> {
        // Other events say nothing health shows.
      }
    }
  }

  private Latest latest(String destinationId) {
    Latest l = destinations.get(destinationId);
    return l != null ? l : destinations.computeIfAbsent(destinationId, k -> new Latest());
  }

  /** A destination's last outcomes; {@link Outcomes#NONE} before its first copy. */
  Outcomes outcomes(String destinationId) {
    Latest l = destinations.get(destinationId);
    if (l == null) {
      return Outcomes.NONE;
    }
    long success = l.lastSuccessMillis;
    long failure = l.lastFailureMillis;
    return new Outcomes(success == Long.MIN_VALUE ? null : Instant.ofEpochMilli(success),
        failure == Long.MIN_VALUE ? null : Instant.ofEpochMilli(failure), l.lastFailureCause, l.lastFailed);
  }

  /** The counts of the last minute and hour, now. */
  RecentActivity recent() {
    return recent.read(clock.millis());
  }
}
