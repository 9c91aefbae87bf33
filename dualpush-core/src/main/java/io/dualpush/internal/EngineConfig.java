package io.dualpush.internal;

import io.dualpush.AckPolicy;
import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushListener;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.AlertSink;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Everything the builder validated, handed to the engine in one piece. */
public record EngineConfig(
    List<Target> destinations,
    TransactionLog log,
    boolean ownsLog,
    DedupeStore dedupe,
    Duration dedupeTtl,
    AlertSink alerts,
    List<DualPushListener> listeners,
    AckPolicy ackPolicy,
    RetryOptions retry,
    CircuitBreakerOptions circuitBreaker,
    RepairOptions repair,
    Clock clock,
    int ioThreads,
    int maxInFlight,
    long retainedPayloadBytes,
    Duration closeTimeout,
    @Nullable ActiveRegionCoordinator coordinator) {

  /** Everything but a coordinator: pushes are not fenced. */
  public EngineConfig(List<Target> destinations, TransactionLog log, boolean ownsLog, DedupeStore dedupe,
      Duration dedupeTtl, AlertSink alerts, List<DualPushListener> listeners, AckPolicy ackPolicy, RetryOptions retry,
      CircuitBreakerOptions circuitBreaker, RepairOptions repair, Clock clock, int ioThreads, int maxInFlight,
      long retainedPayloadBytes, Duration closeTimeout) {
    this(destinations, log, ownsLog, dedupe, dedupeTtl, alerts, listeners, ackPolicy, retry, circuitBreaker, repair,
        clock, ioThreads, maxInFlight, retainedPayloadBytes, closeTimeout, null);
  }

  /**
   * How many pushes (and hand-started repairs) may wait for a place in flight before more are
   * refused: enough that callers blocking on their own threads never meet it in practice, bounded
   * so that an async caller outrunning the destinations gets backpressure instead of a heap of
   * queued payloads.
   */
  public int maxQueued() {
    return Math.max(1024, 4 * maxInFlight);
  }

  /** A destination and how to treat it. */
  public record Target(DestinationOptions options, Destination destination) {}
}
