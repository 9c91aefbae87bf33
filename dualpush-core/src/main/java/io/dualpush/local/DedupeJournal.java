package io.dualpush.local;

import io.dualpush.TransactionLogCorruptedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only files a {@link FileDedupeStore} remembers done message ids in:
 * {@code DIR/journal-<20 digits>.dj}, each a run of records {@code [length:int][crc32c:int][entry]}
 * (an entry as {@link DoneIds} holds it, its expiry first). A file rolls over at
 * {@link #ROLL_BYTES}, fsynced before the next is created; a file whose every entry expired is
 * deleted whole, so the journal compacts itself without rewriting anything (entries of one store
 * share one TTL, so they expire roughly in the order they were written).
 *
 * <p>Appends are buffered in memory and written by {@link #writeThrough} (the store's
 * {@link FileDedupeStore#markDone} before it returns) or {@link #flush()}; {@link #sync()} fsyncs (the store's
 * flusher every {@link FileDedupeStore#FLUSH_INTERVAL}). Writes are a group commit: one writer at a time takes
 * everything buffered so far and writes it outside the buffer's lock, so appends go on meanwhile and markers that
 * arrive during a write share the next one.
 * Reading follows the transaction log's policy (G8): a torn tail of the last file (a cut-short,
 * zeroed or garbage record with no whole record after it: the process died while writing) is
 * truncated with a warning; any other damage stops the open with a
 * {@link TransactionLogCorruptedException}, because skipping it could forget ids and push twice.
 *
 * <p>Thread-safe: the buffer and the files' expiries are guarded by this object's monitor, writes to the file
 * (and roll-overs) by a lock of their own; {@link #sync()} may run beside them (a {@code FileChannel} is safe to
 * force while another thread writes).
 */
final class DedupeJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DedupeJournal.class);
  private static final Pattern NAME = Pattern.compile("journal-(\\d{20})\\.dj");
  /** A file rolls over once it holds this many bytes. */
  static final long ROLL_BYTES = 16L << 20;
  /**
   * No entry is longer (the engine's are about 100 bytes; {@link FileDedupeStore#markDone} refuses
   * longer ones): a longer length read back is damage.
   */
  static final int MAX_ENTRY = 1 << 20;

  private final Path directory;
  private final long rollBytes;
  /** Each file's number and the latest expiry of its entries (epoch millis). */
  private final TreeMap<Long, Long> expiries = new TreeMap<>();
  /** Held while writing to the file or rolling it over: one writer at a time, in append order. */
  private final ReentrantLock writer = new ReentrantLock();
  private volatile FileChannel channel;
  private long number;
  /** Bytes in the current file; under {@link #writer}. */
  private long written;
  private ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
  /** The previous write's buffer, for the next batch (under the monitor). */
  private ByteBuffer spare = ByteBuffer.allocate(64 << 10);
  /** A batch whose write failed part-way (under {@link #writer}): written first by the next writer. */
  private ByteBuffer unwritten;
  /** How many entries were appended, ever (under the monitor). */
  private long appended;
  /** How many of them reached the file (the page cache). */
  private volatile long writtenThrough;
  private volatile boolean dirty;

  private DedupeJournal(Path directory, long rollBytes) {
    this.directory = directory;
    this.rollBytes = rollBytes;
  }

  /**
   * Reads every file in {@code directory} (created when missing) oldest first, handing each entry
   * that has not expired at {@code nowMillis} to {@code entries} in the order written; appends then
   * go to the last file, or to a new one when it is full (files roll over at {@code rollBytes}).
   */
  static DedupeJournal open(Path directory, long rollBytes, long nowMillis, Consumer<byte[]> entries) {
    DedupeJournal j = new DedupeJournal(directory, rollBytes);
    try {
      Files.createDirectories(directory);
      List<Long> numbers = new ArrayList<>();
      try (Stream<Path> list = Files.list(directory)) {
        list.forEach(p -> {
          var m = NAME.matcher(p.getFileName().toString());
          if (m.matches()) {
            numbers.add(Long.parseLong(m.group(1)));
          }
        });
      }
      numbers.sort(null);
      for (int i = 0; i < numbers.size(); i++) {
        long n = numbers.get(i);
        j.expiries.put(n, j.read(n, i == numbers.size() - 1, nowMillis, entries));
      }
      long last = numbers.isEmpty() ? -1 : numbers.get(numbers.size() - 1);
      long lastSize = last < 0 ? rollBytes : Files.size(j.file(last));
      if (lastSize < rollBytes && (lastSize == 0 || j.expiries.get(last) > nowMillis)) {
        // Appends go on in the last file (read whole, its torn tail cut) while it has room and live
        // entries, so that a process that opens the log often, such as a command line, does not
        // leave a file per run; a file whose entries all expired is left to be deleted.
        j.number = last;
        j.channel = FileChannel.open(j.file(j.number), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        j.written = lastSize;
      } else {
        j.number = last + 1;
        j.channel = j.create(j.number);
      }
      j.deleteExpired(nowMillis);
      return j;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the dedupe journal in " + directory + ": " + e, e);
    }
  }

  /**
   * Buffers {@code entry} for the next write; returns its sequence number, which {@link #writeThrough} takes.
   * The buffer grows as needed: a caller appending many entries at once (the open's merge) flushes now and then.
   */
  synchronized long append(byte[] entry) {
    if (buffer.remaining() < entry.length + 8) {
      ByteBuffer larger = ByteBuffer.allocate(Math.max(2 * buffer.capacity(), buffer.position() + entry.length + 8));
      buffer.flip();
      larger.put(buffer);
      buffer = larger;
    }
    CRC32C crc = new CRC32C();
    crc.update(entry);
    buffer.putInt(entry.length).putInt((int) crc.getValue()).put(entry);
    expiries.merge(number, DoneIds.expiresAt(entry), Math::max);
    return ++appended;
  }

  /**
   * Writes what is buffered to the file (the operating system's page cache: it survives a crash of
   * this process), rolling over first when the file is full.
   */
  void flush() {
    long upTo;
    synchronized (this) {
      upTo = appended;
    }
    writeThrough(upTo);
  }

  /**
   * Returns once the entry of sequence number {@code seq} (and every one before it) is written to the file: at
   * once when another writer already did, else as the writer of everything buffered by then (group commit).
   *
   * @throws UncheckedIOException when the write failed; the batch is written first by the next writer
   */
  void writeThrough(long seq) {
    if (writtenThrough >= seq) {
      return;
    }
    writer.lock();
    try {
      if (writtenThrough >= seq) {
        return; // a writer before us took our entry with its batch
      }
      if (unwritten != null) {
        write(unwritten);
        unwritten = null;
      }
      ByteBuffer batch;
      long upTo;
      synchronized (this) {
        batch = buffer;
        buffer = spare != null ? spare : ByteBuffer.allocate(64 << 10);
        spare = null;
        upTo = appended;
      }
      batch.flip();
      try {
        write(batch);
      } catch (IOException | RuntimeException e) {
        unwritten = batch; // its position says how much reached the file: the rest goes first next time
        throw e;
      }
      batch.clear();
      synchronized (this) {
        if (batch.capacity() <= 1 << 20) {
          spare = batch;
        }
      }
      writtenThrough = upTo;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the dedupe journal in " + directory + ": " + e, e);
    } finally {
      writer.unlock();
    }
  }

  /** Writes {@code batch}'s remaining bytes, rolling over first when the file is full; under {@link #writer}. */
  private void write(ByteBuffer batch) throws IOException {
    if (!batch.hasRemaining()) {
      return;
    }
    if (written >= rollBytes) {
      roll();
    }
    while (batch.hasRemaining()) {
      written += channel.write(batch);
    }
    dirty = true;
  }

  /** Fsyncs what {@link #flush()} wrote, if anything since the last sync. */
  void sync() throws IOException {
    if (dirty) {
      dirty = false;
      try {
        channel.force(false);
      } catch (java.nio.channels.ClosedChannelException e) {
        // A roll-over closed the file in between, after forcing it itself.
      }
    }
  }

  /** Drops the files whose every entry expired at or before {@code nowMillis}, the current one aside. */
  synchronized void deleteExpired(long nowMillis) throws IOException {
    boolean deleted = false;
    for (var it = expiries.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey() != number && e.getValue() <= nowMillis) {
        Files.deleteIfExists(file(e.getKey()));
        it.remove();
        deleted = true;
      }
    }
    if (deleted) {
      FileSegmentStore.syncDirectory(directory);
    }
  }

  /** The journal's files, oldest first. */
  synchronized List<Path> files() {
    return expiries.keySet().stream().map(this::file).toList();
  }

  @Override
  public void close() {
    try {
      flush();
      sync();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot close the dedupe journal in " + directory + ": " + e, e);
    }
  }

  /** Closes the file without writing what is buffered, as a killed process would leave it. */
  void abandon() throws IOException {
    channel.close();
  }

  /** Under {@link #writer}. */
  private void roll() throws IOException {
    channel.force(false);
    channel.close();
    long next;
    synchronized (this) {
      next = number + 1;
    }
    FileChannel c = create(next);
    synchronized (this) {
      // The batch's entries were counted in the old file's expiry and go to the new file: both keep
      // the latest expiry, which at worst keeps the old file a little longer.
      expiries.put(next, expiries.getOrDefault(number, Long.MIN_VALUE));
      number = next;
    }
    channel = c;
    written = 0;
  }

  private FileChannel create(long n) throws IOException {
    FileChannel c = FileChannel.open(file(n), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileSegmentStore.syncDirectory(directory);
    synchronized (this) {
      expiries.putIfAbsent(n, Long.MIN_VALUE);
    }
    return c;
  }

  private Path file(long n) {
    return directory.resolve(String.format("journal-%020d.dj", n));
  }

  /** Reads one file; returns the latest expiry in it. */
  private long read(long n, boolean last, long nowMillis, Consumer<byte[]> entries) throws IOException {
    Path path = file(n);
    byte[] all = Files.readAllBytes(path);
    ByteBuffer in = ByteBuffer.wrap(all);
    long max = Long.MIN_VALUE;
    while (in.hasRemaining()) {
      int at = in.position();
      byte[] entry = record(all, at);
      if (entry == null) {
        String reason = all.length - at < 8 ? "cut short" : "checksum mismatch or bad length";
        if (!last) {
          throw corrupted(path, at, reason + " in a journal file that is not the last (it was fsynced whole)");
        }
        for (int k = at + 1; k + 8 <= all.length; k++) {
          if (record(all, k) != null) {
            throw corrupted(path, at, reason + ", with a whole record after it at offset " + k);
          }
        }
        LOG.warn("Dedupe journal {}: torn tail at offset {} of {} ({}, {} byte(s)): truncated; the ids it held are"
            + " recovered from the transaction log", directory, at, path.getFileName(), reason, all.length - at);
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE)) {
          c.truncate(at);
          c.force(true);
        }
        break;
      }
      in.position(at + 8 + entry.length);
      long expires = DoneIds.expiresAt(entry);
      max = Math.max(max, expires);
      if (expires > nowMillis) {
        entries.accept(entry);
      }
    }
    return max;
  }

  /** The entry of the whole, valid record at {@code at}, or null. */
  private static byte[] record(byte[] all, int at) {
    if (all.length - at < 8) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    int length = b.getInt(at);
    if (length < 12 || length > MAX_ENTRY || length > all.length - at - 8) {
      return null;
    }
    CRC32C crc = new CRC32C();
    crc.update(all, at + 8, length);
    if ((int) crc.getValue() != b.getInt(at + 4)) {
      return null;
    }
    byte[] entry = new byte[length];
    System.arraycopy(all, at + 8, entry, 0, length);
    return DoneIds.wellFormed(entry) ? entry : null;
  }

  private TransactionLogCorruptedException corrupted(Path path, int offset, String reason) {
    String name = path.getFileName().toString();
    return new TransactionLogCorruptedException("Dedupe journal " + directory + " is damaged: " + name + " at offset "
        + offset + ": " + reason + ". Skipping it could forget message ids and push them twice, so the open stops."
        + " Restore the file, or move it aside to accept that its ids are forgotten (those the transaction log still"
        + " holds are recovered from it).", directory.toString(), name, offset, reason);
  }
}
