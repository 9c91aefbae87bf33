package io.dualpush.log;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Tracking} triple as an {@link OpenArena} record carries it, first in the record's body
 * so that it can be read, and rewritten in place when its length does not change, without decoding
 * the rest. Segment numbers are long and grow for the log's life, so they are written as small
 * "epoch" numbers into a table of the segments ever tracked, the oldest and the start as distances
 * below the newest: usually three bytes, one for an untracked record. Owns that table; entries are
 * never removed (one per segment the log ever wrote while records were tracked). Not thread-safe.
 */
final class TrackingFields {
  private final Map<Long, Integer> epochOf = new HashMap<>();
  private long[] epochSegment = new long[16];
  private int epochs;

  private int epoch(long segment) {
    Integer e = epochOf.get(segment);
    if (e != null) {
      return e;
    }
    if (epochs == epochSegment.length) {
      epochSegment = Arrays.copyOf(epochSegment, epochs * 2);
    }
    epochSegment[epochs] = segment;
    epochOf.put(segment, epochs);
    return epochs++;
  }

  /** Writes the triple {@code t} (null or untracked: a single 0) into {@code out}. */
  void write(RecordOut out, long @Nullable [] t) {
    if (t == null || t[1] == Tracking.NONE) {
      out.varint(0);
      return;
    }
    int max = epoch(t[1]);
    out.varint(max + 1);
    out.zz(max - epoch(t[0]));
    out.varint(t[2] == Tracking.NONE ? 0 : (int) RecordOut.zigzag(max - epoch(t[2])) + 1);
  }

  /** Reads the triple at {@code r}'s position into {@code t}, or past it when {@code t} is null. */
  void read(RecordIn r, long @Nullable [] t) {
    int v = r.varint();
    if (v == 0) {
      if (t != null) {
        t[0] = Tracking.NONE;
        t[1] = Tracking.NONE;
        t[2] = Tracking.NONE;
      }
      return;
    }
    int max = v - 1;
    int min = max - r.zz();
    int s = r.varint();
    if (t != null) {
      t[1] = epochSegment[max];
      t[0] = epochSegment[min];
      t[2] = s == 0 ? Tracking.NONE : epochSegment[max - (int) RecordOut.unzigzag(s - 1)];
    }
  }

  /** Moves {@code r} past the triple at its position. */
  static void skip(RecordIn r) {
    if (r.varint() != 0) {
      r.varint();
      r.varint();
    }
  }
}
