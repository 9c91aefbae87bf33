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
  private final Map<String, Outcomes> destinations = new ConcurrentHashMap<>();
  private final RecentCounters recent = new RecentCounters();

  HealthTracker(Clock clock) {
    this.clock = clock;
  }

  /** A destination's last copy outcomes, read together. */
  record Outcomes(@Nullable Instant lastSuccess, @Nullable Instant lastFailure, String lastFailureCause,
      boolean lastFailed) {
    static final Outcomes NONE = new Outcomes(null, null, "", false);
  }

  /** One event of the engine, as {@link Events#emit} has it. */
  void observe(DualPushEvent.Type type, String destinationId, String detail) {
    switch (type) {
      case COPY_WRITTEN, COPY_UNCHANGED, COPY_VERIFIED -> {
        Instant now = clock.instant();
        destinations.merge(destinationId, new Outcomes(now, null, "", false),
            (old, x) -> new Outcomes(now, old.lastFailure(), old.lastFailureCause(), false));
      }
      case COPY_FAILED, COPY_INCONSISTENT -> {
        Instant now = clock.instant();
        String cause = detail;
        destinations.merge(destinationId, new Outcomes(null, now, cause, true),
            (old, x) -> new Outcomes(old.lastSuccess(), now, cause, true));
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

  /** A destination's last outcomes; {@link Outcomes#NONE} before its first copy. */
  Outcomes outcomes(String destinationId) {
    return destinations.getOrDefault(destinationId, Outcomes.NONE);
  }

  /** The counts of the last minute and hour, now. */
  RecentActivity recent() {
    return recent.read(clock.millis());
  }
}
