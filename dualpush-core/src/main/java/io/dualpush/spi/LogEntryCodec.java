package io.dualpush.spi;

import io.dualpush.CopyStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
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
 * Framing and checksums are the log's business.
 */
public final class LogEntryCodec {
  /** The format version this codec writes. */
  public static final int VERSION = 1;

  private static final int STARTED = 1;
  private static final int COPY_UPDATED = 2;
  private static final int REPAIR_ATTEMPTED = 3;
  private static final int DEAD_LETTERED = 4;
  private static final int RETRIED = 5;

  private LogEntryCodec() {}

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
        out.writeByte(u.status().ordinal());
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
   * @throws IllegalArgumentException when the bytes are not an entry this codec can read
   */
  public static LogEntry decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int type = in.readUnsignedByte();
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IllegalArgumentException("log entry format version " + version + " is not supported (this build reads " + VERSION + ")");
      }
      String txn = str(in);
      Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
      LogEntry entry;
      switch (type) {
        case STARTED -> {
          String key = str(in);
          long size = in.readLong();
          String md5 = str(in);
          String dataset = str(in);
          String message = str(in);
          String contentType = str(in);
          int n = count(in);
          Map<String, String> metadata = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            metadata.put(str(in), str(in));
          }
          int t = count(in);
          List<LogEntry.Target> targets = new ArrayList<>(t);
          for (int i = 0; i < t; i++) {
            targets.add(new LogEntry.Target(str(in), in.readBoolean()));
          }
          int required = in.readInt();
          String source = str(in);
          entry = new LogEntry.Started(txn, at, key, size, md5, dataset, message, contentType, metadata, targets, required, source);
        }
        case COPY_UPDATED -> {
          String dest = str(in);
          int status = in.readUnsignedByte();
          if (status >= CopyStatus.values().length) {
            throw new IllegalArgumentException("unknown copy status " + status);
          }
          entry = new LogEntry.CopyUpdated(txn, at, dest, CopyStatus.values()[status], str(in), str(in), in.readBoolean());
        }
        case REPAIR_ATTEMPTED -> entry = new LogEntry.RepairAttempted(txn, at, in.readInt());
        case DEAD_LETTERED -> entry = new LogEntry.DeadLettered(txn, at, str(in));
        case RETRIED -> entry = new LogEntry.Retried(txn, at);
        default -> throw new IllegalArgumentException("unknown log entry type " + type);
      }
      if (in.available() != 0) {
        throw new IllegalArgumentException("log entry has " + in.available() + " trailing bytes");
      }
      return entry;
    } catch (IOException e) {
      throw new IllegalArgumentException("log entry is truncated", e);
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

  private static String str(DataInputStream in) throws IOException {
    int n = count(in);
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new IOException("truncated string");
    }
    return new String(b, StandardCharsets.UTF_8);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > (1 << 24)) {
      throw new IOException("implausible length " + n);
    }
    return n;
  }
}
