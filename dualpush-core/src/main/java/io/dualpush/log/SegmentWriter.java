package io.dualpush.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Frames to the end of the active segment, through one buffer that is handed to the store as one
 * conditional append, and the syncs that make them durable. Remembers whether bytes were written
 * that no sync covers yet, and since when, so that the writer syncs what buffered appends wrote
 * once {@link SegmentedTransactionLogBuilder#bufferedSyncInterval} has passed. Used holding
 * {@link LogCore#io}; the group-commit writer also reads the unsynced state without it, to time its
 * wait, hence volatile.
 */
final class SegmentWriter {
  private static final int MAX_BUFFER = 4 * 1024 * 1024;

  private final LogCore core;
  /** {@code OS_BUFFERED} syncs only at roll-overs, compactions and the close, and does not count them (as before). */
  private final boolean countSyncs;
  private final long intervalNanos;
  /** Frames written but not yet handed to the store. */
  private final ByteBuffer buffer;
  private volatile boolean unsynced;
  /** {@link System#nanoTime()} when the oldest unsynced bytes were written; meaningful while {@link #unsynced}. */
  private volatile long since;

  SegmentWriter(LogCore core) {
    this.core = core;
    this.countSyncs = core.options.durability != SegmentedTransactionLog.Durability.OS_BUFFERED;
    this.intervalNanos = core.options.bufferedSyncInterval.toNanos();
    this.buffer = ByteBuffer.allocate(Math.min(core.capabilities.maxAppendBytes(), MAX_BUFFER));
  }

  /** Writes one frame at the end of the active segment, through the buffer (not yet durable). */
  void write(byte[] frame) throws IOException {
    if (frame.length > buffer.remaining()) {
      flush();
    }
    LogSegment active = core.active;
    if (frame.length > buffer.capacity()) {
      core.store.append(active.current(), active.size, ByteBuffer.wrap(frame));
      active.size += frame.length;
      active.appends++;
    } else {
      buffer.put(frame);
    }
    active.records++;
    if (!unsynced) {
      since = System.nanoTime();
      unsynced = true;
    }
  }

  /** Hands the buffered frames to the store as one conditional append. */
  void flush() throws IOException {
    if (buffer.position() == 0) {
      return;
    }
    LogSegment active = core.active;
    buffer.flip();
    int length = buffer.remaining();
    core.store.append(active.current(), active.size, buffer);
    active.size += length;
    active.appends++;
    buffer.clear();
  }

  /** Hands what is buffered to the store and syncs the active segment, which then covers everything written. */
  void sync() throws IOException {
    flush();
    long start = System.nanoTime();
    core.store.sync(core.active.current());
    core.lastSyncNanos = System.nanoTime() - start;
    if (countSyncs) {
      core.syncs.incrementAndGet();
    }
    unsynced = false;
  }

  /** {@link #sync()} when anything written is unsynced: before a roll-over or a compaction plan. */
  void syncIfUnsynced() throws IOException {
    if (unsynced) {
      sync();
    }
  }

  /**
   * Forgets what is buffered, after a failure: nothing more is written or synced, so nothing waits
   * for a sync either (the writer would otherwise wake for it again and again).
   */
  void clear() {
    buffer.clear();
    unsynced = false;
  }

  /** Whether {@code length} more bytes must go to a new segment: by size, or by the store's appends per segment. */
  boolean mustRoll(long length, long segmentSize) {
    LogSegment active = core.active;
    long pending = active.size + buffer.position();
    if (pending > 0 && pending + length > segmentSize) {
      return true;
    }
    long appendsNeeded = 2 + (buffer.position() + length) / buffer.capacity();
    return pending > 0 && active.appends + appendsNeeded > core.capabilities.maxAppendsPerSegment();
  }

  boolean unsynced() {
    return unsynced;
  }

  /** Whether the oldest unsynced bytes have waited the whole interval (always, with an interval of zero). */
  boolean due() {
    return unsynced && System.nanoTime() - since >= intervalNanos;
  }

  /** How long until {@link #due()}: 0 when due now, {@link Long#MAX_VALUE} when nothing is unsynced. */
  long nanosUntilDue() {
    if (!unsynced) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, since + intervalNanos - System.nanoTime());
  }
}
