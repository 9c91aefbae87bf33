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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The form of one {@link OpenArena} record, what makes a transaction cost about a hundred bytes:
 * its {@link TrackingFields} first, the start time against a base second, the id (the engine's ids
 * packed, see {@link #idForm}), the key as a dictionary prefix and an inline rest, an MD5 as its 16
 * bytes (a copy's only when it differs from the source's), repeated strings by number into a bounded
 * {@link StringDictionary}, copy states as explicit codes and the other times as varint distances from
 * the start. Owns the dictionary, the base second and the encoder's buffer; the chunks that hold the
 * bytes and the tables that find them are {@link ArenaChunks} and {@link ArenaTables}. This is memory
 * only, never written to a log segment, so it may change freely; what must not change is that a
 * record's id form, once given, stays the same for lookups. Not thread-safe.
 */
final class ArenaRecordCodec {
  /** The encoder's buffer: {@link #encode} leaves the body here for {@link ArenaChunks#store}. */
  final RecordOut out = new RecordOut();
  private final StringDictionary dict = new StringDictionary();
  private final TrackingFields trackingFields = new TrackingFields();
  private long baseSecond = Long.MIN_VALUE;
  private final RecordIn in = new RecordIn();
  /** A second cursor, for {@link #idEnd} while {@link #in} is in use. */
  private final RecordIn scan = new RecordIn();

  /** The tracking form every record starts with. */
  TrackingFields tracking() {
    return trackingFields;
  }

  /** The strings records hold by number. */
  StringDictionary dictionary() {
    return dict;
  }

  /** The second start times are written against; set by the first record encoded. */
  long baseSecond() {
    return baseSecond;
  }

  /** The tracking of the record at {@code off} of {@code chunk} into {@code t}. */
  void readTracking(byte[] chunk, int off, long[] t) {
    in.at(chunk, off);
    in.varint();
    trackingFields.read(in, t);
  }

  /** The id of the record at {@code off} of {@code chunk}. */
  String idAt(byte[] chunk, int off) {
    in.at(chunk, skipToId(chunk, off));
    return readId(in);
  }

  /** Where the key of the record at {@code off} of {@code chunk} starts: its prefix's reference. */
  int keyStart(byte[] chunk, int off) {
    return idEnd(chunk, skipToId(chunk, off));
  }

  private static final int SUPERSEDED = 1;
  private static final int DEAD_LETTER = 2;
  private static final int MD5_BINARY = 4;
  private static final int COPIES_MATCH_TARGETS = 8;

  private static final int MD5_EMPTY = 0;
  private static final int MD5_SAME = 1;
  private static final int MD5_BYTES = 2;
  private static final int MD5_TEXT = 3;

  /** Encodes {@code r} into {@link #out}; returns the body's length. */
  int encode(TransactionRecord r, long[] tracking, byte[] id) {
    LogEntry.Started s = r.start();
    out.reset();
    trackingFields.write(out, tracking);
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

  /** Decodes the record at {@code off} of {@code chunk} (its header) and, into {@code tracking} if given, its tracking. */
  TransactionRecord decode(byte[] chunk, int off, long @Nullable [] tracking) {
    RecordIn r = in;
    r.at(chunk, off);
    r.varint();
    trackingFields.read(r, tracking);
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

  private String deref(RecordIn r) {
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
        out.varlong(RecordOut.zigzag(nanos / 1000) << 2);
      } else {
        out.varlong((RecordOut.zigzag(nanos) << 2) | 1);
      }
    } else {
      out.varlong(2);
      out.zzLong(t.getEpochSecond());
      out.varint(t.getNano());
    }
  }

  private static Instant time(RecordIn r, Instant created) {
    long v = r.varlong();
    int tag = (int) (v & 3);
    if (tag == 2) {
      long sec = r.zzLong();
      return Instant.ofEpochSecond(sec, r.varint());
    }
    long d = RecordOut.unzigzag(v >>> 2);
    return tag == 0 ? created.plusNanos(d * 1000) : created.plusNanos(d);
  }

  private static int nanoCode(int nano) {
    return nano % 1000 == 0 ? (nano / 1000) << 1 : (nano << 1) | 1;
  }

  /** The nanosecond of a start time from its code: micros when whole (even), nanos (odd). */
  static int nanoOf(int code) {
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
  byte[] idForm(String id, boolean add) {
    int tagStart = id.startsWith("txn-") ? id.indexOf('-', 4) + 1 : 0;
    int seqStart = id.lastIndexOf('-') + 1;
    if (tagStart > 5 && seqStart > tagStart + 1 && seqStart < id.length()) {
      long millis = base36(id, 4, tagStart - 1);
      long sequence = base36(id, seqStart, id.length());
      if (millis >= 0 && sequence >= 0) {
        String tag = id.substring(tagStart, seqStart - 1);
        int n = add ? dict.numberOf(tag) : dict.find(tag);
        RecordOut f = new RecordOut();
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
    RecordOut f = new RecordOut();
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
  int idEnd(byte[] chunk, int from) {
    RecordIn r = scan;
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

  String readId(RecordIn r) {
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
  int skipToId(byte[] chunk, int off) {
    in.at(chunk, off);
    in.varint();
    TrackingFields.skip(in);
    in.varlong();
    in.varint();
    return in.p;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

}
