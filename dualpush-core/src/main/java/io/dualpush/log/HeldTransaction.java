package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import org.jspecify.annotations.Nullable;

/**
 * A transaction the {@link TransactionIndex} holds as an object rather than encoded in its
 * {@link OpenArena}: one of the latest starts ({@link RecentRing}), a terminal one within the
 * retention or a dead-lettered one ({@link FinishedTransactions}). A separate class so that those
 * parts and the index share one holder, and one object can sit in the ring and in a finished set at
 * once. Its fields other than the volatile ones are guarded by the index's lock.
 */
final class HeldTransaction {
  /** {@link #where}: open (and so in the ring: an open object is always in it). */
  static final byte OPEN = 0;
  /** {@link #where}: terminal, in the retention. */
  static final byte TERMINAL = 1;
  /** {@link #where}: dead-lettered. */
  static final byte DEAD = 2;

  /**
   * Its place in the ring's order; 0 for one that came back from the arena (it left the ring long
   * ago). Set under the index's lock before the ring publishes it, which makes it visible to
   * {@link RecentRing#recent}'s lock-free reads.
   */
  long arrival;
  volatile TransactionRecord record;
  /** Guarded by the index: {@link #OPEN}, {@link #TERMINAL} or {@link #DEAD}. */
  byte where;
  /** Guarded by the index: in the ring (and so in the index's map of held transactions). */
  boolean young;
  /** No longer held (retention evicted it, or it moved to the arena): {@link RecentRing#recent} skips it. */
  volatile boolean gone;
  /** Its {@link Tracking} triple, kept beside it for {@link SegmentCompaction}. */
  final long[] tracking;
  /**
   * Guarded by the index: its neighbours in the one {@link FinishedTransactions} list it is in
   * (terminal or dead-lettered, by {@link #where}), null at the ends and when in neither. Links on
   * the holder rather than a linked map of ids: joining and leaving a list then costs no hashing.
   */
  @Nullable HeldTransaction before;
  @Nullable HeldTransaction after;
  /** Guarded by the index: whether it is in a {@link FinishedTransactions} list now. */
  boolean listed;

  HeldTransaction(TransactionRecord record, long[] tracking) {
    this.record = record;
    this.tracking = tracking;
  }
}
