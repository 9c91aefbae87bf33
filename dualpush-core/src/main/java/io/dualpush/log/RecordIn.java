package io.dualpush.log;

import java.nio.charset.StandardCharsets;

/**
 * A cursor over an {@link OpenArena} chunk, reading the forms {@link RecordOut} writes. Each arena
 * part keeps its own cursors, so that one part reading a record (a table hashing a key, say) never
 * moves the position another part is walking with. Not thread-safe.
 */
final class RecordIn {
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
    return RecordOut.unzigzag(varlong());
  }

  String string() {
    int len = varint();
    String s = new String(b, p, len, StandardCharsets.UTF_8);
    p += len;
    return s;
  }
}
