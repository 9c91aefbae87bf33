package io.dualpush.internal;

import io.dualpush.PushCounts;
import io.dualpush.RecentActivity;
import java.util.Arrays;

/**
 * Counts of pushes by outcome over the last minute (60 one-second buckets) and the last hour (60 one-minute
 * buckets): fixed memory, one short lock per count. A bucket is reused when its time comes round again, so what
 * is older than its window is dropped without a sweep. Thread-safe.
 */
final class RecentCounters {
  static final int PUSHES = 0;
  static final int VERIFIED = 1;
  static final int PARTIAL = 2;
  static final int FAILED = 3;
  static final int DEAD_LETTERED = 4;
  private static final int KINDS = 5;
  private static final int BUCKETS = 60;

  private final Window seconds = new Window(1_000L);
  private final Window minutes = new Window(60_000L);

  /** Counts one {@code kind} at {@code epochMillis}. */
  synchronized void add(int kind, long epochMillis) {
    seconds.add(kind, epochMillis);
    minutes.add(kind, epochMillis);
  }

  /** The counts of the minute and the hour that end at {@code epochMillis}. */
  synchronized RecentActivity read(long epochMillis) {
    return new RecentActivity(seconds.sum(epochMillis), minutes.sum(epochMillis));
  }

  /** 60 buckets of {@code width} ms each, each stamped with the step it counts. Guarded by the outer lock. */
  private static final class Window {
    private final long width;
    private final long[] stamps = new long[BUCKETS];
    private final long[][] counts = new long[BUCKETS][KINDS];

    Window(long width) {
      this.width = width;
      Arrays.fill(stamps, Long.MIN_VALUE);
    }

    void add(int kind, long epochMillis) {
      long step = Math.floorDiv(epochMillis, width);
      int i = (int) Math.floorMod(step, (long) BUCKETS);
      if (stamps[i] < step) {
        stamps[i] = step;
        Arrays.fill(counts[i], 0);
      }
      // A step older than its bucket's (a clock set back) is counted with the newer one rather than lost.
      counts[i][kind]++;
    }

    PushCounts sum(long epochMillis) {
      long now = Math.floorDiv(epochMillis, width);
      long[] total = new long[KINDS];
      for (int i = 0; i < BUCKETS; i++) {
        if (stamps[i] != Long.MIN_VALUE && stamps[i] > now - BUCKETS) {
          for (int k = 0; k < KINDS; k++) {
            total[k] += counts[i][k];
          }
        }
      }
      return new PushCounts(total[PUSHES], total[VERIFIED], total[PARTIAL], total[FAILED], total[DEAD_LETTERED]);
    }
  }
}
