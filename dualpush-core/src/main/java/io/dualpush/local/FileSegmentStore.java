package io.dualpush.local;

import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.WriterClaim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments as files in one local directory, for {@link FileTransactionLog}:
 * <pre>
 * DIR/.lock                                  held (flock) while a writer has the log open
 * DIR/segment-00000000000000001234.wal       a segment; the 20 digits are its first record's sequence number
 * DIR/quarantine/segment-....wal             damaged segments moved aside
 * DIR/quarantine/gap-FIRST-LAST.accepted     records FIRST..LAST are missing and the loss was accepted
 * DIR/transactions.log                       the single file of an old release, adopted as segment 0
 * </pre>
 * Appends are positional writes checked against the store's own idea of the file's end; a sync is
 * an {@code fsync} of the file; creates, deletes, renames and truncations are followed by an fsync
 * of the directory, so they are durable on return. Package-private: the public way to a file log is
 * {@link FileTransactionLog}, and this class sits beside it so that its tests can inject failures.
 *
 * <p>Thread-safe.
 */
final class FileSegmentStore implements SegmentStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileTransactionLog.class);
  /** The single file of the previous, unsegmented log; adopted as the first segment. */
  static final String LEGACY_FILE_NAME = "transactions.log";
  static final String QUARANTINE = "quarantine";
  private static final Pattern SEGMENT_NAME = Pattern.compile("segment-(\\d{20})\\.wal");
  private static final Pattern GAP_MARKER = Pattern.compile("gap-(\\d{20})-(\\d{20})\\.accepted");
  /** The largest record stays what the file log always allowed: 16 MiB, plus its frame header. */
  static final int MAX_APPEND = 16 * 1024 * 1024 + 8;
  private static final Capabilities CAPABILITIES =
      new Capabilities(MAX_APPEND, Long.MAX_VALUE, true, true, Numbering.RECORD_SEQUENCE);
  /**
   * Directories this JVM holds open. Checked before the lock file is even opened: on POSIX systems
   * closing any channel to a file drops every lock this process holds on it, so a refused second
   * open in the same process must not open and close the lock file.
   */
  static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path directory;
  /** For tests: the next sync fails with this. */
  volatile @Nullable IOException injectedSyncFailure;
  /** For tests: the next append writes about half of its bytes, then fails with this (a disk filling up). */
  volatile @Nullable IOException injectedWriteFailure;

  // Guarded by this: the channel of the segment being appended to, and where it ends.
  private @Nullable FileChannel channel;
  private long channelNumber = -1;
  private long position;

  FileSegmentStore(Path directory) {
    this.directory = directory;
  }

  @Override
  public String description() {
    return directory.toString();
  }

  @Override
  public Capabilities capabilities() {
    return CAPABILITIES;
  }

  @Override
  public String locate(SegmentInfo segment) {
    return directory.resolve(segment.name()).toString();
  }

  @Override
  public WriterClaim claim(boolean takeOver) throws IOException {
    Path held = directory.toRealPath();
    if (!HELD.add(held)) {
      throw alreadyOpen();
    }
    FileChannel lockChannel = null;
    try {
      lockChannel = FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw alreadyOpen();
      }
      adoptLegacyFile();
      return new LockClaim(held, lockChannel, lock);
    } catch (IOException | RuntimeException e) {
      closeQuietly(lockChannel);
      HELD.remove(held);
      throw e;
    }
  }

  private ClaimRefusedException alreadyOpen() {
    return new ClaimRefusedException("Transaction log " + directory + " is already open in another process (or "
        + "client); only one may use a log directory at a time.");
  }

  /** A writer's lock on {@code DIR/.lock}: lost only by closing it. */
  private final class LockClaim implements WriterClaim {
    private final Path held;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private volatile boolean released;

    LockClaim(Path held, FileChannel lockChannel, FileLock lock) {
      this.held = held;
      this.lockChannel = lockChannel;
      this.lock = lock;
    }

    @Override
    public void ensureHeld() throws IOException {
      if (released || !lock.isValid()) {
        throw new ClaimLostException("Transaction log " + directory + " no longer holds its lock", null);
      }
    }

    @Override
    public void close() throws IOException {
      if (released) {
        return;
      }
      released = true;
      try {
        lock.release();
      } catch (IOException e) {
        LOG.debug("releasing lock of {}", directory, e);
      } finally {
        closeQuietly(lockChannel);
        HELD.remove(held);
      }
    }
  }

  private void adoptLegacyFile() throws IOException {
    Path legacy = directory.resolve(LEGACY_FILE_NAME);
    if (Files.isRegularFile(legacy) && segmentFiles().equals(List.of(legacy))) {
      Files.move(legacy, directory.resolve(name(0)), StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(directory);
      LOG.info("Transaction log {}: adopted {} as the first segment", directory, LEGACY_FILE_NAME);
    }
  }

  /** Segment files, oldest first; the legacy single file when there are none. */
  private List<Path> segmentFiles() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(directory)) {
      files = new ArrayList<>(list.filter(p -> SEGMENT_NAME.matcher(p.getFileName().toString()).matches())
          .sorted().toList());
    }
    if (files.isEmpty() && Files.isRegularFile(directory.resolve(LEGACY_FILE_NAME))) {
      files.add(directory.resolve(LEGACY_FILE_NAME));
    }
    return files;
  }

  @Override
  public List<SegmentInfo> list() throws IOException {
    List<SegmentInfo> out = new ArrayList<>();
    for (Path file : segmentFiles()) {
      String name = file.getFileName().toString();
      Matcher m = SEGMENT_NAME.matcher(name);
      long number = m.matches() ? Long.parseLong(m.group(1)) : 0;
      long size;
      try {
        size = Files.size(file);
      } catch (java.nio.file.NoSuchFileException e) {
        continue; // compacted by a writer beside a read-only open, between listing and looking
      }
      out.add(new SegmentInfo(number, name, size));
    }
    return out;
  }

  static String name(long number) {
    return String.format("segment-%020d.wal", number);
  }

  @Override
  public synchronized SegmentInfo create(long number) throws IOException {
    String name = name(number);
    FileChannel ch = FileChannel.open(directory.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      syncDirectory(directory);
    } catch (IOException e) {
      closeQuietly(ch);
      throw e;
    }
    closeQuietly(channel);
    channel = ch;
    channelNumber = number;
    position = 0;
    return new SegmentInfo(number, name, 0);
  }

  /** The channel of {@code segment} for appending, opened at its end when it is not the one held. */
  private FileChannel channelFor(SegmentInfo segment) throws IOException {
    if (channel == null || channelNumber != segment.number()) {
      FileChannel ch = FileChannel.open(directory.resolve(segment.name()), StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      closeQuietly(channel);
      channel = ch;
      channelNumber = segment.number();
      position = ch.size();
    }
    return channel;
  }

  @Override
  public synchronized void append(SegmentInfo segment, long expectedOffset, ByteBuffer bytes) throws IOException {
    FileChannel ch = channelFor(segment);
    if (expectedOffset != position) {
      throw new AppendPositionException("Transaction log segment " + locate(segment) + " ends at " + position
          + ", not at " + expectedOffset + " where the log meant to append", expectedOffset, position);
    }
    IOException injected = injectedWriteFailure;
    if (injected != null && bytes.remaining() > 1) {
      injectedWriteFailure = null;
      ByteBuffer part = bytes.duplicate();
      part.limit(part.position() + part.remaining() / 2);
      position += writeFully(ch, part, position);
      throw injected;
    }
    position += writeFully(ch, bytes, position);
  }

  private static int writeFully(FileChannel ch, ByteBuffer bytes, long at) throws IOException {
    int written = 0;
    while (bytes.hasRemaining()) {
      written += ch.write(bytes, at + written);
    }
    return written;
  }

  @Override
  public synchronized void sync(SegmentInfo segment) throws IOException {
    IOException injected = injectedSyncFailure;
    if (injected != null) {
      injectedSyncFailure = null;
      throw injected;
    }
    if (channel != null && channelNumber == segment.number()) {
      channel.force(false);
      return;
    }
    try (FileChannel ch = FileChannel.open(directory.resolve(segment.name()), StandardOpenOption.WRITE)) {
      ch.force(false);
    }
  }

  @Override
  public SegmentReader open(SegmentInfo segment) throws IOException {
    FileChannel ch = FileChannel.open(directory.resolve(segment.name()), StandardOpenOption.READ);
    return new SegmentReader() {
      @Override
      public long size() throws IOException {
        return ch.size();
      }

      @Override
      public int read(ByteBuffer dst, long at) throws IOException {
        return ch.read(dst, at);
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  @Override
  public synchronized boolean dropTail(SegmentInfo segment, long validLength) throws IOException {
    FileChannel ch = channelFor(segment);
    ch.truncate(validLength);
    ch.force(true);
    position = validLength;
    return true;
  }

  @Override
  public void delete(SegmentInfo segment) throws IOException {
    synchronized (this) {
      if (channelNumber == segment.number()) {
        closeQuietly(channel);
        channel = null;
        channelNumber = -1;
      }
    }
    Files.deleteIfExists(directory.resolve(segment.name()));
    syncDirectory(directory);
  }

  @Override
  public String quarantine(SegmentInfo segment) throws IOException {
    synchronized (this) {
      if (channelNumber == segment.number()) {
        closeQuietly(channel);
        channel = null;
        channelNumber = -1;
      }
    }
    Path dir = directory.resolve(QUARANTINE);
    Path target = dir.resolve(segment.name());
    for (int i = 1; Files.exists(target); i++) {
      target = dir.resolve(segment.name() + "." + i);
    }
    Files.createDirectories(dir);
    Files.move(directory.resolve(segment.name()), target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(directory);
    return target.toString();
  }

  @Override
  public String recordAcceptedGap(long first, long last, String why) throws IOException {
    Path quarantineDir = directory.resolve(QUARANTINE);
    Files.createDirectories(quarantineDir);
    Path marker = quarantineDir.resolve(String.format("gap-%020d-%020d.accepted", first, last));
    try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, ByteBuffer.wrap((why + "\n").getBytes(StandardCharsets.UTF_8)), 0);
      ch.force(true);
    }
    syncDirectory(quarantineDir);
    syncDirectory(directory);
    return marker.toString();
  }

  @Override
  public List<AcceptedGap> acceptedGaps() throws IOException {
    Path quarantineDir = directory.resolve(QUARANTINE);
    if (!Files.isDirectory(quarantineDir)) {
      return List.of();
    }
    List<AcceptedGap> ranges = new ArrayList<>();
    try (Stream<Path> list = Files.list(quarantineDir)) {
      list.forEach(p -> {
        Matcher m = GAP_MARKER.matcher(p.getFileName().toString());
        if (m.matches()) {
          ranges.add(new AcceptedGap(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
        }
      });
    }
    return ranges;
  }

  /**
   * Whether a writer holds the log, told without touching its lock (taking even a shared lock for a
   * moment could make a writer starting at that instant fail, and closing a channel to the lock
   * file drops this process's own lock): this JVM's open logs, else Linux's {@code /proc/locks}
   * (matched by the lock file's inode).
   */
  @Override
  public String writerPresence() {
    Path lockFile = directory.resolve(".lock");
    try {
      if (HELD.contains(directory.toRealPath())) {
        return "A writer in this process holds the log: its last write most likely failed part way (a full disk?) "
            + "and it refuses appends until reopened, which truncates the tail.";
      }
      if (!Files.exists(lockFile)) {
        return "No writer holds the log: the next writer's open truncates the tail.";
      }
      Object inode = Files.getAttribute(lockFile, "unix:ino");
      Path locks = Path.of("/proc/locks");
      if (inode == null || !Files.isReadable(locks)) {
        return "Whether a writer holds the log cannot be told here.";
      }
      String suffix = ":" + inode;
      for (String line : Files.readAllLines(locks)) {
        for (String field : line.trim().split("\\s+")) {
          // MAJOR:MINOR:INODE; the line's own "N:" has a single colon.
          if (field.endsWith(suffix) && field.indexOf(':') != field.lastIndexOf(':')) {
            return "A writer holds the log (" + lockFile + " is locked): its last write most likely failed part way "
                + "(a full disk?) and it refuses appends until reopened, which truncates the tail.";
          }
        }
      }
      return "No writer holds the log (" + lockFile + " is not locked): a process died while appending; the next "
          + "writer's open truncates the tail.";
    } catch (IOException | RuntimeException e) {
      return "Whether a writer holds the log cannot be told here (" + e + ").";
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(channel);
    channel = null;
    channelNumber = -1;
  }

  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // nothing more to do while closing
      }
    }
  }

  @Override
  public String toString() {
    return "FileSegmentStore{" + directory + "}";
  }
}
