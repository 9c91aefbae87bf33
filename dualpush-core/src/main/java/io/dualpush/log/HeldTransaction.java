package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

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

  /** 0 for one that came back from the arena (it left the ring long ago). */
  final long arrival;
  volatile TransactionRecord record;
  /** Guarded by the index: {@link #OPEN}, {@link #TERMINAL} or {@link #DEAD}. */
  byte where;
  /** Guarded by the index: in the ring and in the index's map of young transactions. */
  boolean young;
  /** No longer held (retention evicted it, or it moved to the arena): {@link RecentRing#recent} skips it. */
  volatile boolean gone;
  /** Its {@link Tracking} triple, kept beside it for {@link SegmentCompaction}. */
  final long[] tracking;

  HeldTransaction(TransactionRecord record, long arrival, long[] tracking) {
    this.record = record;
    this.arrival = arrival;
    this.tracking = tracking;
  }

  /** Every holder in {@code parts} once (one can be both young and finished), by identity. */
  @SafeVarargs
  static Set<HeldTransaction> distinct(Collection<HeldTransaction>... parts) {
    Set<HeldTransaction> all = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Collection<HeldTransaction> part : parts) {
      all.addAll(part);
    }
    return all;
  }
}
