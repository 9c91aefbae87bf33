package io.dualpush.client;

import java.util.Arrays;

/** Recent latencies of one endpoint: a moving average and percentiles over the last reads. Thread-safe. */
final class LatencyWindow {
  private static final int SIZE = 256;
  private static final double ALPHA = 0.2;

  private final long[] ring = new long[SIZE];
  private int count;
  private int pos;
  private double ewma;
  private long[] sorted = new long[0];
  private int sinceSort;

  synchronized void record(long nanos) {
    ring[pos] = nanos;
    pos = (pos + 1) % SIZE;
    if (count < SIZE) {
      count++;
    }
    ewma = count == 1 ? nanos : ALPHA * nanos + (1 - ALPHA) * ewma;
    sinceSort++;
  }

  synchronized long ewmaNanos() {
    return Math.round(ewma);
  }

  synchronized int count() {
    return count;
  }

  /** The latency below which {@code p} of recent reads finished, or 0 before the first. */
  synchronized long percentileNanos(double p) {
    if (count == 0) {
      return 0;
    }
    // Sorting 256 numbers on every read would cost more than the rest of the bookkeeping: refresh every 16 reads.
    if (sorted.length != count || sinceSort >= 16) {
      sorted = Arrays.copyOf(ring, count);
      Arrays.sort(sorted);
      sinceSort = 0;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
