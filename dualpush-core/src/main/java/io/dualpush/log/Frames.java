package io.dualpush.log;

import io.dualpush.spi.LogEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The frame every segmented log writes around an encoded entry:
 * <pre>
 * [int32 length L][int32 CRC32C of the next L bytes][L bytes of LogEntryCodec.encode]
 * </pre>
 * big-endian. The codec's first two bytes (type and version) are inside the checksum. Pinned by
 * golden-bytes tests: changing it would make every existing log unreadable.
 *
 * <p>Entries that must replay together (a transaction's state) are written as a <em>unit</em>
 * ({@link #unit}): a frame holding a unit marker that counts them, then their frames, all in one
 * segment. A replay applies them only once the last is read, so a power cut that keeps part of
 * them leaves the state as it was before the unit ({@link SegmentScanner}).
 */
final class Frames {
  /** Bytes before the body: length and checksum. */
  static final int HEADER = 8;
  /** The shortest body the codec writes (type, version and more); shorter lengths are damage. */
  static final int MIN_BODY = 3;

  private Frames() {}

  /**
   * Frames an encoded entry.
   *
   * @param body the codec's bytes
   * @return a new array: header and body
   */
  static byte[] frame(byte[] body) {
    CRC32C crc = new CRC32C();
    crc.update(body, 0, body.length);
    byte[] frame = new byte[HEADER + body.length];
    ByteBuffer.wrap(frame).putInt(body.length).putInt((int) crc.getValue()).put(body);
    return frame;
  }

  /**
   * Encodes and frames one entry.
   *
   * @param entry the entry
   * @return its frame
   */
  static byte[] encode(LogEntry entry) {
    return frame(LogEntryCodec.encode(entry));
  }

  /**
   * The frames of a unit: a marker counting {@code entries}, then each entry's frame.
   *
   * @param entries one transaction's entries, oldest first, at least one
   * @return the frames, in the order to write them
   */
  static List<byte[]> unit(List<LogEntry> entries) {
    LogEntry last = entries.get(entries.size() - 1);
    List<byte[]> frames = new ArrayList<>(entries.size() + 1);
    frames.add(frame(LogEntryCodec.encodeUnit(last.transactionId(), last.at(), entries.size())));
    for (LogEntry e : entries) {
      frames.add(encode(e));
    }
    return frames;
  }

  /**
   * Whether a frame header's length can be a record at all, for a store whose largest append is
   * {@code maxAppendBytes}.
   */
  static boolean plausible(int length, int maxAppendBytes) {
    return length >= MIN_BODY && length <= maxAppendBytes - HEADER;
  }

  /** Whether {@code crc} of {@code length} bytes of {@code bytes} at {@code offset} is {@code expected}. */
  static boolean checksumMatches(CRC32C crc, byte[] bytes, int offset, int length, int expected) {
    crc.reset();
    crc.update(bytes, offset, length);
    return (int) crc.getValue() == expected;
  }
}
