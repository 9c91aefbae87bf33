package io.dualpush.local;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The message ids a {@link FileDedupeStore} remembers as done, in a compact form: one {@code byte[]}
 * per id (its expiry, the id and the outcome, the same bytes the journal holds) in an open-addressing
 * table beside an {@code int[]} of the ids' hashes. About 131 bytes of heap per engine id (a
 * 20-character message id) against 258 for {@link InProcessDedupeStore}'s {@code HashMap} of strings
 * and records ({@code benchmarks}' {@code DedupeHeap}, 1,000,000 ids): a million ids within their TTL
 * take about 130 MiB. Expired entries are dropped when the table is rebuilt, never one at a time, so that linear
 * probing needs no tombstones. Not thread-safe: used under the store's lock.
 */
final class DoneIds {
  /** Offset of the id's length in an entry; the expiry (epoch millis) comes first. */
  private static final int ID_LENGTH_AT = 8;
  private static final int ID_AT = 12;

  private byte[] @Nullable [] entries = new byte[16][];
  private int[] hashes = new int[16];
  private int size;

  /** An entry's bytes: expiry, id length, id, outcome (all UTF-8). */
  static byte[] entry(String messageId, String outcome, long expiresAtMillis) {
    byte[] id = messageId.getBytes(StandardCharsets.UTF_8);
    byte[] out = outcome.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(ID_AT + id.length + out.length).putLong(expiresAtMillis).putInt(id.length).put(id)
        .put(out).array();
  }

  /** Whether {@code bytes} is shaped as an entry (lengths that fit); the checksum said the rest. */
  static boolean wellFormed(byte[] bytes) {
    if (bytes.length < ID_AT) {
      return false;
    }
    int idLength = ByteBuffer.wrap(bytes).getInt(ID_LENGTH_AT);
    return idLength > 0 && idLength <= bytes.length - ID_AT;
  }

  static long expiresAt(byte[] entry) {
    return ByteBuffer.wrap(entry).getLong(0);
  }

  static String id(byte[] entry) {
    return new String(entry, ID_AT, idLength(entry), StandardCharsets.UTF_8);
  }

  static String outcome(byte[] entry) {
    int from = ID_AT + idLength(entry);
    return new String(entry, from, entry.length - from, StandardCharsets.UTF_8);
  }

  private static int idLength(byte[] entry) {
    return ByteBuffer.wrap(entry).getInt(ID_LENGTH_AT);
  }

  /** The entry of {@code messageId} (expired or not), or null. */
  byte @Nullable [] get(String messageId) {
    byte[] id = messageId.getBytes(StandardCharsets.UTF_8);
    int h = hash(id, 0, id.length);
    int mask = entries.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      byte[] e = entries[i];
      if (e == null) {
        return null;
      }
      if (hashes[i] == h && sameId(e, id)) {
        return e;
      }
    }
  }

  /** Adds {@code entry}, replacing the entry of the same id. */
  void put(byte[] entry) {
    if ((size + 1) * 4L > entries.length * 3L) {
      rebuild(entries.length * 2, Long.MIN_VALUE);
    }
    insert(entry);
  }

  /**
   * Drops every entry that expired at or before {@code nowMillis}, shrinking the table when most of
   * it went.
   */
  void dropExpired(long nowMillis) {
    int live = 0;
    for (byte[] e : entries) {
      if (e != null && expiresAt(e) > nowMillis) {
        live++;
      }
    }
    int capacity = 16;
    while (capacity * 3L < live * 4L + 4) {
      capacity <<= 1;
    }
    rebuild(Math.max(capacity, Math.min(entries.length, capacity * 4)), nowMillis);
  }

  /** How many entries are held, expired ones not yet dropped included. */
  int size() {
    return size;
  }

  private void insert(byte[] entry) {
    int idLength = idLength(entry);
    int h = hash(entry, ID_AT, ID_AT + idLength);
    int mask = entries.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      byte[] e = entries[i];
      if (e == null) {
        entries[i] = entry;
        hashes[i] = h;
        size++;
        return;
      }
      if (hashes[i] == h && idLength(e) == idLength
          && Arrays.equals(e, ID_AT, ID_AT + idLength, entry, ID_AT, ID_AT + idLength)) {
        entries[i] = entry;
        return;
      }
    }
  }

  private void rebuild(int capacity, long dropAtOrBefore) {
    byte[][] old = entries;
    entries = new byte[capacity][];
    hashes = new int[capacity];
    size = 0;
    for (byte[] e : old) {
      if (e != null && expiresAt(e) > dropAtOrBefore) {
        insert(e);
      }
    }
  }

  private static boolean sameId(byte[] entry, byte[] id) {
    return idLength(entry) == id.length && Arrays.equals(entry, ID_AT, ID_AT + id.length, id, 0, id.length);
  }

  private static int hash(byte[] b, int from, int to) {
    int h = 1;
    for (int i = from; i < to; i++) {
      h = 31 * h + b[i];
    }
    // Spread the bits so that linear probing over a power-of-two table does not cluster.
    return h ^ (h >>> 16) ^ (h >>> 7);
  }
}
