package io.dualpush.micrometer;

import io.dualpush.DestinationLag;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushStats;
import io.micrometer.core.instrument.Clock;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * What one registry's gauges read from the client: {@code stats()} and {@code lag()}, each read at most once per
 * snapshot interval on the registry's own clock, however many gauges ask. The client is held weakly, so that a
 * registry never keeps a closed, dropped client alive; a gauge reads NaN once it is gone, or while a read fails
 * (a client whose log is closed). Never throws. Thread-safe: two scrapes racing at the end of an interval may both
 * read the client, which is harmless.
 */
final class ClientReadings {
  private final WeakReference<DualPushAsyncClient> client;
  private final Clock clock;
  private final long intervalNanos;
  private volatile @Nullable Reading<DualPushStats> stats;
  private volatile @Nullable Reading<Map<String, DestinationLag>> lag;

  ClientReadings(DualPushAsyncClient client, Clock clock, long intervalNanos) {
    this.client = new WeakReference<>(client);
    this.clock = clock;
    this.intervalNanos = intervalNanos;
  }

  /** A figure from {@code stats()}, NaN when it cannot be read. */
  double stats(ToDoubleFunction<DualPushStats> figure) {
    long now = clock.monotonicTime();
    Reading<DualPushStats> r = stats;
    if (r == null || !r.fresh(now, intervalNanos)) {
      DualPushAsyncClient c = client.get();
      DualPushStats read = null;
      if (c != null) {
        try {
          read = c.stats();
        } catch (RuntimeException closedOrFailed) {
          // A closed client's log may refuse to be read: the gauge reads NaN, it must not throw into a scrape.
        }
      }
      r = new Reading<>(read, now);
      stats = r;
    }
    return r.value() == null ? Double.NaN : figure.applyAsDouble(r.value());
  }

  /** A figure from {@code lag()} for one destination, NaN when it cannot be read. */
  double lag(String destinationId, ToDoubleFunction<DestinationLag> figure) {
    long now = clock.monotonicTime();
    Reading<Map<String, DestinationLag>> r = lag;
    if (r == null || !r.fresh(now, intervalNanos)) {
      DualPushAsyncClient c = client.get();
      Map<String, DestinationLag> read = null;
      if (c != null) {
        try {
          read = c.lag();
        } catch (RuntimeException closedOrFailed) {
          // as for stats(): NaN, never an exception in a scrape
        }
      }
      r = new Reading<>(read, now);
      lag = r;
    }
    Map<String, DestinationLag> all = r.value();
    DestinationLag one = all == null ? null : all.get(destinationId);
    return one == null ? Double.NaN : figure.applyAsDouble(one);
  }

  /** One read and when it was made; a failed read is kept as null for the interval too, so it is not retried per gauge. */
  private record Reading<T>(@Nullable T value, long at) {
    boolean fresh(long now, long interval) {
      return now - at < interval;
    }
  }
}
