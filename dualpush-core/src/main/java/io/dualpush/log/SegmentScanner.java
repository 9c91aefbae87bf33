package io.dualpush.log;

import io.dualpush.spi.LogEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Reads, checks and decodes the frames of one segment, and decides what a bad frame is: a torn tail
 * (only at the end of the last segment, with no whole frame after it: the writer died while
 * appending, or the file grew without its data landing) or damage (anywhere else: skipping it
 * would silently lose what follows). The same rule for every store, including an implausible
 * length at the end of the last segment, which is a torn tail (zeros or stale bytes after a power
 * cut look exactly like that) and never hides a record, since any whole frame after it makes it
 * damage.
 *
 * <p>A unit ({@link Frames#unit}) is handed to the sink only once its last record is read. One cut
 * short at the end of the last segment is part of the torn tail, from its marker on, even though
 * its records so far are whole: a power cut can keep any prefix of what was written. One cut short
 * at the end of any other segment is damage (the writer never splits a unit across segments).
 */
final class SegmentScanner {
  private static final int READ_BUFFER = 4 * 1024 * 1024;
  /** Segments at least this large are replayed on two threads. */
  static final long PIPELINE_THRESHOLD = 1024 * 1024;
  private static final int PIPELINE_CHUNK = 1024;
  private static final int PIPELINE_DEPTH = 16;
  /** How often a blocked decoder looks whether the replay was abandoned. */
  private static final long DECODER_POLL_MILLIS = 100;

  private SegmentScanner() {}

  /** A bad frame that is not a torn tail, found while scanning; the open decides to fail or quarantine. */
  static final class Damage extends Exception {
    private static final long serialVersionUID = 1L;
    final transient SegmentInfo segment;
    final long offset;
    final String reason;

    Damage(SegmentInfo segment, long offset, String reason) {
      super(segment.name() + " is damaged at offset " + offset + " (" + reason + ")", null, false, false);
      this.segment = segment;
      this.offset = offset;
      this.reason = reason;
    }
  }

  /**
   * Replays every whole frame of {@code segment} from its start into {@code sink}, in order, on two
   * threads when it is large (one reads and decodes while the caller folds, roughly halving the
   * time to open a big log on two cores). Returns the offset after the last good frame: the size
   * unless the segment ends in a torn tail, allowed only when {@code last}.
   */
  static long replay(SegmentReader reader, LogSegment segment, boolean last, int maxAppend, Consumer<LogEntry> sink)
      throws IOException, Damage {
    long size = reader.size();
    long end = size < PIPELINE_THRESHOLD ? scan(reader, segment, last, maxAppend, sink, 0)
        : replayPipelined(reader, segment, last, maxAppend, sink);
    segment.size = end;
    return end;
  }

  /**
   * The decoder thread puts chunks of decoded entries, then one {@code Object[]{outcome}}. It never
   * blocks for good: when the caller stops taking (its sink threw, it was interrupted) it sets
   * {@code abandoned} and interrupts the decoder, whose puts give up, so the thread ends. The
   * caller waits for it to end before returning, since the reader is closed after.
   */
  private static long replayPipelined(SegmentReader reader, LogSegment segment, boolean last, int maxAppend,
      Consumer<LogEntry> sink) throws IOException, Damage {
    BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(PIPELINE_DEPTH);
    boolean[] abandoned = {false};
    Thread decoder = new Thread(() -> {
      Object outcome;
      try {
        LogEntry[][] chunk = {new LogEntry[PIPELINE_CHUNK]};
        int[] filled = {0};
        long end = scan(reader, segment, last, maxAppend, entry -> {
          chunk[0][filled[0]++] = entry;
          if (filled[0] == PIPELINE_CHUNK) {
            put(chunks, chunk[0], abandoned);
            chunk[0] = new LogEntry[PIPELINE_CHUNK];
            filled[0] = 0;
          }
        }, 0);
        if (filled[0] > 0) {
          put(chunks, Arrays.copyOf(chunk[0], filled[0]), abandoned);
        }
        outcome = end;
      } catch (Abandoned e) {
        return;
      } catch (Throwable e) {
        outcome = e;
      }
      try {
        put(chunks, new Object[] {outcome}, abandoned);
      } catch (Abandoned e) {
        // the caller is gone; nobody wants the outcome
      }
    }, "dualpush-log-replay " + segment.name());
    decoder.setDaemon(true);
    decoder.start();
    boolean done = false;
    try {
      while (true) {
        Object next;
        try {
          next = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          InterruptedIOException stop = new InterruptedIOException("interrupted while replaying " + segment.name());
          stop.initCause(e);
          throw stop;
        }
        if (next instanceof LogEntry[] entries) {
          for (LogEntry entry : entries) {
            sink.accept(entry);
          }
          continue;
        }
        done = true;
        Object outcome = ((Object[]) next)[0];
        if (outcome instanceof Long end) {
          return end;
        } else if (outcome instanceof Damage d) {
          throw d;
        } else if (outcome instanceof IOException e) {
          throw e;
        } else if (outcome instanceof RuntimeException e) {
          throw e;
        } else if (outcome instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException("replay of " + segment.name() + " failed", (Throwable) outcome);
      }
    } finally {
      if (!done) {
        synchronized (abandoned) {
          abandoned[0] = true;
        }
        decoder.interrupt();
        chunks.clear();
      }
      joinQuietly(decoder);
    }
  }

  /** The caller stopped taking; the decoder stops. */
  private static final class Abandoned extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Abandoned() {
      super("replay abandoned", null, false, false);
    }
  }

  private static void put(BlockingQueue<Object> queue, Object item, boolean[] abandoned) {
    while (true) {
      synchronized (abandoned) {
        if (abandoned[0]) {
          throw new Abandoned();
        }
      }
      try {
        if (queue.offer(item, DECODER_POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        // Only the caller interrupts us, when it gives up: the loop sees the flag and stops.
        synchronized (abandoned) {
          if (abandoned[0]) {
            throw new Abandoned();
          }
        }
      }
    }
  }

  private static void joinQuietly(Thread thread) {
    boolean interrupted = Thread.interrupted();
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Reads, checks and decodes every whole frame from {@code from} (0, or where an earlier scan
   * stopped), handing each entry to {@code sink} in order and counting it; returns the offset after
   * the last good frame. Notes the size it saw in {@link LogSegment#seen}.
   */
  static long scan(SegmentReader reader, LogSegment segment, boolean last, int maxAppend, Consumer<LogEntry> sink,
      long from) throws IOException, Damage {
    long size = reader.size();
    segment.seen = size;
    int maxFrame = maxAppend;
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(READ_BUFFER, Math.max(size - from, Frames.HEADER)));
    CRC32C crc = new CRC32C();
    long bufStart = from; // segment offset of buf[0]
    long pos = from;
    int filled = 0;
    // A unit being read (Frames#unit): its entries wait until the last one is read.
    Unit unit = null;
    while (pos < size) {
      int at = (int) (pos - bufStart);
      if (filled - at < Frames.HEADER || filled - at < Frames.HEADER + Math.max(0, buf.getInt(at))) {
        // Not a whole frame in the buffer: move what is left to the front and read more.
        int need = filled - at >= Frames.HEADER ? Frames.HEADER + Math.max(0, buf.getInt(at)) : Frames.HEADER;
        if (need > buf.capacity() && need <= maxFrame) {
          ByteBuffer bigger = ByteBuffer.allocate(need);
          bigger.put(buf.array(), at, filled - at);
          buf = bigger;
        } else {
          System.arraycopy(buf.array(), at, buf.array(), 0, filled - at);
        }
        filled -= at;
        bufStart = pos;
        at = 0;
        buf.limit((int) Math.min(buf.capacity(), size - bufStart)).position(filled);
        while (buf.hasRemaining()) {
          if (reader.read(buf, bufStart + buf.position()) < 0) {
            break;
          }
        }
        filled = buf.position();
        buf.clear();
      }
      if (size - pos < Frames.HEADER || filled - at < Frames.HEADER) {
        return unfinished(unit, segment, damaged(reader, segment, pos, size, last, maxAppend, "a partial frame header"));
      }
      int length = buf.getInt(at);
      if (!Frames.plausible(length, maxAppend)) {
        return unfinished(unit, segment,
            damaged(reader, segment, pos, size, last, maxAppend, "implausible entry length " + length));
      }
      if (pos + Frames.HEADER + length > size || filled - at < Frames.HEADER + length) {
        return unfinished(unit, segment,
            damaged(reader, segment, pos, size, last, maxAppend, "entry of " + length + " bytes runs past the end"));
      }
      if (!Frames.checksumMatches(crc, buf.array(), at + Frames.HEADER, length, buf.getInt(at + 4))) {
        return unfinished(unit, segment, damaged(reader, segment, pos, size, last, maxAppend, "checksum mismatch"));
      }
      try {
        if (LogEntryCodec.isUnit(buf.array(), at + Frames.HEADER, length)) {
          if (unit != null) {
            throw new Damage(segment.info, pos, "a unit marker inside the unit that starts at offset " + unit.start);
          }
          unit = new Unit(LogEntryCodec.decodeUnit(buf.array(), at + Frames.HEADER, length), pos, segment.records);
        } else {
          LogEntry entry = LogEntryCodec.decode(buf.array(), at + Frames.HEADER, length);
          if (unit == null) {
            sink.accept(entry);
          } else if (unit.add(entry, segment, pos)) {
            unit.entries.forEach(sink);
            unit = null;
          }
        }
      } catch (IllegalArgumentException e) {
        // The checksum matched, so these are the bytes a writer wrote: a format this build does not read.
        throw new Damage(segment.info, pos, e.getMessage());
      }
      segment.records++;
      pos += Frames.HEADER + length;
    }
    if (unit != null) {
      if (!last) {
        throw new Damage(segment.info, unit.start, "a unit of " + unit.marker.count() + " records of transaction "
            + unit.marker.transactionId() + " holds only " + unit.entries.size() + " when the segment ends, and the "
            + "segment is not the last, so it cannot have been cut short by a crash");
      }
      return unfinished(unit, segment, pos);
    }
    return pos;
  }

  /**
   * Where the whole records of a segment end when its scan stopped at {@code end} (a torn tail, or
   * its end) in the middle of {@code unit}: where the unit starts, since a unit is replayed whole
   * or not at all, so its records read so far are part of the torn tail (and no longer counted).
   */
  private static long unfinished(Unit unit, LogSegment segment, long end) {
    if (unit == null) {
      return end;
    }
    segment.records = unit.recordsBefore;
    return unit.start;
  }

  /** A unit being read: its marker, where it starts, and its entries read so far. */
  private static final class Unit {
    final LogEntryCodec.Unit marker;
    final long start;
    final long recordsBefore;
    final List<LogEntry> entries;

    Unit(LogEntryCodec.Unit marker, long start, long recordsBefore) {
      this.marker = marker;
      this.start = start;
      this.recordsBefore = recordsBefore;
      this.entries = new ArrayList<>(Math.min(marker.count(), 64)); // a count is a claim until its records are read
    }

    /** Adds the entry read at {@code pos}; returns whether the unit is whole. */
    boolean add(LogEntry entry, LogSegment segment, long pos) throws Damage {
      if (!entry.transactionId().equals(marker.transactionId())) {
        throw new Damage(segment.info, pos, "an entry of transaction " + entry.transactionId() + " inside the unit of "
            + "transaction " + marker.transactionId() + " that starts at offset " + start);
      }
      entries.add(entry);
      return entries.size() == marker.count();
    }
  }

  /**
   * A bad frame at {@code pos} is a torn tail only in the last segment and only when no whole frame
   * follows it. Otherwise truncating would silently drop what follows.
   */
  private static long damaged(SegmentReader reader, LogSegment segment, long pos, long size, boolean last,
      int maxAppend, String why) throws IOException, Damage {
    if (!last) {
      throw new Damage(segment.info, pos, why + "; the segment is not the last, so it cannot have been torn by a crash");
    }
    if (wholeFrameAfter(reader, pos + 1, size, maxAppend)) {
      throw new Damage(segment.info, pos, why + ", and valid entries follow; refusing to skip them");
    }
    return pos;
  }

  /** Whether a frame with a plausible length and a matching checksum starts anywhere in [from, size). */
  private static boolean wholeFrameAfter(SegmentReader reader, long from, long size, int maxAppend) throws IOException {
    ByteBuffer window = ByteBuffer.allocate(64 * 1024);
    CRC32C crc = new CRC32C();
    long base = from;
    while (size - base >= Frames.HEADER) {
      window.clear();
      window.limit((int) Math.min(window.capacity(), size - base));
      readFully(reader, window, base);
      int candidates = window.limit() - Frames.HEADER + 1;
      for (int i = 0; i < candidates; i++) {
        int length = window.getInt(i);
        long at = base + i;
        if (!Frames.plausible(length, maxAppend) || at + Frames.HEADER + length > size) {
          continue;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(reader, body, at + Frames.HEADER);
        if (Frames.checksumMatches(crc, body.array(), 0, length, window.getInt(i + 4))) {
          return true;
        }
      }
      base += candidates;
    }
    return false;
  }

  private static void readFully(SegmentReader reader, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      if (reader.read(buf, pos + buf.position()) < 0) {
        throw new IOException("unexpected end of segment");
      }
    }
  }
}
