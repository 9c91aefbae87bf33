package io.dualpush.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A segment store in memory for the log's unit tests, with hooks a test controls: deletions that
 * wait on a latch, a claim that can be lost, a store that cannot truncate. Everything appended is
 * "durable" at once; power cuts are the testkit's simulated disk's business.
 */
final class MemorySegmentStore implements SegmentStore {
  private final Capabilities capabilities;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  /** When set, each deletion waits for it to open. */
  volatile CountDownLatch deleteGate;
  final AtomicInteger deletesStarted = new AtomicInteger();
  final AtomicInteger deletesDone = new AtomicInteger();
  final AtomicInteger syncs = new AtomicInteger();
  volatile boolean claimLost;
  /** When set, each append waits for it to open (a store that stops answering). */
  volatile CountDownLatch appendGate;
  /** When set, deletions fail with it. */
  volatile IOException deleteFailure;
  private boolean claimed;

  private static final class Segment {
    final String name;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** A valid length a dropTail marked, on a store that cannot truncate; -1 when none. */
    long mark = -1;

    Segment(String name) {
      this.name = name;
    }

    long length() {
      return mark >= 0 ? mark : bytes.size();
    }
  }

  MemorySegmentStore(Capabilities capabilities) {
    this.capabilities = capabilities;
  }

  /** Files-like: truncates, numbers by record. */
  static MemorySegmentStore files() {
    return new MemorySegmentStore(new Capabilities(16 * 1024 * 1024 + 8, Long.MAX_VALUE, true, false,
        Numbering.RECORD_SEQUENCE));
  }

  /** Append-blob-like: 4 MiB appends, cannot truncate, numbered 1, 2, .... */
  static MemorySegmentStore blobs() {
    return new MemorySegmentStore(new Capabilities(4 * 1024 * 1024, 50_000, false, false, Numbering.CONSECUTIVE));
  }

  @Override
  public String description() {
    return "memory";
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public synchronized WriterClaim claim(boolean takeOver) throws IOException {
    if (claimed) {
      throw new ClaimRefusedException("memory is already open for writing");
    }
    claimed = true;
    claimLost = false;
    return new WriterClaim() {
      @Override
      public void ensureHeld() throws IOException {
        if (claimLost) {
          throw new ClaimLostException("memory: the claim was lost", null);
        }
      }

      @Override
      public void close() {
        synchronized (MemorySegmentStore.this) {
          claimed = false;
        }
      }
    };
  }

  @Override
  public synchronized List<SegmentInfo> list() {
    List<SegmentInfo> out = new ArrayList<>();
    segments.forEach((n, s) -> out.add(new SegmentInfo(n, s.name, s.length())));
    return out;
  }

  @Override
  public synchronized SegmentInfo create(long number) throws IOException {
    if (segments.containsKey(number)) {
      throw new FileAlreadyExistsException("seg-" + number);
    }
    Segment s = new Segment("seg-" + number);
    segments.put(number, s);
    return new SegmentInfo(number, s.name, 0);
  }

  @Override
  public void append(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    CountDownLatch gate = appendGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    appendNow(segment, expectedOffset, bytes);
  }

  private synchronized void appendNow(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    Segment s = get(segment);
    if (s.bytes.size() != expectedOffset) {
      throw new AppendPositionException(s.name + " ends at " + s.bytes.size(), expectedOffset, s.bytes.size());
    }
    byte[] b = new byte[bytes.remaining()];
    bytes.get(b);
    s.bytes.write(b, 0, b.length);
  }

  /** Appends bytes behind the log's back (another writer, a tool, a torn write). */
  synchronized void appendRaw(long number, byte[] bytes) {
    segments.get(number).bytes.write(bytes, 0, bytes.length);
  }

  /** The bytes a segment holds, marks ignored. */
  synchronized byte[] bytes(long number) {
    return segments.get(number).bytes.toByteArray();
  }

  /** Puts a segment in place, as a restore would. */
  synchronized void put(long number, byte[] bytes) {
    Segment s = new Segment("seg-" + number);
    s.bytes.write(bytes, 0, bytes.length);
    segments.put(number, s);
  }

  @Override
  public void sync(SegmentInfo segment) {
    syncs.incrementAndGet();
  }

  @Override
  public synchronized SegmentReader open(SegmentInfo segment) throws IOException {
    Segment s = get(segment);
    return new SegmentReader() {
      @Override
      public long size() {
        synchronized (MemorySegmentStore.this) {
          return s.length();
        }
      }

      @Override
      public int read(ByteBuffer dst, long position) {
        byte[] all;
        long length;
        synchronized (MemorySegmentStore.this) {
          all = s.bytes.toByteArray();
          length = s.length();
        }
        if (position >= length) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), length - position);
        dst.put(all, (int) position, n);
        return n;
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public synchronized boolean dropTail(SegmentInfo segment, long validLength) throws IOException {
    Segment s = get(segment);
    if (capabilities.canTruncate()) {
      byte[] keep = java.util.Arrays.copyOf(s.bytes.toByteArray(), (int) validLength);
      s.bytes.reset();
      s.bytes.write(keep, 0, keep.length);
      return true;
    }
    s.mark = validLength;
    return false;
  }

  @Override
  public void delete(SegmentInfo segment) throws IOException {
    deletesStarted.incrementAndGet();
    IOException failure = deleteFailure;
    if (failure != null) {
      throw failure;
    }
    CountDownLatch gate = deleteGate;
    if (gate != null) {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    synchronized (this) {
      segments.remove(segment.number());
    }
    deletesDone.incrementAndGet();
  }

  private Segment get(SegmentInfo segment) throws NoSuchFileException {
    Segment s = segments.get(segment.number());
    if (s == null) {
      throw new NoSuchFileException(segment.name());
    }
    return s;
  }

  @Override
  public void close() {}
}
