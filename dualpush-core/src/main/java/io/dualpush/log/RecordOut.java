package io.dualpush.log;

import java.util.Arrays;

/**
 * The growable buffer an {@link OpenArena} record is encoded into before it is copied into a chunk,
 * with the varint and zigzag forms every part of the record uses. It also carries the record's start
 * time beside the bytes, so that {@link ArenaChunks} can keep each chunk's oldest start without
 * decoding what it stores. Not thread-safe: one per arena part, used under the index's lock.
 */
final class RecordOut {
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

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  static int putVarint(byte[] b, int p, int v) {
    while ((v & ~0x7F) != 0) {
      b[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    b[p++] = (byte) v;
    return p;
  }
}
