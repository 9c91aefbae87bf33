package io.dualpush.benchmarks;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free latency histogram with log-linear buckets (32 sub-buckets per power of two, so any
 * reported percentile is within about 3% of the true value). Thread-safe: pushes complete on the
 * engine's threads and record here without a lock, which keeps the harness off the critical path.
 */
final class LatencyHistogram {
  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  private final AtomicLongArray counts = new AtomicLongArray(64 * SUB);

  void record(long nanos) {
    counts.incrementAndGet(index(Math.max(1, nanos)));
  }

  long count() {
    long n = 0;
    for (int i = 0; i < counts.length(); i++) {
      n += counts.get(i);
    }
    return n;
  }

  /** The value at {@code quantile} (0..1), in nanoseconds: the upper bound of its bucket. */
  long percentile(double quantile) {
    long total = count();
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= Math.max(1, rank)) {
        return upperBound(i);
      }
    }
    return upperBound(counts.length() - 1);
  }

  private static int index(long v) {
    int msb = 63 - Long.numberOfLeadingZeros(v);
    if (msb < SUB_BITS) {
      return (int) v;
    }
    int sub = (int) ((v >>> (msb - SUB_BITS)) & (SUB - 1));
    return (msb - SUB_BITS + 1) * SUB + sub;
  }

  private static long upperBound(int index) {
    if (index < SUB) {
      return index;
    }
    int msb = index / SUB + SUB_BITS - 1;
    long sub = index % SUB;
    long base = (1L << msb) | (sub << (msb - SUB_BITS));
    return base + (1L << (msb - SUB_BITS)) - 1;
  }
}
