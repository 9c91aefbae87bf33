package io.dualpush.log;

/**
 * What the log knows about one segment of its store: the store's descriptor and what replay and
 * appends counted. Guarded by the log's I/O lock, except while an open replays it.
 */
final class LogSegment {
  final SegmentInfo info;
  /** Bytes of whole records: where the next append goes. Volatile for {@code segments()} snapshots. */
  volatile long size;
  /** Frames in the segment: every record counts one, for record-sequence numbering. */
  long records;
  /** Appends made to it by this writer, against the store's per-segment limit. */
  long appends;
  /** The store's size when the segment was last scanned; beyond {@link #size} when it ends torn. */
  long seen;
  /** A torn tail was only marked, not cut off: nothing more may be appended here. */
  boolean sealed;
  /** Compaction planned to delete it; no longer a candidate, no longer pins anything. */
  boolean doomed;

  LogSegment(SegmentInfo info) {
    this.info = info;
  }

  long number() {
    return info.number();
  }

  String name() {
    return info.name();
  }

  /** The descriptor with the length as this log knows it. */
  SegmentInfo current() {
    return info.withLength(size);
  }

  @Override
  public String toString() {
    return info.name() + "{" + size + " bytes, " + records + " records}";
  }
}
