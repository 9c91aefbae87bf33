package io.dualpush.log;

import java.util.Arrays;
import java.util.Collection;

/**
 * Which log segments hold records of one transaction, as {@link SegmentCompaction} needs it, in three
 * numbers: the oldest segment with a record of it ({@code min}), the newest ({@code max}) and the
 * newest with a start of it, its own or a copy ({@code start}, {@link #NONE} when none does). Kept by
 * the {@link TransactionIndex} beside each transaction it holds (in a record's encoded form for the
 * open ones), so that tracking costs no object per transaction. The rules are static so that both
 * forms share them.
 */
final class Tracking {
  /** No segment: an untracked transaction's {@code min}/{@code max}, or no start. */
  static final long NONE = Long.MIN_VALUE;

  private Tracking() {}

  /** A fresh, untracked triple {min, max, start}. */
  static long[] untracked() {
    return new long[] {NONE, NONE, NONE};
  }

  /** Notes a durable record in {@code segment} (a start when {@code start}); true when the triple changed. */
  static boolean recorded(long[] t, long segment, boolean start) {
    long min = t[0];
    long max = t[1];
    long s = t[2];
    if (min == NONE) {
      t[0] = segment;
      t[1] = segment;
    } else {
      t[0] = Math.min(min, segment);
      t[1] = Math.max(max, segment);
    }
    if (start) {
      t[2] = s == NONE ? segment : Math.max(s, segment);
    }
    return t[0] != min || t[1] != max || t[2] != s;
  }

  /**
   * Applies the deletion of {@code gone} (sorted ascending) to the triple; true when it changed.
   * Deletion is oldest first, so once the newest segment with a record is gone every one is, and the
   * transaction is no longer tracked. When only the oldest went, the next oldest is not known: the
   * number after the newest deleted one below {@code max} stands for it, which is at most the true one,
   * so a plan may keep a segment longer but never deletes one a transaction needs.
   */
  static boolean forget(long[] t, long[] gone) {
    if (t[0] == NONE) {
      return false;
    }
    boolean changed = false;
    if (contains(gone, t[1])) {
      t[0] = NONE;
      t[1] = NONE;
      t[2] = NONE;
      return true;
    }
    if (t[2] != NONE && contains(gone, t[2])) {
      t[2] = NONE;
      changed = true;
    }
    if (contains(gone, t[0])) {
      int i = Arrays.binarySearch(gone, t[1]);
      int below = (i >= 0 ? i : -i - 1) - 1; // the largest deleted number below max
      t[0] = Math.min(gone[below] + 1, t[1]);
      changed = true;
    }
    return changed;
  }

  static long[] sorted(Collection<Long> segments) {
    long[] out = new long[segments.size()];
    int i = 0;
    for (long s : segments) {
      out[i++] = s;
    }
    Arrays.sort(out);
    return out;
  }

  private static boolean contains(long[] sorted, long v) {
    return Arrays.binarySearch(sorted, v) >= 0;
  }
}
