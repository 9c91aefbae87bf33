package io.dualpush.log;

import io.dualpush.CopyStatus;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Open transactions in a compact encoded form, so that a long outage's backlog (a million open
 * transactions) costs about a hundred bytes each instead of a few kilobytes of objects. What makes it
 * small:
 * <ul>
 *   <li>records are bytes in large shared chunks (1 MiB each), found through two open-addressing
 *       {@code int} tables keyed by the hash of the id and of the key, which compare against the
 *       record's bytes: no object per transaction;</li>
 *   <li>repeated strings (destination ids, errors, content types, dataset ids, metadata, the key's
 *       prefix up to its last {@code /}) are numbers into a bounded {@link StringDictionary};</li>
 *   <li>an MD5 is its 16 bytes, and a copy's MD5 is stored only when it differs from the source's;</li>
 *   <li>times are varints: the start against a base, the others as the distance from the start.</li>
 * </ul>
 * A record is decoded into a {@link TransactionRecord} only when asked for. A change re-encodes the
 * record at the end of the newest chunk and marks the old bytes dead; chunks left mostly dead have
 * their live records moved to the end and are freed, so garbage stays a small share of the arena and
 * every move is forward, which {@link #page} relies on. Each record also carries the transaction's
 * {@link Tracking}. Not thread-safe: the {@link TransactionIndex} calls it under its lock.
 */
final class OpenArena {
  private static final int CHUNK_BITS = 20;
  private static final int CHUNK = 1 << CHUNK_BITS;
  private static final int OFFSET_MASK = CHUNK - 1;
  /**
   * A chunk's length: a little under 1 MiB, so that with G1's 1 MiB regions (heaps up to 2 GiB or
   * so) a chunk with its array header fits one region; a whole 1 MiB array would take two regions
   * and waste the second. Measured: 1,000,000 open transactions replayed in -Xmx256m held 177 MiB
   * with 1 MiB chunks.
   */
  private static final int CHUNK_LENGTH = CHUNK - 64;
  private static final int MAX_SLOTS = 1 << (31 - CHUNK_BITS);
  private static final int EMPTY = -1;
  /** Garbage is reclaimed once it is more than this share (1/n) of the bytes in use... */
  private static final int GARBAGE_SHARE = 8;
  /** ...and more than this many bytes. */
  private static final long GARBAGE_MIN = 2L * CHUNK;

  private byte[][] chunks = new byte[8][];
  private long[] seq = new long[8];
  private int[] used = new int[8];
  private int[] live = new int[8];
  private long[] minSec = new long[8];
  private int[] minNano = new int[8];
  private boolean[] minDirty = new boolean[8];
  /** Slots in use, by their sequence number: the order {@link #page} walks. */
  private int[] order = new int[8];
  private int orderSize;
  private int tail = -1;
  private long nextSeq = 1;
  private long totalUsed;
  private long totalLive;
  private byte @Nullable [] spare;

  private int[] idTable = newTable(16);
  private int[] keyTable = newTable(16);
  private int count;

  private final StringDictionary dict = new StringDictionary();
  private final Map<Long, Integer> epochOf = new HashMap<>();
  private long[] epochSegment = new long[16];
  private int epochs;
  private long baseSecond = Long.MIN_VALUE;

  private final Out out = new Out();
  private final In in = new In();
  /** A second cursor, for {@link #idEnd} while {@link #in} is in use. */
  private final In scan = new In();

  // ---------------------------------------------------------------------------------------------
  // Queries

  int count() {
    return count;
  }

  boolean contains(String id) {
    return findId(idForm(id, false)) >= 0;
  }

  @Nullable TransactionRecord get(String id) {
    int slot = findId(idForm(id, false));
    return slot < 0 ? null : decode(idTable[slot], null);
  }

  /** The record and, into {@code tracking}, its tracking; null when the arena does not hold {@code id}. */
  @Nullable TransactionRecord get(String id, long[] tracking) {
    int slot = findId(idForm(id, false));
    return slot < 0 ? null : decode(idTable[slot], tracking);
  }

  @Nullable TransactionRecord byKey(String key) {
    int slot = findKey(utf8(key));
    return slot < 0 ? null : decode(keyTable[slot], null);
  }

  /** The tracking of {@code id} into {@code tracking}; false when the arena does not hold it. */
  boolean tracking(String id, long[] tracking) {
    int slot = findId(idForm(id, false));
    if (slot < 0) {
      return false;
    }
    readTracking(idTable[slot], tracking);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  /** Adds {@code record} (its id must not be held) with {@code tracking}. */
  void put(TransactionRecord record, long[] tracking) {
    byte[] id = idForm(record.transactionId(), true);
    byte[] key = utf8(record.key());
    int handle = store(encode(record, tracking, id));
    ensureCapacity();
    insert(idTable, hash(id, 0, id.length, 0), handle);
    insert(keyTable, hash(key, 0, key.length, 0), handle);
    count++;
  }

  /** Replaces the record of {@code record}'s id, keeping its tracking; false when it is not held. */
  boolean replace(TransactionRecord record) {
    byte[] id = idForm(record.transactionId(), false);
    int slot = findId(id);
    if (slot < 0) {
      return false;
    }
    long[] tracking = Tracking.untracked();
    int old = idTable[slot];
    readTracking(old, tracking);
    int handle = store(encode(record, tracking, id));
    idTable[slot] = handle;
    keyTable[findHandle(keyTable, keyHash(old), old)] = handle;
    kill(old);
    maybeReclaim();
    return true;
  }

  /** Sets the tracking of {@code id}; false when it is not held. */
  boolean setTracking(String id, long[] tracking) {
    int slot = findId(idForm(id, false));
    if (slot < 0) {
      return false;
    }
    int old = idTable[slot];
    rewriteTracking(old, slot, tracking);
    return true;
  }

  /** Removes {@code id}: its record (and, into {@code tracking}, its tracking), or null when it is not held. */
  @Nullable TransactionRecord remove(String id, long @Nullable [] tracking) {
    int slot = findId(idForm(id, false));
    if (slot < 0) {
      return null;
    }
    int handle = idTable[slot];
    TransactionRecord r = decode(handle, tracking);
    int keySlot = findHandle(keyTable, keyHash(handle), handle);
    removeAt(idTable, slot, false);
    removeAt(keyTable, keySlot, true);
    kill(handle);
    count--;
    maybeReclaim();
    return r;
  }

  /** Applies the deletion of the {@code gone} segments (sorted) to every record's tracking. */
  void forgetSegments(long[] gone) {
    long[] t = Tracking.untracked();
    for (int i = 0; i < idTable.length; i++) {
      int h = idTable[i];
      if (h != EMPTY) {
        readTracking(h, t);
        if (Tracking.forget(t, gone)) {
          rewriteTracking(h, i, t);
        }
      }
    }
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
    long fromSeq = position >>> CHUNK_BITS;
    int fromOffset = (int) (position & OFFSET_MASK);
    int added = 0;
    for (int o = 0; o < orderSize; o++) {
      int slot = order[o];
      if (seq[slot] < fromSeq) {
        continue;
      }
      int off = seq[slot] == fromSeq ? fromOffset : 0;
      byte[] chunk = chunks[slot];
      while (off < used[slot]) {
        if (added == limit) {
          return (seq[slot] << CHUNK_BITS) | off;
        }
        in.at(chunk, off);
        int header = in.varint();
        int end = in.p + (header >>> 1);
        if ((header & 1) != 0) {
          into.add(decode((slot << CHUNK_BITS) | off, null));
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
    for (int h : idTable) {
      if (h != EMPTY) {
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
    for (int o = 0; o < orderSize; o++) {
      int slot = order[o];
      byte[] chunk = chunks[slot];
      int off = 0;
      while (off < used[slot]) {
        in.at(chunk, off);
        int header = in.varint();
        int end = in.p + (header >>> 1);
        if ((header & 1) != 0) {
          readTracking(in, t);
          if (t[0] != Tracking.NONE && t[0] <= last) {
            if (into.size() == limit) {
              return false;
            }
            into.add(decode((slot << CHUNK_BITS) | off, null));
          }
        }
        off = end;
      }
    }
    return true;
  }

  /** The ids of every record, into {@code into}. */
  void ids(List<String> into) {
    for (int h : idTable) {
      if (h != EMPTY) {
        byte[] chunk = chunks[h >>> CHUNK_BITS];
        in.at(chunk, skipToId(chunk, h & OFFSET_MASK));
        into.add(readId(in));
      }
    }
  }

  /** When the oldest record started; null when the arena is empty. Cheap: a minimum per chunk. */
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

  /** Bytes of chunks held, for tests and people. */
  long bytesHeld() {
    long sum = 0;
    for (int o = 0; o < orderSize; o++) {
      sum += chunks[order[o]].length;
    }
    return sum + 4L * (idTable.length + keyTable.length);
  }

  // ---------------------------------------------------------------------------------------------
  // Chunks

  /** Copies the encoded body in {@link #out} into the arena behind its header; returns its handle. */
  private int store(int bodyLength) {
    int header = (bodyLength << 1) | 1;
    int total = varintSize(header) + bodyLength;
    int slot = tail;
    if (slot < 0 || used[slot] + total > chunks[slot].length || used[slot] > OFFSET_MASK) {
      slot = newChunk(total);
    }
    byte[] chunk = chunks[slot];
    int off = used[slot];
    int p = putVarint(chunk, off, header);
    System.arraycopy(out.b, 0, chunk, p, bodyLength);
    used[slot] = off + total;
    live[slot] += total;
    totalUsed += total;
    totalLive += total;
    noteStart(slot, out.createdSec, out.createdNano);
    return (slot << CHUNK_BITS) | off;
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
  private void kill(int handle) {
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
      skipTracking(in);
      long sec = in.zzLong() + baseSecond;
      int nano = nanoOf(in.varint());
      if (sec == minSec[slot] && nano == minNano[slot]) {
        minDirty[slot] = true;
      }
    }
    if (live[slot] == 0 && slot != tail) {
      freeChunk(slot);
    }
  }

  /** Moves the live records of the emptiest chunks to the end once garbage is a large share. */
  private void maybeReclaim() {
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
      evacuate(candidates[i]);
    }
  }

  private void evacuate(int slot) {
    byte[] chunk = chunks[slot];
    int off = 0;
    while (off < used[slot] && live[slot] > 0) {
      in.at(chunk, off);
      int header = in.varint();
      int bodyStart = in.p;
      int body = header >>> 1;
      if ((header & 1) != 0) {
        int old = (slot << CHUNK_BITS) | off;
        out.ensure(body);
        System.arraycopy(chunk, bodyStart, out.b, 0, body);
        In r = new In();
        r.at(chunk, bodyStart);
        skipTracking(r);
        out.createdSec = r.zzLong() + baseSecond;
        out.createdNano = nanoOf(r.varint());
        int moved = store(body);
        int idHash = idHash(old);
        idTable[findHandle(idTable, idHash, old)] = moved;
        keyTable[findHandle(keyTable, keyHash(old), old)] = moved;
        live[slot] -= bodyStart - off + body;
        totalLive -= bodyStart - off + body;
      }
      off = bodyStart + body;
    }
    freeChunk(slot);
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
        skipTracking(in);
        long sec = in.zzLong() + baseSecond;
        noteStart(slot, sec, nanoOf(in.varint()));
      }
      off = end;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Tables

  private static int[] newTable(int capacity) {
    int[] t = new int[capacity];
    Arrays.fill(t, EMPTY);
    return t;
  }

  private void ensureCapacity() {
    if ((count + 1) * 10L <= idTable.length * 7L) {
      return;
    }
    int capacity = idTable.length * 2;
    int[] ids = newTable(capacity);
    int[] keys = newTable(capacity);
    int[] oldIds = idTable;
    idTable = ids;
    keyTable = keys;
    for (int h : oldIds) {
      if (h != EMPTY) {
        insert(idTable, idHash(h), h);
        insert(keyTable, keyHash(h), h);
      }
    }
  }

  private static void insert(int[] table, int hash, int handle) {
    int mask = table.length - 1;
    int i = hash & mask;
    while (table[i] != EMPTY) {
      i = (i + 1) & mask;
    }
    table[i] = handle;
  }

  /** The slot of {@code table} holding {@code handle}, whose hash is {@code hash}. */
  private static int findHandle(int[] table, int hash, int handle) {
    int mask = table.length - 1;
    int i = hash & mask;
    while (table[i] != handle) {
      if (table[i] == EMPTY) {
        throw new IllegalStateException("arena tables out of step");
      }
      i = (i + 1) & mask;
    }
    return i;
  }

  private int findId(byte[] id) {
    int mask = idTable.length - 1;
    int i = hash(id, 0, id.length, 0) & mask;
    while (true) {
      int h = idTable[i];
      if (h == EMPTY) {
        return -1;
      }
      byte[] chunk = chunks[h >>> CHUNK_BITS];
      int from = skipToId(chunk, h & OFFSET_MASK);
      int to = idEnd(chunk, from);
      if (to - from == id.length && Arrays.equals(chunk, from, to, id, 0, id.length)) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  private int findKey(byte[] key) {
    int mask = keyTable.length - 1;
    int i = hash(key, 0, key.length, 0) & mask;
    while (true) {
      int h = keyTable[i];
      if (h == EMPTY) {
        return -1;
      }
      if (keyEquals(h, key)) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** Backward-shift deletion: no tombstones, so probes stay short however many removals. */
  private void removeAt(int[] table, int i, boolean keys) {
    int mask = table.length - 1;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      int h = table[j];
      if (h == EMPTY) {
        break;
      }
      int k = (keys ? keyHash(h) : idHash(h)) & mask;
      boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        table[i] = h;
        i = j;
      }
    }
    table[i] = EMPTY;
  }

  private int idHash(int handle) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    int from = skipToId(chunk, handle & OFFSET_MASK);
    return hash(chunk, from, idEnd(chunk, from) - from, 0);
  }

  private int keyHash(int handle) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    in.at(chunk, idEnd(chunk, skipToId(chunk, handle & OFFSET_MASK)));
    int h = 0;
    int ref = in.varint();
    if (ref != 0) {
      if ((ref & 1) == 0) {
        byte[] prefix = dict.bytes((ref >>> 1) - 1);
        h = hashRaw(prefix, 0, prefix.length, h);
      } else {
        int len = ref >>> 1;
        h = hashRaw(chunk, in.p, len, h);
        in.p += len;
      }
    }
    int len = in.varint();
    return mix(hashRaw(chunk, in.p, len, h));
  }

  private boolean keyEquals(int handle, byte[] key) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    in.at(chunk, idEnd(chunk, skipToId(chunk, handle & OFFSET_MASK)));
    int ref = in.varint();
    int matched = 0;
    if (ref != 0) {
      byte[] src;
      int from;
      int len;
      if ((ref & 1) == 0) {
        src = dict.bytes((ref >>> 1) - 1);
        from = 0;
        len = src.length;
      } else {
        src = chunk;
        from = in.p;
        len = ref >>> 1;
        in.p += len;
      }
      if (len > key.length || !Arrays.equals(src, from, from + len, key, 0, len)) {
        return false;
      }
      matched = len;
    }
    int len = in.varint();
    return matched + len == key.length && Arrays.equals(chunk, in.p, in.p + len, key, matched, key.length);
  }

  private static int hash(byte[] b, int from, int len, int seed) {
    return mix(hashRaw(b, from, len, seed));
  }

  private static int hashRaw(byte[] b, int from, int len, int seed) {
    int h = seed;
    for (int i = from; i < from + len; i++) {
      h = 31 * h + b[i];
    }
    return h;
  }

  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  // ---------------------------------------------------------------------------------------------
  // Tracking

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

  private void writeTracking(long[] t) {
    if (t == null || t[1] == Tracking.NONE) {
      out.varint(0);
      return;
    }
    int max = epoch(t[1]);
    out.varint(max + 1);
    out.zz(max - epoch(t[0]));
    out.varint(t[2] == Tracking.NONE ? 0 : (int) zigzag(max - epoch(t[2])) + 1);
  }

  private void readTracking(In r, long @Nullable [] t) {
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
      t[2] = s == 0 ? Tracking.NONE : epochSegment[max - (int) unzigzag(s - 1)];
    }
  }

  private void readTracking(int handle, long[] t) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    in.at(chunk, handle & OFFSET_MASK);
    in.varint();
    readTracking(in, t);
  }

  private static void skipTracking(In r) {
    if (r.varint() != 0) {
      r.varint();
      r.varint();
    }
  }

  /** Rewrites the tracking of the record at {@code handle} (id table slot {@code idSlot}): in place when it fits. */
  private void rewriteTracking(int handle, int idSlot, long[] t) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    int off = handle & OFFSET_MASK;
    in.at(chunk, off);
    int header = in.varint();
    int bodyStart = in.p;
    int body = header >>> 1;
    skipTracking(in);
    int oldLength = in.p - bodyStart;
    out.reset();
    writeTracking(t);
    int trackLength = out.n;
    if (trackLength == oldLength) {
      System.arraycopy(out.b, 0, chunk, bodyStart, trackLength);
      return;
    }
    int rest = body - oldLength;
    out.ensure(trackLength + rest);
    System.arraycopy(chunk, bodyStart + oldLength, out.b, trackLength, rest);
    In r = new In();
    r.at(chunk, bodyStart + oldLength);
    out.createdSec = r.zzLong() + baseSecond;
    out.createdNano = nanoOf(r.varint());
    int moved = store(trackLength + rest);
    int keySlot = findHandle(keyTable, keyHash(handle), handle);
    idTable[idSlot] = moved;
    keyTable[keySlot] = moved;
    kill(handle);
    maybeReclaim();
  }

  // ---------------------------------------------------------------------------------------------
  // The record's form

  private static final int SUPERSEDED = 1;
  private static final int DEAD_LETTER = 2;
  private static final int MD5_BINARY = 4;
  private static final int COPIES_MATCH_TARGETS = 8;

  private static final int MD5_EMPTY = 0;
  private static final int MD5_SAME = 1;
  private static final int MD5_BYTES = 2;
  private static final int MD5_TEXT = 3;

  /** Encodes {@code r} into {@link #out}; returns the body's length. */
  private int encode(TransactionRecord r, long[] tracking, byte[] id) {
    LogEntry.Started s = r.start();
    out.reset();
    writeTracking(tracking);
    Instant created = s.at();
    if (baseSecond == Long.MIN_VALUE) {
      baseSecond = created.getEpochSecond();
    }
    out.createdSec = created.getEpochSecond();
    out.createdNano = created.getNano();
    out.zzLong(created.getEpochSecond() - baseSecond);
    out.varint(nanoCode(created.getNano()));
    out.raw(id);
    String key = s.key();
    int slash = key.lastIndexOf('/');
    ref(slash < 0 ? "" : key.substring(0, slash + 1));
    out.bytes(utf8(slash < 0 ? key : key.substring(slash + 1)));
    byte[] md5 = binaryMd5(s.md5());
    List<LogEntry.Target> targets = s.targets();
    List<CopyRecord> copies = r.copies();
    boolean match = copiesMatch(targets, copies);
    int flags = (r.superseded() ? SUPERSEDED : 0) | (r.deadLetterReason().isPresent() ? DEAD_LETTER : 0)
        | (md5 != null ? MD5_BINARY : 0) | (match ? COPIES_MATCH_TARGETS : 0);
    out.varint(flags);
    out.varlong(s.size());
    if (md5 != null) {
      out.raw(md5);
    } else {
      out.bytes(utf8(s.md5()));
    }
    ref(s.datasetId());
    out.bytes(utf8(s.messageId()));
    ref(s.contentType());
    out.bytes(utf8(s.sourcePath()));
    out.varint(s.metadata().size());
    for (Map.Entry<String, String> e : s.metadata().entrySet()) {
      ref(e.getKey());
      ref(e.getValue());
    }
    out.zz(s.requiredCopies());
    if (!match) {
      out.varint(targets.size());
      for (LogEntry.Target t : targets) {
        ref(t.destinationId());
        out.varint(t.required() ? 1 : 0);
      }
    }
    out.varint(copies.size());
    for (CopyRecord c : copies) {
      int md5Mode;
      byte[] copyMd5 = null;
      if (c.md5().isEmpty()) {
        md5Mode = MD5_EMPTY;
      } else if (c.md5().equals(s.md5())) {
        md5Mode = MD5_SAME;
      } else {
        copyMd5 = binaryMd5(c.md5());
        md5Mode = copyMd5 != null ? MD5_BYTES : MD5_TEXT;
      }
      out.varint(statusCode(c.status()) | (c.required() ? 8 : 0) | (c.mismatch() ? 16 : 0) | (md5Mode << 5));
      ref(c.destinationId());
      if (md5Mode == MD5_BYTES) {
        out.raw(copyMd5);
      } else if (md5Mode == MD5_TEXT) {
        out.bytes(utf8(c.md5()));
      }
      ref(c.error());
      time(created, c.updatedAt());
    }
    out.zz(r.repairRounds());
    if (r.deadLetterReason().isPresent()) {
      ref(r.deadLetterReason().get());
    }
    time(created, r.updatedAt());
    return out.n;
  }

  private TransactionRecord decode(int handle, long @Nullable [] tracking) {
    byte[] chunk = chunks[handle >>> CHUNK_BITS];
    In r = in;
    r.at(chunk, handle & OFFSET_MASK);
    r.varint();
    readTracking(r, tracking);
    Instant created = Instant.ofEpochSecond(r.zzLong() + baseSecond, nanoOf(r.varint()));
    String id = readId(r);
    String key = deref(r) + r.string();
    int flags = r.varint();
    long size = r.varlong();
    String md5;
    if ((flags & MD5_BINARY) != 0) {
      md5 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(chunk, r.p, r.p + 16));
      r.p += 16;
    } else {
      md5 = r.string();
    }
    String dataset = deref(r);
    String messageId = r.string();
    String contentType = deref(r);
    String sourcePath = r.string();
    int metaSize = r.varint();
    Map<String, String> metadata = metaSize == 0 ? Map.of() : new LinkedHashMap<>();
    for (int i = 0; i < metaSize; i++) {
      String k = deref(r);
      metadata.put(k, deref(r));
    }
    int requiredCopies = r.zz();
    boolean match = (flags & COPIES_MATCH_TARGETS) != 0;
    List<LogEntry.Target> targets = null;
    if (!match) {
      int n = r.varint();
      targets = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String dest = deref(r);
        targets.add(new LogEntry.Target(dest, r.varint() != 0));
      }
    }
    int n = r.varint();
    List<CopyRecord> copies = new ArrayList<>(n);
    List<LogEntry.Target> implied = match ? new ArrayList<>(n) : null;
    for (int i = 0; i < n; i++) {
      int cf = r.varint();
      CopyStatus status = status(cf & 7);
      boolean required = (cf & 8) != 0;
      boolean mismatch = (cf & 16) != 0;
      int md5Mode = cf >>> 5;
      String dest = deref(r);
      String copyMd5;
      switch (md5Mode) {
        case MD5_EMPTY -> copyMd5 = "";
        case MD5_SAME -> copyMd5 = md5;
        case MD5_BYTES -> {
          copyMd5 = Base64.getEncoder().encodeToString(Arrays.copyOfRange(chunk, r.p, r.p + 16));
          r.p += 16;
        }
        default -> copyMd5 = r.string();
      }
      String error = deref(r);
      Instant at = time(r, created);
      copies.add(new CopyRecord(dest, required, status, copyMd5, error, mismatch, at));
      if (implied != null) {
        implied.add(new LogEntry.Target(dest, required));
      }
    }
    int rounds = r.zz();
    Optional<String> dead = (flags & DEAD_LETTER) != 0 ? Optional.of(deref(r)) : Optional.empty();
    Instant updated = time(r, created);
    LogEntry.Started start = new LogEntry.Started(id, created, key, size, md5, dataset, messageId, contentType,
        metadata, match ? implied : targets, requiredCopies, sourcePath);
    return new TransactionRecord(start, copies, rounds, dead, (flags & SUPERSEDED) != 0, updated);
  }

  private static boolean copiesMatch(List<LogEntry.Target> targets, List<CopyRecord> copies) {
    if (targets.size() != copies.size()) {
      return false;
    }
    for (int i = 0; i < targets.size(); i++) {
      LogEntry.Target t = targets.get(i);
      CopyRecord c = copies.get(i);
      if (t.required() != c.required() || !t.destinationId().equals(c.destinationId())) {
        return false;
      }
    }
    return true;
  }

  /** Explicit codes, never ordinals, so that reordering the enum changes nothing. */
  private static int statusCode(CopyStatus s) {
    return switch (s) {
      case PENDING -> 0;
      case IN_PROGRESS -> 1;
      case COMPLETED -> 2;
      case VERIFIED -> 3;
      case FAILED -> 4;
    };
  }

  private static CopyStatus status(int code) {
    return switch (code) {
      case 0 -> CopyStatus.PENDING;
      case 1 -> CopyStatus.IN_PROGRESS;
      case 2 -> CopyStatus.COMPLETED;
      case 3 -> CopyStatus.VERIFIED;
      case 4 -> CopyStatus.FAILED;
      default -> throw new IllegalStateException("unknown copy status code " + code);
    };
  }

  /** The 16 bytes of a base64 MD5 that they re-encode to exactly; null for anything else. */
  private static byte @Nullable [] binaryMd5(String base64) {
    if (base64.length() != 24) {
      return null;
    }
    try {
      byte[] b = Base64.getDecoder().decode(base64);
      return b.length == 16 && Base64.getEncoder().encodeToString(b).equals(base64) ? b : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A string by dictionary number when it can be, else inline: 0 empty, (n+1)*2 dictionary, len*2+1 inline. */
  private void ref(String s) {
    if (s.isEmpty()) {
      out.varint(0);
      return;
    }
    int n = dict.numberOf(s);
    if (n >= 0) {
      out.varint((n + 1) << 1);
    } else {
      byte[] b = utf8(s);
      out.varint((b.length << 1) | 1);
      out.raw(b);
    }
  }

  private String deref(In r) {
    int v = r.varint();
    if (v == 0) {
      return "";
    }
    if ((v & 1) == 0) {
      return dict.string((v >>> 1) - 1);
    }
    int len = v >>> 1;
    String s = new String(r.b, r.p, len, StandardCharsets.UTF_8);
    r.p += len;
    return s;
  }

  /** A time as its distance from the start: micros when whole (tag 0), nanos (1), or absolute (2). */
  private void time(Instant created, Instant t) {
    long seconds = t.getEpochSecond() - created.getEpochSecond();
    if (Math.abs(seconds) < (1L << 30)) {
      long nanos = seconds * 1_000_000_000L + (t.getNano() - created.getNano());
      if (nanos % 1000 == 0) {
        out.varlong(zigzag(nanos / 1000) << 2);
      } else {
        out.varlong((zigzag(nanos) << 2) | 1);
      }
    } else {
      out.varlong(2);
      out.zzLong(t.getEpochSecond());
      out.varint(t.getNano());
    }
  }

  private static Instant time(In r, Instant created) {
    long v = r.varlong();
    int tag = (int) (v & 3);
    if (tag == 2) {
      long sec = r.zzLong();
      return Instant.ofEpochSecond(sec, r.varint());
    }
    long d = unzigzag(v >>> 2);
    return tag == 0 ? created.plusNanos(d * 1000) : created.plusNanos(d);
  }

  private static int nanoCode(int nano) {
    return nano % 1000 == 0 ? (nano / 1000) << 1 : (nano << 1) | 1;
  }

  private static int nanoOf(int code) {
    return (code & 1) == 0 ? (code >>> 1) * 1000 : code >>> 1;
  }

  /**
   * The id as a record holds it, also what the id table hashes and compares: the engine's ids
   * ({@code txn-<millis base 36>-<process tag>-<sequence base 36>}) packed as two varints and the tag
   * by dictionary number (odd header), about 11 bytes instead of 23; anything else as its UTF-8 bytes
   * (even header). The form of an id never changes once a record holds it: a dictionary number, once
   * given, stays, and a tag the dictionary did not take then it never takes, so a lookup
   * ({@code add} false) finds the same form.
   */
  private byte[] idForm(String id, boolean add) {
    int tagStart = id.startsWith("txn-") ? id.indexOf('-', 4) + 1 : 0;
    int seqStart = id.lastIndexOf('-') + 1;
    if (tagStart > 5 && seqStart > tagStart + 1 && seqStart < id.length()) {
      long millis = base36(id, 4, tagStart - 1);
      long sequence = base36(id, seqStart, id.length());
      if (millis >= 0 && sequence >= 0) {
        String tag = id.substring(tagStart, seqStart - 1);
        int n = add ? dict.numberOf(tag) : dict.find(tag);
        Out f = new Out();
        f.varint(1);
        f.varlong(millis);
        if (n >= 0) {
          f.varint((n + 1) << 1);
        } else {
          byte[] b = utf8(tag);
          f.varint((b.length << 1) | 1);
          f.raw(b);
        }
        f.varlong(sequence);
        return Arrays.copyOf(f.b, f.n);
      }
    }
    byte[] b = utf8(id);
    Out f = new Out();
    f.varint(b.length << 1);
    f.raw(b);
    return Arrays.copyOf(f.b, f.n);
  }

  /** A canonical base-36 number (lower case, no sign, no leading zero) in {@code s[from, to)}; -1 otherwise. */
  private static long base36(String s, int from, int to) {
    if (to - from < 1 || to - from > 12 || (s.charAt(from) == '0' && to - from > 1)) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
      if (d < 0) {
        return -1;
      }
      v = v * 36 + d;
    }
    return v;
  }

  /** Where the id that starts at {@code from} ends. */
  private int idEnd(byte[] chunk, int from) {
    In r = scan;
    r.at(chunk, from);
    int v = r.varint();
    if ((v & 1) == 0) {
      return r.p + (v >>> 1);
    }
    r.varlong();
    int tag = r.varint();
    if ((tag & 1) != 0) {
      r.p += tag >>> 1;
    }
    r.varlong();
    return r.p;
  }

  private String readId(In r) {
    int v = r.varint();
    if ((v & 1) == 0) {
      int len = v >>> 1;
      String s = new String(r.b, r.p, len, StandardCharsets.UTF_8);
      r.p += len;
      return s;
    }
    long millis = r.varlong();
    String tag = deref(r);
    long sequence = r.varlong();
    return "txn-" + Long.toString(millis, 36) + "-" + tag + "-" + Long.toString(sequence, 36);
  }

  /** From a record's start to its id: past the header, the tracking and the start time. */
  private int skipToId(byte[] chunk, int off) {
    in.at(chunk, off);
    in.varint();
    skipTracking(in);
    in.varlong();
    in.varint();
    return in.p;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  private static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  private static int putVarint(byte[] b, int p, int v) {
    while ((v & ~0x7F) != 0) {
      b[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[p++] = (byte) v;
    return p;
  }

  /** The encoder's growable buffer. */
  private static final class Out {
    byte[] b = new byte[256];
    int n;
    long createdSec;
    int createdNano;

    void reset() {
      n = 0;
    }

    void ensure(int more) {
      if (n + more > b.length) {
        b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
      }
    }

    void varint(int v) {
      ensure(5);
      n = putVarint(b, n, v);
    }

    void varlong(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        b[n++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      b[n++] = (byte) v;
    }

    void zz(int v) {
      varint((v << 1) ^ (v >> 31));
    }

    void zzLong(long v) {
      varlong(zigzag(v));
    }

    void raw(byte[] bytes) {
      ensure(bytes.length);
      System.arraycopy(bytes, 0, b, n, bytes.length);
      n += bytes.length;
    }

    void bytes(byte[] bytes) {
      varint(bytes.length);
      raw(bytes);
    }
  }

  /** A cursor over a chunk. */
  private static final class In {
    byte[] b;
    int p;

    void at(byte[] bytes, int position) {
      b = bytes;
      p = position;
    }

    int varint() {
      int v = 0;
      int shift = 0;
      while (true) {
        byte x = b[p++];
        v |= (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
        shift += 7;
      }
    }

    long varlong() {
      long v = 0;
      int shift = 0;
      while (true) {
        byte x = b[p++];
        v |= (long) (x & 0x7F) << shift;
        if (x >= 0) {
          return v;
        }
        shift += 7;
      }
    }

    int zz() {
      int v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    long zzLong() {
      return unzigzag(varlong());
    }

    String string() {
      int len = varint();
      String s = new String(b, p, len, StandardCharsets.UTF_8);
      p += len;
      return s;
    }
  }
}
