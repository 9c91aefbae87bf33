package io.dualpush.log;

import java.util.Arrays;

/**
 * The two open-addressing {@code int} tables that find an {@link OpenArena} record by its id and by
 * its key: a slot holds the record's handle into {@link ArenaChunks}, and a probe compares against
 * the record's own bytes, so that finding a transaction costs no object per transaction (a
 * {@code HashMap} entry and its strings would cost more than the encoded record). Linear probing with
 * backward-shift deletion, grown at 70% full. Owns the tables and the count of records; the handles'
 * bytes are read through {@link ArenaRecordCodec}, which knows where in a record the id and the key
 * are. Not thread-safe.
 */
final class ArenaTables {
  /** An empty slot. */
  static final int EMPTY = -1;

  private final ArenaChunks chunks;
  private final ArenaRecordCodec codec;
  private final RecordIn in = new RecordIn();
  private int[] idTable = newTable(16);
  private int[] keyTable = newTable(16);
  private int count;

  ArenaTables(ArenaChunks chunks, ArenaRecordCodec codec) {
    this.chunks = chunks;
    this.codec = codec;
  }

  /** How many records the tables hold. */
  int count() {
    return count;
  }

  /** The id table's length: its slots, for walks over every record by {@link #handleAt}. */
  int capacity() {
    return idTable.length;
  }

  /** The handle in id-table slot {@code slot}, or {@link #EMPTY}. */
  int handleAt(int slot) {
    return idTable[slot];
  }

  /** The handle in key-table slot {@code slot}. */
  int keyHandleAt(int slot) {
    return keyTable[slot];
  }

  /** Adds the record at {@code handle}, whose id form is {@code id} and key {@code key}. */
  void add(byte[] id, byte[] key, int handle) {
    ensureCapacity();
    insert(idTable, hash(id, 0, id.length, 0), handle);
    insert(keyTable, hash(key, 0, key.length, 0), handle);
    count++;
  }

  /** Points id-table slot {@code idSlot}, and the key table's entry for {@code old}, at {@code moved}. */
  void replaceAt(int idSlot, int old, int moved) {
    int keySlot = findHandle(keyTable, keyHash(old), old);
    idTable[idSlot] = moved;
    keyTable[keySlot] = moved;
  }

  /** Points both tables' entries for {@code old} at {@code moved}, a record moved by reclamation. */
  void relocate(int old, int moved) {
    idTable[findHandle(idTable, idHash(old), old)] = moved;
    keyTable[findHandle(keyTable, keyHash(old), old)] = moved;
  }

  /** Removes the record at {@code handle}, held in id-table slot {@code idSlot}. */
  void removeAt(int idSlot, int handle) {
    int keySlot = findHandle(keyTable, keyHash(handle), handle);
    removeAt(idTable, idSlot, false);
    removeAt(keyTable, keySlot, true);
    count--;
  }

  /** Bytes of the tables. */
  long bytesHeld() {
    return 4L * (idTable.length + keyTable.length);
  }

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

  /** The id-table slot of the record whose id form is {@code id}; -1 when none is held. */
  int findId(byte[] id) {
    int mask = idTable.length - 1;
    int i = hash(id, 0, id.length, 0) & mask;
    while (true) {
      int h = idTable[i];
      if (h == EMPTY) {
        return -1;
      }
      byte[] chunk = chunks.chunkOf(h);
      int from = codec.skipToId(chunk, ArenaChunks.offsetOf(h));
      int to = codec.idEnd(chunk, from);
      if (to - from == id.length && Arrays.equals(chunk, from, to, id, 0, id.length)) {
        return i;
      }
      i = (i + 1) & mask;
    }
  }

  /** The key-table slot of the record whose key is {@code key} (UTF-8); -1 when none is held. */
  int findKey(byte[] key) {
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
    byte[] chunk = chunks.chunkOf(handle);
    int from = codec.skipToId(chunk, ArenaChunks.offsetOf(handle));
    return hash(chunk, from, codec.idEnd(chunk, from) - from, 0);
  }

  /** The hash of the record's key as the prefix's bytes and the rest's, as {@link #hash} of the whole key. */
  private int keyHash(int handle) {
    byte[] chunk = chunks.chunkOf(handle);
    in.at(chunk, codec.keyStart(chunk, ArenaChunks.offsetOf(handle)));
    int h = 0;
    int ref = in.varint();
    if (ref != 0) {
      if ((ref & 1) == 0) {
        byte[] prefix = codec.dictionary().bytes((ref >>> 1) - 1);
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
    byte[] chunk = chunks.chunkOf(handle);
    in.at(chunk, codec.keyStart(chunk, ArenaChunks.offsetOf(handle)));
    int ref = in.varint();
    int matched = 0;
    if (ref != 0) {
      byte[] src;
      int from;
      int len;
      if ((ref & 1) == 0) {
        src = codec.dictionary().bytes((ref >>> 1) - 1);
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
}
