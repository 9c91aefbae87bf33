package io.dualpush.log;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compact binary form of {@link LogEntry}, for logs that store bytes. The first byte is the entry
 * type, the second the format version; readers refuse versions they do not know rather than guess.
 * Framing and checksums are the log's business. For store adapters and in-memory logs; not API.
 *
 * <h2>A pinned format</h2>
 * Every type and enum in a record is written as an explicit code chosen here, never as an
 * {@code ordinal()}: reordering or adding a constant of a public enum must not change what bytes
 * mean in logs already written. The codes of version 1 are today's: entry types 1..5 (see
 * {@link #typeCode}), copy statuses 0..4 in the order {@code PENDING, IN_PROGRESS, COMPLETED,
 * VERIFIED, FAILED} (see {@link #copyStatusCode}), which were the ordinals when the format was
 * first written, so logs of every earlier release read unchanged. An unknown code is corruption,
 * reported with the code and the field. Golden-bytes tests pin the encoding of every record type;
 * changing it means a new {@link #VERSION}, with the old one still read.
 *
 * <h2>Units</h2>
 * Type code 6 is not an entry but a <em>unit marker</em> ({@link #encodeUnit}): the next
 * {@code count} records, all of the marker's transaction, are one unit, replayed whole or not at
 * all. The log writes a transaction's state (a copy-forward, a restate) as a unit, so that a power
 * cut that keeps only part of it cannot fold an older state over a newer one, or bring back a
 * finished transaction in a state it had left. Adding a code leaves every record of version 1 as
 * it was, so logs written before it read unchanged; a build that predates it refuses a log holding
 * one as written by a newer release.
 */
public final class LogEntryCodec {
  /** The format version this codec writes. */
  public static final int VERSION = 1;

  private static final int STARTED = 1;
  private static final int COPY_UPDATED = 2;
  private static final int REPAIR_ATTEMPTED = 3;
  private static final int DEAD_LETTERED = 4;
  private static final int RETRIED = 5;
  /** Not an entry: the marker of a unit of the next records ({@link #encodeUnit}). */
  static final int UNIT = 6;

  /**
   * A decoded unit marker: the next {@code count} records, all of {@code transactionId}, are one
   * unit.
   *
   * @param transactionId the transaction every record of the unit belongs to
   * @param at the time of the state the unit holds (its last record's), for diagnosis
   * @param count how many records follow in the unit
   */
  record Unit(String transactionId, Instant at, int count) {}

  private LogEntryCodec() {}

  /**
   * Encodes one entry: type byte, {@link #VERSION} byte, then the entry's fields.
   *
   * @param entry the entry
   * @return a new array holding the encoded entry
   */
  public static byte[] encode(LogEntry entry) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (entry instanceof LogEntry.Started s) {
        header(out, STARTED, s);
        str(out, s.key());
        out.writeLong(s.size());
        str(out, s.md5());
        str(out, s.datasetId());
        str(out, s.messageId());
        str(out, s.contentType());
        out.writeInt(s.metadata().size());
        for (Map.Entry<String, String> e : s.metadata().entrySet()) {
          str(out, e.getKey());
          str(out, e.getValue());
        }
        out.writeInt(s.targets().size());
        for (LogEntry.Target t : s.targets()) {
          str(out, t.destinationId());
          out.writeBoolean(t.required());
        }
        out.writeInt(s.requiredCopies());
        str(out, s.sourcePath());
      } else if (entry instanceof LogEntry.CopyUpdated u) {
        header(out, COPY_UPDATED, u);
        str(out, u.destinationId());
        out.writeByte(copyStatusCode(u.status()));
        str(out, u.md5());
        str(out, u.error());
        out.writeBoolean(u.mismatch());
      } else if (entry instanceof LogEntry.RepairAttempted r) {
        header(out, REPAIR_ATTEMPTED, r);
        out.writeInt(r.round());
      } else if (entry instanceof LogEntry.DeadLettered d) {
        header(out, DEAD_LETTERED, d);
        str(out, d.reason());
      } else if (entry instanceof LogEntry.Retried r) {
        header(out, RETRIED, r);
      } else {
        throw new IllegalArgumentException("unknown entry type " + entry.getClass());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes one entry.
   *
   * @param bytes exactly one encoded entry
   * @return the entry
   * @throws IllegalArgumentException when the bytes are not an entry this codec can read
   */
  public static LogEntry decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Decodes one entry from {@code length} bytes of {@code bytes} at {@code offset}, without copying
   * them (a log replaying millions of entries reads them straight out of its read buffer).
   *
   * @param bytes a buffer holding an encoded entry
   * @param offset where the entry starts in {@code bytes}
   * @param length the entry's length in bytes
   * @return the entry
   * @throws IllegalArgumentException when the bytes are not an entry this codec can read
   */
  public static LogEntry decode(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + bytes.length + " bytes");
    }
    Reader in = new Reader(bytes, offset, offset + length);
    int type = in.u8();
    int version = in.u8();
    if (version != VERSION) {
      throw new IllegalArgumentException("log entry format version " + version + " is not supported (this build reads " + VERSION + ")");
    }
    String txn = in.str();
    Instant at = Instant.ofEpochSecond(in.i64(), in.i32());
    LogEntry entry;
    switch (type) {
      case UNIT -> throw new IllegalArgumentException("a unit marker (type code " + UNIT + ") of transaction " + txn
          + " is not an entry; read it with decodeUnit");
      case STARTED -> {
        String key = in.str();
        long size = in.i64();
        String md5 = in.str();
        String dataset = in.str();
        String message = in.str();
        String contentType = in.str();
        int n = in.count();
        Map<String, String> metadata = n == 0 ? Map.of() : new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
          metadata.put(in.str(), in.str());
        }
        int t = in.count();
        List<LogEntry.Target> targets = new ArrayList<>(t);
        for (int i = 0; i < t; i++) {
          targets.add(new LogEntry.Target(in.str(), in.bool()));
        }
        int required = in.i32();
        String source = in.str();
        entry = new LogEntry.Started(txn, at, key, size, md5, dataset, message, contentType, metadata, targets, required, source);
      }
      case COPY_UPDATED -> {
        String dest = in.str();
        CopyStatus status = copyStatus(in.u8(), txn);
        entry = new LogEntry.CopyUpdated(txn, at, dest, status, in.str(), in.str(), in.bool());
      }
      case REPAIR_ATTEMPTED -> entry = new LogEntry.RepairAttempted(txn, at, in.i32());
      case DEAD_LETTERED -> entry = new LogEntry.DeadLettered(txn, at, in.str());
      case RETRIED -> entry = new LogEntry.Retried(txn, at);
      default -> throw new IllegalArgumentException("unknown log entry type code " + type + " (damaged, or written by a "
          + "newer release)");
    }
    if (in.pos != in.end) {
      throw new IllegalArgumentException("log entry has " + (in.end - in.pos) + " trailing bytes");
    }
    return entry;
  }

  /**
   * Whether the record of {@code length} bytes at {@code offset} is a unit marker rather than an
   * entry: its type code, the first byte, is {@link #UNIT}.
   *
   * @param bytes a buffer holding an encoded record
   * @param offset where the record starts
   * @param length the record's length, 1 or more
   * @return true for a unit marker
   */
  static boolean isUnit(byte[] bytes, int offset, int length) {
    return length > 0 && (bytes[offset] & 0xFF) == UNIT;
  }

  /**
   * Encodes a unit marker: type {@link #UNIT}, {@link #VERSION}, the transaction and time as every
   * record has them, then {@code int32 count}.
   *
   * @param transactionId the transaction every record of the unit belongs to
   * @param at the time of the state the unit holds
   * @param count how many records follow in the unit, 1 or more
   * @return a new array holding the marker
   */
  static byte[] encodeUnit(String transactionId, Instant at, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("a unit holds at least one record, not " + count);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(48);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(UNIT);
      out.writeByte(VERSION);
      str(out, transactionId);
      out.writeLong(at.getEpochSecond());
      out.writeInt(at.getNano());
      out.writeInt(count);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a unit marker.
   *
   * @param bytes a buffer holding an encoded unit marker
   * @param offset where it starts
   * @param length its length
   * @return the marker
   * @throws IllegalArgumentException when the bytes are not a unit marker this codec can read
   */
  static Unit decodeUnit(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + bytes.length + " bytes");
    }
    Reader in = new Reader(bytes, offset, offset + length);
    int type = in.u8();
    if (type != UNIT) {
      throw new IllegalArgumentException("type code " + type + " is not a unit marker");
    }
    int version = in.u8();
    if (version != VERSION) {
      throw new IllegalArgumentException("log entry format version " + version + " is not supported (this build reads " + VERSION + ")");
    }
    String txn = in.str();
    Instant at = Instant.ofEpochSecond(in.i64(), in.i32());
    int count = in.count();
    if (count < 1) {
      throw new IllegalArgumentException("a unit marker of transaction " + txn + " counts " + count + " records");
    }
    if (in.pos != in.end) {
      throw new IllegalArgumentException("unit marker has " + (in.end - in.pos) + " trailing bytes");
    }
    return new Unit(txn, at, count);
  }

  /**
   * The pinned code of an entry's type, its first byte.
   *
   * @param entry an entry
   * @return its type code, 1 to 5
   */
  public static int typeCode(LogEntry entry) {
    // A switch over the sealed type would be nicer; Java 17 has no pattern switch without preview.
    if (entry instanceof LogEntry.Started) {
      return STARTED;
    } else if (entry instanceof LogEntry.CopyUpdated) {
      return COPY_UPDATED;
    } else if (entry instanceof LogEntry.RepairAttempted) {
      return REPAIR_ATTEMPTED;
    } else if (entry instanceof LogEntry.DeadLettered) {
      return DEAD_LETTERED;
    } else if (entry instanceof LogEntry.Retried) {
      return RETRIED;
    }
    throw new IllegalArgumentException("unknown entry type " + entry.getClass());
  }

  /**
   * The pinned code of a copy status in a record. A switch without a default, so adding a constant
   * to {@link CopyStatus} fails the build here until it is given a new code.
   *
   * @param status a copy status
   * @return its code, 0 to 4
   */
  public static int copyStatusCode(CopyStatus status) {
    return switch (status) {
      case PENDING -> 0;
      case IN_PROGRESS -> 1;
      case COMPLETED -> 2;
      case VERIFIED -> 3;
      case FAILED -> 4;
    };
  }

  /**
   * The copy status a code stands for.
   *
   * @param code a code from a record
   * @param transactionId the record's transaction, for the message
   * @return the status
   * @throws IllegalArgumentException when the code is unknown (damage, or a record written by a newer release)
   */
  static CopyStatus copyStatus(int code, String transactionId) {
    return switch (code) {
      case 0 -> CopyStatus.PENDING;
      case 1 -> CopyStatus.IN_PROGRESS;
      case 2 -> CopyStatus.COMPLETED;
      case 3 -> CopyStatus.VERIFIED;
      case 4 -> CopyStatus.FAILED;
      default -> throw new IllegalArgumentException("unknown copy status code " + code + " in a CopyUpdated record of "
          + "transaction " + transactionId + " (damaged, or written by a newer release)");
    };
  }

  /**
   * The copy status a code stands for.
   *
   * @param code a code from a record
   * @return the status
   * @throws IllegalArgumentException when the code is unknown
   */
  public static CopyStatus copyStatus(int code) {
    return copyStatus(code, "?");
  }

  /** A big-endian cursor over part of a byte array, as {@link DataOutputStream} wrote it. */
  private static final class Reader {
    private final byte[] b;
    private final int end;
    private int pos;

    Reader(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    private int need(int n) {
      if (end - pos < n) {
        throw new IllegalArgumentException("log entry is truncated");
      }
      int at = pos;
      pos += n;
      return at;
    }

    int u8() {
      return b[need(1)] & 0xFF;
    }

    boolean bool() {
      return b[need(1)] != 0;
    }

    int i32() {
      int at = need(4);
      return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    long i64() {
      return ((long) i32() << 32) | (i32() & 0xFFFFFFFFL);
    }

    int count() {
      int n = i32();
      if (n < 0 || n > (1 << 24)) {
        throw new IllegalArgumentException("log entry is truncated: implausible length " + n);
      }
      return n;
    }

    String str() {
      int n = count();
      if (n == 0) {
        return "";
      }
      int at = need(n);
      return new String(b, at, n, StandardCharsets.UTF_8);
    }
  }

  private static void header(DataOutputStream out, int type, LogEntry e) throws IOException {
    out.writeByte(type);
    out.writeByte(VERSION);
    str(out, e.transactionId());
    out.writeLong(e.at().getEpochSecond());
    out.writeInt(e.at().getNano());
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }
}
