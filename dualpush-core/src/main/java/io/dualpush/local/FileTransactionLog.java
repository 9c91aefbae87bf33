package io.dualpush.local;

import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogEntryCodec;
import io.dualpush.spi.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable, append-only transaction log in a local directory.
 *
 * <p>Each entry is framed as {@code [int length][int CRC32C][entry bytes]} in
 * {@code DIR/transactions.log} and fsynced before {@link #append} returns. On open the file is
 * replayed into a {@link TransactionIndex}: a torn tail (a bad frame, or zeros or garbage, with no
 * whole frame after it) is truncated with a warning naming the file and offset; a damaged frame
 * followed by a whole frame stops the open with an error naming file and offset, because skipping
 * it would silently lose a transaction.
 *
 * <p>Only one process may open a directory at a time: a lock file {@code DIR/.lock} is held while
 * the log is open. {@link #openReadOnly} reads without the lock, for status tools.
 *
 * <p>Thread-safe.
 */
public final class FileTransactionLog implements TransactionLog {
  private static final Logger LOG = LoggerFactory.getLogger(FileTransactionLog.class);
  static final String FILE_NAME = "transactions.log";
  private static final int HEADER = 8;
  private static final int MAX_ENTRY = 16 * 1024 * 1024;
  /**
   * Directories this JVM holds open. Checked before the lock file is even opened: on POSIX systems
   * closing any channel to a file drops every lock this process holds on it, so a refused second
   * open in the same process must not open and close the lock file.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final Path heldDirectory;
  private final TransactionIndex index;
  private final FileChannel channel;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final boolean readOnly;
  private boolean closed;

  private FileTransactionLog(Path file, Path heldDirectory, TransactionIndex index, FileChannel channel,
      FileChannel lockChannel, FileLock lock, boolean readOnly) {
    this.file = file;
    this.heldDirectory = heldDirectory;
    this.index = index;
    this.channel = channel;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.readOnly = readOnly;
  }

  /**
   * Opens (creating if needed) the log in {@code directory}, which must exist.
   *
   * @throws InvalidInputException naming {@code directory} when it is missing or not a directory
   * @throws DualPushException when another process holds the log, or the log is damaged mid-file
   */
  public static FileTransactionLog open(Path directory) {
    Path dir = checkDirectory(directory);
    Path file = dir.resolve(FILE_NAME);
    Path held = realPath(dir);
    if (!HELD.add(held)) {
      throw alreadyOpen(dir);
    }
    FileChannel lockChannel = null;
    FileChannel ch = null;
    try {
      lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw alreadyOpen(dir);
      }
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      TransactionIndex index = new TransactionIndex();
      long valid = replay(ch, file, index);
      if (valid < ch.size()) {
        LOG.warn("Transaction log {}: truncating a torn tail of {} bytes at offset {}", file, ch.size() - valid, valid);
        ch.truncate(valid);
        ch.force(true);
      }
      ch.position(valid);
      return new FileTransactionLog(file, held, index, ch, lockChannel, lock, false);
    } catch (IOException e) {
      closeQuietly(ch);
      closeQuietly(lockChannel);
      HELD.remove(held);
      throw new DualPushException("Cannot open transaction log in " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      closeQuietly(lockChannel);
      HELD.remove(held);
      throw e;
    }
  }

  private static DualPushException alreadyOpen(Path dir) {
    return new DualPushException("Transaction log " + dir + " is already open in another process (or client); "
        + "only one may use a log directory at a time.");
  }

  private static Path realPath(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      throw new DualPushException("Cannot open transaction log in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the log in {@code directory} without locking it or repairing a torn tail; appends fail.
   * For status tools that run beside a live process.
   */
  public static FileTransactionLog openReadOnly(Path directory) {
    Path dir = checkDirectory(directory);
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      throw new InvalidInputException("directory", "'directory' holds no transaction log: " + dir);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      TransactionIndex index = new TransactionIndex(Integer.MAX_VALUE);
      replay(ch, file, index);
      return new FileTransactionLog(file, null, index, null, null, null, true);
    } catch (IOException e) {
      throw new DualPushException("Cannot read transaction log in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Path checkDirectory(Path directory) {
    InvalidInputException.requireNonNull(directory, "directory");
    Path dir = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InvalidInputException("directory", "'directory' for the transaction log does not exist or is not a directory: " + dir);
    }
    return dir;
  }

  /** Replays every whole frame into {@code index}; returns the offset after the last good frame. */
  private static long replay(FileChannel ch, Path file, TransactionIndex index) throws IOException {
    long size = ch.size();
    long pos = 0;
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    CRC32C crc = new CRC32C();
    while (pos < size) {
      if (size - pos < HEADER) {
        return pos;
      }
      header.clear();
      readFully(ch, header, pos);
      header.flip();
      int length = header.getInt();
      int checksum = header.getInt();
      if (length <= 0 || length > MAX_ENTRY) {
        return tornTail(ch, file, pos, size, "implausible entry length " + length);
      }
      if (pos + HEADER + length > size) {
        return tornTail(ch, file, pos, size, "entry of " + length + " bytes runs past the end");
      }
      ByteBuffer body = ByteBuffer.allocate(length);
      readFully(ch, body, pos + HEADER);
      crc.reset();
      crc.update(body.array(), 0, length);
      long next = pos + HEADER + length;
      if ((int) crc.getValue() != checksum) {
        return tornTail(ch, file, pos, size, "checksum mismatch");
      }
      LogEntry entry;
      try {
        entry = LogEntryCodec.decode(body.array());
      } catch (IllegalArgumentException e) {
        throw corrupt(file, pos, e.getMessage());
      }
      index.apply(entry);
      pos = next;
    }
    return pos;
  }

  /**
   * A bad frame at {@code pos} is a torn tail (the process died while appending it, or the file
   * grew without its data landing: zeros or stale bytes) only when no whole frame follows it.
   * When one does, the damage is mid-file and truncating would silently drop what follows.
   */
  private static long tornTail(FileChannel ch, Path file, long pos, long size, String why) throws IOException {
    if (wholeFrameAfter(ch, pos + 1, size)) {
      throw corrupt(file, pos, why);
    }
    return pos;
  }

  /** Whether a frame with a plausible length and a matching checksum starts anywhere in [from, size). */
  private static boolean wholeFrameAfter(FileChannel ch, long from, long size) throws IOException {
    ByteBuffer window = ByteBuffer.allocate(64 * 1024);
    CRC32C crc = new CRC32C();
    long base = from;
    while (size - base >= HEADER) {
      window.clear();
      window.limit((int) Math.min(window.capacity(), size - base));
      readFully(ch, window, base);
      int candidates = window.limit() - HEADER + 1;
      for (int i = 0; i < candidates; i++) {
        int length = window.getInt(i);
        long at = base + i;
        if (length <= 0 || length > MAX_ENTRY || at + HEADER + length > size) {
          continue;
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        readFully(ch, body, at + HEADER);
        crc.reset();
        crc.update(body.array(), 0, length);
        if ((int) crc.getValue() == window.getInt(i + 4)) {
          return true;
        }
      }
      base += candidates;
    }
    return false;
  }

  private static DualPushException corrupt(Path file, long offset, String why) {
    return new DualPushException("Transaction log " + file + " is damaged at offset " + offset + " (" + why
        + ") and valid entries follow; refusing to skip them. Restore the file or move it aside.");
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  @Override
  public void append(LogEntry entry) {
    byte[] body = LogEntryCodec.encode(entry);
    CRC32C crc = new CRC32C();
    crc.update(body, 0, body.length);
    ByteBuffer frame = ByteBuffer.allocate(HEADER + body.length);
    frame.putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
    synchronized (this) {
      if (readOnly) {
        throw new DualPushException("Transaction log " + file + " was opened read-only");
      }
      if (closed) {
        throw new DualPushException("Transaction log " + file + " is closed");
      }
      try {
        while (frame.hasRemaining()) {
          channel.write(frame);
        }
        channel.force(false);
      } catch (IOException e) {
        throw new DualPushException("Cannot append to transaction log " + file + ": " + e.getMessage(), e);
      }
      index.apply(entry);
    }
  }

  @Override
  public Optional<TransactionRecord> read(String transactionId) {
    return index.get(transactionId);
  }

  @Override
  public Optional<TransactionRecord> latest(String key) {
    return index.latest(key);
  }

  @Override
  public List<TransactionRecord> open() {
    return index.open();
  }

  @Override
  public List<TransactionRecord> recent(int limit) {
    return index.recent(limit);
  }

  @Override
  public void checkpoint() {
    // This log keeps one file; segment compaction arrives with the segmented log.
  }

  /** The log file. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (readOnly) {
      return;
    }
    try {
      channel.force(true);
    } catch (IOException e) {
      LOG.warn("Transaction log {}: final fsync failed: {}", file, e.toString());
    }
    closeQuietly(channel);
    try {
      lock.release();
    } catch (IOException e) {
      LOG.debug("releasing lock of {}", file, e);
    }
    closeQuietly(lockChannel);
    HELD.remove(heldDirectory);
  }

  private static void closeQuietly(AutoCloseable c) {
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
    return "FileTransactionLog{" + file + "}";
  }
}
