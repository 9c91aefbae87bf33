package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Open transactions in a compact encoded form, so that a long outage's backlog (a million open
 * transactions) costs about a hundred bytes each instead of a few kilobytes of objects. What makes it
 * small:
 * <ul>
 *   <li>records are bytes in large shared chunks (1 MiB each, {@link ArenaChunks}), found through two
 *       open-addressing {@code int} tables keyed by the hash of the id and of the key, which compare
 *       against the record's bytes ({@link ArenaTables}): no object per transaction;</li>
 *   <li>repeated strings (destination ids, errors, content types, dataset ids, metadata, the key's
 *       prefix up to its last {@code /}) are numbers into a bounded {@link StringDictionary};</li>
 *   <li>an MD5 is its 16 bytes, and a copy's MD5 is stored only when it differs from the source's;</li>
 *   <li>times are varints: the start against a base, the others as the distance from the start
 *       (the record's form is {@link ArenaRecordCodec}).</li>
 * </ul>
 * A record is decoded into a {@link TransactionRecord} only when asked for. A change re-encodes the
 * record at the end of the newest chunk and marks the old bytes dead; chunks left mostly dead have
 * their live records moved to the end and are freed, so garbage stays a small share of the arena and
 * every move is forward, which {@link #page} relies on. Each record also carries the transaction's
 * {@link Tracking} ({@link TrackingFields}). This class is the operations the {@link TransactionIndex}
 * uses, over those parts. Not thread-safe: the {@link TransactionIndex} calls it under its lock.
 */
final class OpenArena {
  private final ArenaRecordCodec codec = new ArenaRecordCodec();
  private final ArenaChunks chunks = new ArenaChunks(codec);
  private final ArenaTables tables = new ArenaTables(chunks, codec);
  /** Where reclamation reports a moved record: the tables follow it. */
  private final ArenaChunks.Relocation relocate = tables::relocate;
  private final RecordIn in = new RecordIn();

  // ---------------------------------------------------------------------------------------------
  // Queries

  int count() {
    return tables.count();
  }

  boolean contains(String id) {
    return tables.findId(codec.idForm(id, false)) >= 0;
  }

  @Nullable TransactionRecord get(String id) {
    int slot = tables.findId(codec.idForm(id, false));
    return slot < 0 ? null : decode(tables.handleAt(slot), null);
  }

  /** The record and, into {@code tracking}, its tracking; null when the arena does not hold {@code id}. */
  @Nullable TransactionRecord get(String id, long[] tracking) {
    int slot = tables.findId(codec.idForm(id, false));
    return slot < 0 ? null : decode(tables.handleAt(slot), tracking);
  }

  @Nullable TransactionRecord byKey(String key) {
    int slot = tables.findKey(ArenaRecordCodec.utf8(key));
    return slot < 0 ? null : decode(tables.keyHandleAt(slot), null);
  }

  /** The tracking of {@code id} into {@code tracking}; false when the arena does not hold it. */
  boolean tracking(String id, long[] tracking) {
    int slot = tables.findId(codec.idForm(id, false));
    if (slot < 0) {
      return false;
    }
    readTracking(tables.handleAt(slot), tracking);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  /** Adds {@code record} (its id must not be held) with {@code tracking}. */
  void put(TransactionRecord record, long[] tracking) {
    byte[] id = codec.idForm(record.transactionId(), true);
    byte[] key = ArenaRecordCodec.utf8(record.key());
    int handle = chunks.store(codec.out, codec.encode(record, tracking, id));
    tables.add(id, key, handle);
  }

  /** Replaces the record of {@code record}'s id, keeping its tracking; false when it is not held. */
  boolean replace(TransactionRecord record) {
    byte[] id = codec.idForm(record.transactionId(), false);
    int slot = tables.findId(id);
    if (slot < 0) {
      return false;
    }
    long[] tracking = Tracking.untracked();
    int old = tables.handleAt(slot);
    readTracking(old, tracking);
    int handle = chunks.store(codec.out, codec.encode(record, tracking, id));
    tables.replaceAt(slot, old, handle);
    chunks.kill(old);
    chunks.maybeReclaim(relocate);
    return true;
  }

  /** Sets the tracking of {@code id}; false when it is not held. */
  boolean setTracking(String id, long[] tracking) {
    int slot = tables.findId(codec.idForm(id, false));
    if (slot < 0) {
      return false;
    }
    rewriteTracking(tables.handleAt(slot), slot, tracking);
    return true;
  }

  /** Removes {@code id}: its record (and, into {@code tracking}, its tracking), or null when it is not held. */
  @Nullable TransactionRecord remove(String id, long @Nullable [] tracking) {
    int slot = tables.findId(codec.idForm(id, false));
    if (slot < 0) {
      return null;
    }
    int handle = tables.handleAt(slot);
    TransactionRecord r = decode(handle, tracking);
    tables.removeAt(slot, handle);
    chunks.kill(handle);
    chunks.maybeReclaim(relocate);
    return r;
  }

  /** Applies the deletion of the {@code gone} segments (sorted) to every record's tracking. */
  void forgetSegments(long[] gone) {
    long[] t = Tracking.untracked();
    for (int i = 0; i < tables.capacity(); i++) {
      int h = tables.handleAt(i);
      if (h != ArenaTables.EMPTY) {
        readTracking(h, t);
        if (Tracking.forget(t, gone)) {
          rewriteTracking(h, i, t);
        }
      }
    }
  }

  /** Rewrites the tracking of the record at {@code handle} (id table slot {@code idSlot}): in place when it fits. */
  private void rewriteTracking(int handle, int idSlot, long[] t) {
    byte[] chunk = chunks.chunkOf(handle);
    int off = ArenaChunks.offsetOf(handle);
    in.at(chunk, off);
    int header = in.varint();
    int bodyStart = in.p;
    int body = header >>> 1;
    TrackingFields.skip(in);
    int oldLength = in.p - bodyStart;
    RecordOut out = codec.out;
    out.reset();
    codec.tracking().write(out, t);
    int trackLength = out.n;
    if (trackLength == oldLength) {
      System.arraycopy(out.b, 0, chunk, bodyStart, trackLength);
      return;
    }
    int rest = body - oldLength;
    out.ensure(trackLength + rest);
    System.arraycopy(chunk, bodyStart + oldLength, out.b, trackLength, rest);
    out.createdSec = in.zzLong() + codec.baseSecond();
    out.createdNano = ArenaRecordCodec.nanoOf(in.varint());
    int moved = chunks.store(out, trackLength + rest);
    tables.replaceAt(idSlot, handle, moved);
    chunks.kill(handle);
    chunks.maybeReclaim(relocate);
  }

  // ---------------------------------------------------------------------------------------------
  // Walks

  /**
   * Up to {@code limit} records from {@code position} (0 for the start) in arena order, into
   * {@code into}. Records only ever move forward, so a walk to the end sees every record held
   * throughout it at least once.
   *
   * @return where to continue, or -1 when the walk reached the end
   */
  long page(long position, int limit, List<TransactionRecord> into) {
    long fromSeq = position >>> ArenaChunks.CHUNK_BITS;
    int fromOffset = (int) (position & ArenaChunks.OFFSET_MASK);
    int added = 0;
    for (int o = 0; o < chunks.chunkCount(); o++) {
      int slot = chunks.slotAt(o);
      long seq = chunks.seq(slot);
      if (seq < fromSeq) {
        continue;
      }
      int off = seq == fromSeq ? fromOffset : 0;
      byte[] chunk = chunks.chunk(slot);
      while (off < chunks.used(slot)) {
        if (added == limit) {
          return (seq << ArenaChunks.CHUNK_BITS) | off;
        }
        in.at(chunk, off);
        int header = in.varint();
        int end = in.p + (header >>> 1);
        if ((header & 1) != 0) {
          into.add(codec.decode(chunk, off, null));
          added++;
        }
        off = end;
      }
    }
    return -1;
  }

  /** The oldest segment any record's tracking names, {@link Long#MAX_VALUE} when none is tracked. */
  long oldestTracked() {
    long min = Long.MAX_VALUE;
    long[] t = Tracking.untracked();
    for (int i = 0; i < tables.capacity(); i++) {
      int h = tables.handleAt(i);
      if (h != ArenaTables.EMPTY) {
        readTracking(h, t);
        if (t[0] != Tracking.NONE) {
          min = Math.min(min, t[0]);
        }
      }
    }
    return min;
  }

  /**
   * Every record whose oldest tracked segment is at most {@code last}, in arena order, into
   * {@code into}; false, stopping, when {@code into} would grow past {@code limit}.
   */
  boolean trackedUpTo(long last, List<TransactionRecord> into, int limit) {
    long[] t = Tracking.untracked();
    for (int o = 0; o < chunks.chunkCount(); o++) {
      int slot = chunks.slotAt(o);
      byte[] chunk = chunks.chunk(slot);
      int off = 0;
      while (off < chunks.used(slot)) {
        in.at(chunk, off);
        int header = in.varint();
        int end = in.p + (header >>> 1);
        if ((header & 1) != 0) {
          codec.tracking().read(in, t);
          if (t[0] != Tracking.NONE && t[0] <= last) {
            if (into.size() == limit) {
              return false;
            }
            into.add(codec.decode(chunk, off, null));
          }
        }
        off = end;
      }
    }
    return true;
  }

  /** The ids of every record, into {@code into}. */
  void ids(List<String> into) {
    for (int i = 0; i < tables.capacity(); i++) {
      int h = tables.handleAt(i);
      if (h != ArenaTables.EMPTY) {
        into.add(codec.idAt(chunks.chunkOf(h), ArenaChunks.offsetOf(h)));
      }
    }
  }

  /** When the oldest record started; null when the arena is empty. Cheap: a minimum per chunk. */
  @Nullable Instant oldestStart() {
    return chunks.oldestStart();
  }

  /** Bytes of chunks and tables held, for tests and people. */
  long bytesHeld() {
    return chunks.bytesHeld() + tables.bytesHeld();
  }

  private TransactionRecord decode(int handle, long @Nullable [] tracking) {
    return codec.decode(chunks.chunkOf(handle), ArenaChunks.offsetOf(handle), tracking);
  }

  private void readTracking(int handle, long[] t) {
    codec.readTracking(chunks.chunkOf(handle), ArenaChunks.offsetOf(handle), t);
  }
}
