package io.dualpush.testkit;

import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.WriterClaim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * A {@link SegmentStore} over a simulated disk in memory, for power-loss tests: bytes appended but
 * not yet synced are held apart from synced ones, and {@link #powerCut(Random)} (or a cut armed with
 * {@link #cutAtCall(long, Random)} to strike in the middle of the Nth store call) loses what a real
 * power cut could lose. After a cut this view refuses every call, as a dead process would, and
 * {@link #restart()} returns a fresh view over the surviving bytes, which a new log opens.
 *
 * <h2>Two disks</h2>
 * <ul>
 *   <li>{@link #fileLike()}: a local file system. Appended bytes are durable only once
 *       {@link #sync} of their segment returns; a cut drops the unsynced bytes of every segment,
 *       or keeps a random prefix of them, or keeps all but tears the last write part way (chosen
 *       at random per cut). Creating and deleting segments are directory changes, durable only at
 *       the next {@link #sync} (of any segment: the file store fsyncs the directory there); a cut
 *       keeps a random prefix of the pending ones, in the order they were made, and undoes the
 *       rest. Truncating a torn tail ({@link #dropTail}) is durable on return.</li>
 *   <li>{@link #appendBlobLike()}: an append blob. Every call is durable when it returns and
 *       {@link #sync} is a no-op; a cut can lose only the append in flight, whole (or let it land
 *       whole although its caller never hears so). It cannot truncate: {@link #dropTail} records
 *       the valid length, as the Azure store does.</li>
 * </ul>
 *
 * <pre>{@code
 * SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
 * TransactionLog log = openLogOver(disk);  // appends...
 * disk.powerCut(new Random(seed));          // the old log's calls now fail
 * TransactionLog after = openLogOver(disk.restart());
 * }</pre>
 *
 * <p>Thread-safe: every view of one disk shares one lock.
 */
public final class SimulatedDiskSegmentStore implements SegmentStore {
  /** The largest append a file-like disk takes: a 16 MiB record and its frame header. */
  public static final int FILE_MAX_APPEND = 16 * 1024 * 1024 + 8;
  /** The largest append an append-blob-like disk takes: one append block. */
  public static final int BLOB_MAX_APPEND = 4 * 1024 * 1024;
  /** Appends an append-blob-like segment takes before the log must roll (the service allows 50,000). */
  public static final long BLOB_MAX_APPENDS = 49_000;

  /** What a power cut does to the bytes that were not synced (file-like disks only). */
  public enum CutMode {
    /** Every unsynced byte is lost. */
    DROP_UNSYNCED,
    /** A random prefix of each segment's unsynced bytes survives (anything from none to all). */
    KEEP_RANDOM_PREFIX,
    /** Every unsynced write survives but the last, which is torn part way. */
    TEAR_LAST_WRITE
  }

  /**
   * What one power cut did, for failure messages.
   *
   * @param mode what happened to unsynced bytes
   * @param atCall the store call the cut struck in (counted from the view's creation), or 0 when
   *     it struck between calls
   * @param unsyncedBytesLost how many appended bytes did not survive
   * @param tornWrite whether the newest segment now ends inside what one append wrote
   * @param detail a sentence for people: the call in flight and what it left
   */
  public record PowerCut(CutMode mode, long atCall, long unsyncedBytesLost, boolean tornWrite, String detail) {}

  private enum Model {
    FILE, APPEND_BLOB
  }

  /** One segment on the disk; guarded by the disk's lock. */
  private static final class Segment {
    final long number;
    final String name;
    byte[] data = new byte[64];
    /** Bytes appended, durable or not: what the running process reads. */
    int length;
    /** Bytes [0, durable) survive any cut. */
    int durable;
    /** End offsets of the appends not yet synced, ascending; all above {@link #durable}. */
    final List<Integer> unsyncedAppendEnds = new ArrayList<>();
    /** An append-blob-like segment whose torn tail was marked: only this much of it is log. */
    int validLength = -1;
    int appends;

    Segment(long number, String name) {
      this.number = number;
      this.name = name;
    }

    int readable() {
      return validLength >= 0 ? validLength : length;
    }

    void write(byte[] bytes, int from, int count) {
      if (length + count > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, length + count));
      }
      System.arraycopy(bytes, from, data, length, count);
      length += count;
    }

    void cutTo(int newLength) {
      length = newLength;
      durable = Math.min(durable, newLength);
      unsyncedAppendEnds.removeIf(end -> end > newLength);
    }

    void syncAll() {
      durable = length;
      unsyncedAppendEnds.clear();
    }
  }

  /** A directory change not yet durable (file-like disks). */
  private record DirectoryChange(boolean create, Segment segment) {}

  /** The disk all views share. */
  private static final class Disk {
    final Model model;
    final TreeMap<Long, Segment> segments = new TreeMap<>();
    final List<DirectoryChange> pending = new ArrayList<>();
    /** Bumped by every cut: a view of an older generation is a dead process. */
    int generation;
    /** The view holding the writer's claim, or null. */
    SimulatedDiskSegmentStore claimant;
    PowerCut lastCut;
    long dropTails;

    Disk(Model model) {
      this.model = model;
    }
  }

  private final Disk disk;
  private final int generation;
  private long calls;
  private long cutAt = -1;
  private Random cutRandom;
  private boolean closed;

  private SimulatedDiskSegmentStore(Disk disk) {
    this.disk = disk;
    this.generation = disk.generation;
  }

  /**
   * An empty disk that behaves like a local file system (see the class documentation).
   *
   * @return a view of a new, empty disk
   */
  public static SimulatedDiskSegmentStore fileLike() {
    return new SimulatedDiskSegmentStore(new Disk(Model.FILE));
  }

  /**
   * An empty disk that behaves like a container of append blobs (see the class documentation).
   *
   * @return a view of a new, empty disk
   */
  public static SimulatedDiskSegmentStore appendBlobLike() {
    return new SimulatedDiskSegmentStore(new Disk(Model.APPEND_BLOB));
  }

  /**
   * A fresh view over what the disk holds now, as a restarted process (after a {@link #powerCut},
   * a rebooted machine) opens it. Without a cut it sees unsynced bytes too, as a process restarted
   * on a running machine sees the page cache; this view stays usable.
   *
   * @return a new view of the same disk
   */
  public SimulatedDiskSegmentStore restart() {
    synchronized (disk) {
      return new SimulatedDiskSegmentStore(disk);
    }
  }

  /**
   * Arms a power cut that strikes in the middle of the {@code n}th call to this view from now
   * ({@code n} = 1: the next call): what that call does may happen whole, in part or not at all,
   * and it throws, as does every later call to this view.
   *
   * @param n 1 or more
   * @param random decides what the cut keeps
   */
  public void cutAtCall(long n, Random random) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1; got " + n);
    }
    synchronized (disk) {
      cutAt = calls + n;
      cutRandom = Objects.requireNonNull(random, "random");
    }
  }

  /**
   * Cuts the power now, between calls: loses what the disk's model allows (chosen with
   * {@code random}), and this view, and every other view opened before, refuse all further calls.
   *
   * @param random decides what the cut keeps
   * @return what the cut did
   */
  public PowerCut powerCut(Random random) {
    synchronized (disk) {
      return cut(random, null, 0, "between calls");
    }
  }

  /**
   * Cuts the power now, between calls, doing {@code mode} to unsynced bytes; otherwise as
   * {@link #powerCut(Random)}.
   *
   * @param mode what happens to unsynced bytes (file-like disks)
   * @param random decides the rest: prefixes kept, directory changes kept
   * @return what the cut did
   */
  public PowerCut powerCut(CutMode mode, Random random) {
    synchronized (disk) {
      return cut(random, Objects.requireNonNull(mode, "mode"), 0, "between calls");
    }
  }

  /**
   * How many store calls this view has had, the claim's and readers' aside: what
   * {@link #cutAtCall} counts.
   *
   * @return the number of calls
   */
  public long calls() {
    synchronized (disk) {
      return calls;
    }
  }

  /**
   * What the last power cut did.
   *
   * @return the last cut, or null before any
   */
  public PowerCut lastCut() {
    synchronized (disk) {
      return disk.lastCut;
    }
  }

  /**
   * Whether a power cut ended the process this view belongs to.
   *
   * @return true once a cut struck after this view was made
   */
  public boolean isDead() {
    synchronized (disk) {
      return generation != disk.generation;
    }
  }

  /**
   * How many times {@link #dropTail} was called on this disk, by any view: how often a log cut off
   * a torn tail.
   *
   * @return the count
   */
  public long dropTailCount() {
    synchronized (disk) {
      return disk.dropTails;
    }
  }

  /**
   * The bytes of a segment as the running process sees them, synced or not.
   *
   * @param number the segment's number
   * @return a copy of its bytes, or empty when there is no such segment
   */
  public byte[] bytes(long number) {
    synchronized (disk) {
      Segment s = disk.segments.get(number);
      return s == null ? new byte[0] : Arrays.copyOf(s.data, s.length);
    }
  }

  /**
   * The bytes of a segment that a power cut now would certainly keep.
   *
   * @param number the segment's number
   * @return a copy of its durable bytes, or empty when there is no such segment
   */
  public byte[] durableBytes(long number) {
    synchronized (disk) {
      Segment s = disk.segments.get(number);
      return s == null ? new byte[0] : Arrays.copyOf(s.data, s.durable);
    }
  }

  /**
   * The numbers of the segments the running process sees, ascending.
   *
   * @return the numbers
   */
  public List<Long> segmentNumbers() {
    synchronized (disk) {
      return List.copyOf(disk.segments.keySet());
    }
  }

  // ------------------------------------------------------------------ the cut

  /** Cuts the power; called holding the disk's lock. */
  private PowerCut cut(Random random, CutMode chosen, long atCall, String inFlight) {
    CutMode mode = chosen != null ? chosen : CutMode.values()[random.nextInt(CutMode.values().length)];
    long lost = 0;
    boolean torn = false;
    StringBuilder detail = new StringBuilder(inFlight);
    if (disk.model == Model.FILE) {
      // Directory changes: a random prefix of them reached the disk, in order; undo the rest, newest first.
      int kept = random.nextInt(disk.pending.size() + 1);
      for (int i = disk.pending.size() - 1; i >= kept; i--) {
        DirectoryChange c = disk.pending.get(i);
        if (c.create()) {
          disk.segments.remove(c.segment().number);
          lost += c.segment().length;
        } else {
          disk.segments.put(c.segment().number, c.segment());
        }
      }
      if (!disk.pending.isEmpty()) {
        detail.append("; ").append(kept).append(" of ").append(disk.pending.size()).append(" directory change(s) kept");
      }
      disk.pending.clear();
      Segment newest = null;
      for (Segment s : disk.segments.values()) {
        if (s.length > s.durable) {
          newest = s;
        }
      }
      for (Segment s : disk.segments.values()) {
        int unsynced = s.length - s.durable;
        if (unsynced == 0) {
          continue;
        }
        int keep = switch (mode) {
          case DROP_UNSYNCED -> s.durable;
          case KEEP_RANDOM_PREFIX -> s.durable + random.nextInt(unsynced + 1);
          case TEAR_LAST_WRITE -> {
            if (s != newest) {
              yield s.length;
            }
            int lastStart = s.unsyncedAppendEnds.size() >= 2
                ? s.unsyncedAppendEnds.get(s.unsyncedAppendEnds.size() - 2) : s.durable;
            int lastLength = s.length - lastStart;
            yield lastLength <= 1 ? lastStart : lastStart + 1 + random.nextInt(lastLength - 1);
          }
        };
        lost += s.length - keep;
        if (keep < s.length) {
          detail.append("; ").append(s.name).append(" kept ").append(keep - s.durable).append(" of ").append(unsynced)
              .append(" unsynced bytes");
        }
        torn |= s == newest && keep > s.durable && !s.unsyncedAppendEnds.contains(keep);
        s.cutTo(keep);
      }
    }
    // What survived is now on the disk, for good.
    for (Segment s : disk.segments.values()) {
      s.syncAll();
    }
    disk.generation++;
    disk.claimant = null;
    disk.lastCut = new PowerCut(mode, atCall, lost, torn, detail.toString());
    return disk.lastCut;
  }

  /**
   * Counts a call and checks this view is alive; returns the random source when this call is the one
   * a cut was armed for (the caller then does part of its work and calls {@link #strike}).
   */
  private Random enter(String operation) throws IOException {
    checkAlive(operation);
    calls++;
    if (calls == cutAt) {
      cutAt = -1;
      return cutRandom;
    }
    return null;
  }

  private void checkAlive(String operation) throws IOException {
    if (generation != disk.generation) {
      throw new IOException("simulated power cut: the process that opened this store is dead (" + operation + ")");
    }
    if (closed) {
      throw new IOException("simulated disk store is closed (" + operation + ")");
    }
  }

  private IOException strike(Random random, String inFlight) {
    PowerCut c = cut(random, null, calls, inFlight);
    return new IOException("simulated power cut during " + inFlight + " (" + c.detail() + ")");
  }

  // ------------------------------------------------------------------ SegmentStore

  @Override
  public String description() {
    return "simulated " + (disk.model == Model.FILE ? "file-like" : "append-blob-like") + " disk";
  }

  @Override
  public Capabilities capabilities() {
    return disk.model == Model.FILE
        ? new Capabilities(FILE_MAX_APPEND, Long.MAX_VALUE, true, false, Numbering.RECORD_SEQUENCE)
        : new Capabilities(BLOB_MAX_APPEND, BLOB_MAX_APPENDS, false, false, Numbering.CONSECUTIVE);
  }

  @Override
  public WriterClaim claim(boolean takeOver) throws IOException {
    synchronized (disk) {
      Random cut = enter("claim");
      if (cut != null) {
        throw strike(cut, "claim");
      }
      if (disk.claimant != null && disk.claimant != this && !takeOver) {
        throw new ClaimRefusedException(description() + " is held by another writer");
      }
      disk.claimant = this;
      return new Claim();
    }
  }

  /** The writer's claim of this view: lost when the view dies or another view takes over. */
  private final class Claim implements WriterClaim {
    @Override
    public void ensureHeld() throws IOException {
      synchronized (disk) {
        if (generation != disk.generation || disk.claimant != SimulatedDiskSegmentStore.this) {
          throw new ClaimLostException(description() + ": this writer's claim is gone (power cut or taken over)", null);
        }
      }
    }

    @Override
    public void close() {
      synchronized (disk) {
        if (disk.claimant == SimulatedDiskSegmentStore.this) {
          disk.claimant = null;
        }
      }
    }
  }

  @Override
  public List<SegmentInfo> list() throws IOException {
    synchronized (disk) {
      Random cut = enter("list");
      if (cut != null) {
        throw strike(cut, "list");
      }
      List<SegmentInfo> out = new ArrayList<>(disk.segments.size());
      for (Segment s : disk.segments.values()) {
        out.add(new SegmentInfo(s.number, s.name, s.readable()));
      }
      return out;
    }
  }

  @Override
  public SegmentInfo create(long number) throws IOException {
    synchronized (disk) {
      Random cut = enter("create");
      boolean performed = cut == null || cut.nextBoolean();
      if (performed) {
        if (disk.segments.containsKey(number)) {
          throw new FileAlreadyExistsException(name(number));
        }
        Segment s = new Segment(number, name(number));
        disk.segments.put(number, s);
        if (disk.model == Model.FILE) {
          disk.pending.add(new DirectoryChange(true, s));
        }
      }
      if (cut != null) {
        throw strike(cut, "create of " + name(number) + (performed ? " (done, not yet durable)" : " (not done)"));
      }
      return new SegmentInfo(number, name(number), 0);
    }
  }

  private String name(long number) {
    return String.format(disk.model == Model.FILE ? "segment-%020d.wal" : "segment-%020d.log", number);
  }

  private Segment existing(SegmentInfo segment) throws NoSuchFileException {
    Segment s = disk.segments.get(segment.number());
    if (s == null) {
      throw new NoSuchFileException(segment.name());
    }
    return s;
  }

  @Override
  public void append(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    byte[] b = new byte[bytes.remaining()];
    bytes.get(b);
    synchronized (disk) {
      Random cut = enter("append");
      Segment s = existing(segment);
      if (s.length != expectedOffset || s.validLength >= 0) {
        throw new AppendPositionException(s.name + " ends at " + s.readable() + ", not at " + expectedOffset,
            expectedOffset, s.readable());
      }
      if (cut == null) {
        write(s, b, b.length);
        return;
      }
      // In flight: a file write may have reached the page cache in part; an append block lands whole or not at all.
      int written = disk.model == Model.FILE ? cut.nextInt(b.length + 1) : (cut.nextBoolean() ? b.length : 0);
      write(s, b, written);
      throw strike(cut, "an append of " + b.length + " bytes to " + s.name + " at " + expectedOffset + " ("
          + written + " written)");
    }
  }

  private void write(Segment s, byte[] b, int count) {
    if (count == 0) {
      return;
    }
    s.write(b, 0, count);
    s.appends++;
    if (disk.model == Model.FILE) {
      s.unsyncedAppendEnds.add(s.length);
    } else {
      s.syncAll();
    }
  }

  @Override
  public void sync(SegmentInfo segment) throws IOException {
    synchronized (disk) {
      Random cut = enter("sync");
      boolean performed = cut == null || cut.nextBoolean();
      if (performed && disk.model == Model.FILE) {
        Segment s = disk.segments.get(segment.number());
        if (s == null && cut == null) {
          throw new NoSuchFileException(segment.name());
        }
        if (s != null) {
          s.syncAll();
        }
        disk.pending.clear(); // the directory is fsynced with it
      }
      if (cut != null) {
        throw strike(cut, "sync of " + segment.name() + (performed ? " (done)" : " (not done)"));
      }
    }
  }

  @Override
  public SegmentReader open(SegmentInfo segment) throws IOException {
    synchronized (disk) {
      Random cut = enter("open");
      if (cut != null) {
        throw strike(cut, "open of " + segment.name());
      }
      return new Reader(existing(segment));
    }
  }

  /** Reads one segment as the running process sees it. */
  private final class Reader implements SegmentReader {
    private final Segment segment;

    Reader(Segment segment) {
      this.segment = segment;
    }

    @Override
    public long size() throws IOException {
      synchronized (disk) {
        checkAlive("size");
        return segment.readable();
      }
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      synchronized (disk) {
        checkAlive("read");
        if (disk.segments.get(segment.number) != segment) {
          throw new NoSuchFileException(segment.name);
        }
        int end = segment.readable();
        if (position >= end) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), end - position);
        dst.put(segment.data, (int) position, n);
        return n;
      }
    }

    @Override
    public void close() {
      // nothing held
    }
  }

  @Override
  public boolean dropTail(SegmentInfo segment, long validLength) throws IOException {
    synchronized (disk) {
      Random cut = enter("dropTail");
      Segment s = existing(segment);
      if (validLength < 0 || validLength > s.length) {
        throw new IllegalArgumentException("validLength " + validLength + " outside 0.." + s.length);
      }
      boolean performed = cut == null || cut.nextBoolean();
      if (performed) {
        disk.dropTails++;
        if (disk.model == Model.FILE) {
          s.cutTo((int) validLength);
          s.durable = s.length; // a truncation is fsynced on return
        } else {
          s.validLength = (int) validLength;
        }
      }
      if (cut != null) {
        throw strike(cut, "dropTail of " + s.name + (performed ? " (done)" : " (not done)"));
      }
      return disk.model == Model.FILE;
    }
  }

  @Override
  public void delete(SegmentInfo segment) throws IOException {
    synchronized (disk) {
      Random cut = enter("delete");
      boolean performed = cut == null || cut.nextBoolean();
      if (performed) {
        Segment s = disk.segments.remove(segment.number());
        if (s != null && disk.model == Model.FILE) {
          disk.pending.add(new DirectoryChange(false, s));
        }
      }
      if (cut != null) {
        throw strike(cut, "delete of " + segment.name() + (performed ? " (done, not yet durable)" : " (not done)"));
      }
    }
  }

  /** Closes this view; later calls to it fail. The disk and other views are unaffected. */
  @Override
  public void close() {
    synchronized (disk) {
      closed = true;
    }
  }

  @Override
  public String toString() {
    synchronized (disk) {
      StringBuilder b = new StringBuilder(description()).append('{');
      for (Map.Entry<Long, Segment> e : disk.segments.entrySet()) {
        Segment s = e.getValue();
        b.append(s.name).append(": ").append(s.durable).append(" durable + ").append(s.length - s.durable)
            .append(" unsynced; ");
      }
      return b.append(isDead() ? "dead" : "alive").append('}').toString();
    }
  }
}
