package io.dualpush.log;

import java.time.Instant;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of an {@link OpenArena}: records laid end to end in large shared chunks, each behind a
 * varint header (body length, and a low bit that is 1 while the record is live), found by a handle
 * ({@code chunk slot << CHUNK_BITS | offset}). Owns the chunks and their reclamation: a change writes
 * the record anew at the end of the newest chunk and marks the old bytes dead; a chunk left all dead
 * is freed, and once garbage is a large share the live records of the emptiest chunks are moved to
 * the end and those chunks freed. Every move is forward (to a chunk with a higher sequence number),
 * which lets {@link OpenArena#page} walk while records change. Also keeps each chunk's oldest start,
 * so that the oldest open transaction is found without decoding every record. Not thread-safe.
 */
final class ArenaChunks {
  static final int CHUNK_BITS = 20;
  private static final int CHUNK = 1 << CHUNK_BITS;
  static final int OFFSET_MASK = CHUNK - 1;
  /**
   * A chunk's length: a little under 1 MiB, so that with G1's 1 MiB regions (heaps up to 2 GiB or
   * so) a chunk with its array header fits one region; a whole 1 MiB array would take two regions
   * and waste the second. Measured: 1,000,000 open transactions replayed in -Xmx256m held 177 MiB
   * with 1 MiB chunks.
   */
  private static final int CHUNK_LENGTH = CHUNK - 64;
  private static final int MAX_SLOTS = 1 << (31 - CHUNK_BITS);
  /** Garbage is reclaimed once it is more than this share (1/n) of the bytes in use... */
  private static final int GARBAGE_SHARE = 8;
  /** ...and more than this many bytes. */
  private static final long GARBAGE_MIN = 2L * CHUNK;

  /** Told where a live record moved when its chunk is reclaimed, so that the tables can follow it. */
  interface Relocation {
    void moved(int from, int to);
  }

  private final ArenaRecordCodec codec;
  private byte[][] chunks = new byte[8][];
  private long[] seq = new long[8];
  private int[] used = new int[8];
  private int[] live = new int[8];
  private long[] minSec = new long[8];
  private int[] minNano = new int[8];
  private boolean[] minDirty = new boolean[8];
  /** Slots in use, by their sequence number: the order {@link OpenArena#page} walks. */
  private int[] order = new int[8];
  private int orderSize;
  private int tail = -1;
  private long nextSeq = 1;
  private long totalUsed;
  private long totalLive;
  private byte @Nullable [] spare;
  private final RecordIn in = new RecordIn();
  /** The buffer a reclaimed record is copied through. */
  private final RecordOut move = new RecordOut();
  /** The start {@link #readStart} read. */
  private long startSec;
  private int startNano;

  ArenaChunks(ArenaRecordCodec codec) {
    this.codec = codec;
  }

  static int handle(int slot, int offset) {
    return (slot << CHUNK_BITS) | offset;
  }

  static int offsetOf(int handle) {
    return handle & OFFSET_MASK;
  }

  /** The chunk that holds the record at {@code handle}. */
  byte[] chunkOf(int handle) {
    return chunks[handle >>> CHUNK_BITS];
  }

  /** How many chunks are held; {@link #slotAt} of 0 to this, by sequence number. */
  int chunkCount() {
    return orderSize;
  }

  int slotAt(int o) {
    return order[o];
  }

  byte[] chunk(int slot) {
    return chunks[slot];
  }

  long seq(int slot) {
    return seq[slot];
  }

  /** Where the bytes written into {@code slot} end. */
  int used(int slot) {
    return used[slot];
  }

  /** Copies the encoded body in {@code out} into the arena behind its header; returns its handle. */
  int store(RecordOut out, int bodyLength) {
    int header = (bodyLength << 1) | 1;
    int total = RecordOut.varintSize(header) + bodyLength;
    int slot = tail;
    if (slot < 0 || used[slot] + total > chunks[slot].length || used[slot] > OFFSET_MASK) {
      slot = newChunk(total);
    }
    byte[] chunk = chunks[slot];
    int off = used[slot];
    int p = RecordOut.putVarint(chunk, off, header);
    System.arraycopy(out.b, 0, chunk, p, bodyLength);
    used[slot] = off + total;
    live[slot] += total;
    totalUsed += total;
    totalLive += total;
    noteStart(slot, out.createdSec, out.createdNano);
    return handle(slot, off);
  }

  private int newChunk(int atLeast) {
    int slot = -1;
    for (int i = 0; i < chunks.length; i++) {
      if (chunks[i] == null) {
        slot = i;
        break;
      }
    }
    if (slot < 0) {
      slot = chunks.length;
      if (slot >= MAX_SLOTS) {
        throw new IllegalStateException("the open-transaction arena is full (" + MAX_SLOTS + " chunks)");
      }
      int n = Math.min(MAX_SLOTS, slot * 2);
      chunks = Arrays.copyOf(chunks, n);
      seq = Arrays.copyOf(seq, n);
      used = Arrays.copyOf(used, n);
      live = Arrays.copyOf(live, n);
      minSec = Arrays.copyOf(minSec, n);
      minNano = Arrays.copyOf(minNano, n);
      minDirty = Arrays.copyOf(minDirty, n);
      order = Arrays.copyOf(order, n);
    }
    byte[] chunk;
    if (atLeast > CHUNK_LENGTH) {
      chunk = new byte[atLeast]; // a record larger than a chunk has a chunk of its own
    } else if (spare != null) {
      chunk = spare;
      spare = null;
    } else {
      chunk = new byte[CHUNK_LENGTH];
    }
    chunks[slot] = chunk;
    seq[slot] = nextSeq++;
    used[slot] = 0;
    live[slot] = 0;
    minSec[slot] = Long.MAX_VALUE;
    minNano[slot] = 0;
    minDirty[slot] = false;
    order[orderSize++] = slot;
    tail = slot;
    return slot;
  }

  private void freeChunk(int slot) {
    byte[] chunk = chunks[slot];
    if (chunk.length == CHUNK_LENGTH && spare == null) {
      spare = chunk;
    }
    chunks[slot] = null;
    totalUsed -= used[slot];
    totalLive -= live[slot];
    used[slot] = 0;
    live[slot] = 0;
    for (int o = 0; o < orderSize; o++) {
      if (order[o] == slot) {
        System.arraycopy(order, o + 1, order, o, orderSize - o - 1);
        orderSize--;
        break;
      }
    }
    if (tail == slot) {
      tail = -1;
    }
  }

  /** Marks the record at {@code handle} dead (the low bit of its header) and frees its chunk once all dead. */
  void kill(int handle) {
    int slot = handle >>> CHUNK_BITS;
    int off = handle & OFFSET_MASK;
    byte[] chunk = chunks[slot];
    in.at(chunk, off);
    int header = in.varint();
    int total = in.p - off + (header >>> 1);
    chunk[off] &= (byte) ~1;
    live[slot] -= total;
    totalLive -= total;
    if (!minDirty[slot]) {
      readStart(in);
      if (startSec == minSec[slot] && startNano == minNano[slot]) {
        minDirty[slot] = true;
      }
    }
    if (live[slot] == 0 && slot != tail) {
      freeChunk(slot);
    }
  }

  /** Moves the live records of the emptiest chunks to the end once garbage is a large share. */
  void maybeReclaim(Relocation relocation) {
    long garbage = totalUsed - totalLive;
    if (garbage < GARBAGE_MIN || garbage * GARBAGE_SHARE < totalUsed) {
      return;
    }
    Integer[] candidates = new Integer[orderSize];
    int n = 0;
    for (int o = 0; o < orderSize; o++) {
      if (order[o] != tail) {
        candidates[n++] = order[o];
      }
    }
    Arrays.sort(candidates, 0, n, (a, b) -> Double.compare(live[a] / (double) used[a], live[b] / (double) used[b]));
    for (int i = 0; i < n && (totalUsed - totalLive) * GARBAGE_SHARE * 2 >= totalUsed; i++) {
      evacuate(candidates[i], relocation);
    }
  }

  private void evacuate(int slot, Relocation relocation) {
    byte[] chunk = chunks[slot];
    int off = 0;
    while (off < used[slot] && live[slot] > 0) {
      in.at(chunk, off);
      int header = in.varint();
      int bodyStart = in.p;
      int body = header >>> 1;
      if ((header & 1) != 0) {
        int old = handle(slot, off);
        move.ensure(body);
        System.arraycopy(chunk, bodyStart, move.b, 0, body);
        readStart(in);
        move.createdSec = startSec;
        move.createdNano = startNano;
        int moved = store(move, body);
        relocation.moved(old, moved);
        live[slot] -= bodyStart - off + body;
        totalLive -= bodyStart - off + body;
      }
      off = bodyStart + body;
    }
    freeChunk(slot);
  }

  /** Reads, from the start of a record's body at {@code r}, past its tracking to its start time. */
  private void readStart(RecordIn r) {
    TrackingFields.skip(r);
    startSec = r.zzLong() + codec.baseSecond();
    startNano = ArenaRecordCodec.nanoOf(r.varint());
  }

  private void noteStart(int slot, long sec, int nano) {
    if (!minDirty[slot] && (sec < minSec[slot] || (sec == minSec[slot] && nano < minNano[slot]))) {
      minSec[slot] = sec;
      minNano[slot] = nano;
    }
  }

  private void rescanMin(int slot) {
    minSec[slot] = Long.MAX_VALUE;
    minNano[slot] = 0;
    minDirty[slot] = false;
    byte[] chunk = chunks[slot];
    int off = 0;
    while (off < used[slot]) {
      in.at(chunk, off);
      int header = in.varint();
      int end = in.p + (header >>> 1);
      if ((header & 1) != 0) {
        readStart(in);
        noteStart(slot, startSec, startNano);
      }
      off = end;
    }
  }

  /** When the oldest record started; null when no chunk holds a live one. Cheap: a minimum per chunk. */
  @Nullable Instant oldestStart() {
    long bestSec = Long.MAX_VALUE;
    int bestNano = 0;
    boolean any = false;
    for (int o = 0; o < orderSize; o++) {
      int slot = order[o];
      if (live[slot] == 0) {
        continue;
      }
      if (minDirty[slot]) {
        rescanMin(slot);
      }
      if (!any || minSec[slot] < bestSec || (minSec[slot] == bestSec && minNano[slot] < bestNano)) {
        bestSec = minSec[slot];
        bestNano = minNano[slot];
        any = true;
      }
    }
    return any ? Instant.ofEpochSecond(bestSec, bestNano) : null;
  }

  /** Bytes of chunks held. */
  long bytesHeld() {
    long sum = 0;
    for (int o = 0; o < orderSize; o++) {
      sum += chunks[order[o]].length;
    }
    return sum;
  }
}
