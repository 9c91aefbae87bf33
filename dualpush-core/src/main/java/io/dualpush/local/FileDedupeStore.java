package io.dualpush.local;

import io.dualpush.InvalidInputException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link DedupeStore} beside a {@link FileTransactionLog}: message ids marked
 * done are remembered across restarts, within their TTL, in a journal in {@code <log dir>/dedupe/}
 * (guarantee G3 across a restart). {@code DualPushClientBuilder} uses it when the transaction log is
 * a {@code FileTransactionLog} and no dedupe store is set; it is closed with the client.
 *
 * <h2>What is remembered, and what a crash or a power cut can lose</h2>
 * On open the store reads the journal (every id marked done whose TTL has not run out) and merges
 * the message ids of the transactions the log holds: every open and dead-lettered one, a page at a
 * time, and the 16,384 most recently started. An open transaction's id answers {@code DUPLICATE}
 * with that transaction, which recovery resumes; a finished one's id is remembered for the TTL from
 * the transaction's last update. What it merged is written to the journal and fsynced before the
 * open returns, so the log may compact those transactions afterwards.
 *
 * <p><b>Process death loses no mark.</b> {@link #markDone} returns only once its entry is written to
 * the journal file, that is to the operating system's page cache, which outlives the process: after a
 * SIGKILL, an OOM kill or a JVM crash, every id whose {@code markDone} returned answers
 * {@code DUPLICATE}. The write is a group commit: markers that arrive while one write runs share the
 * next, so concurrent markers cost one {@code write} call per batch, not one each.
 *
 * <p><b>A power cut can lose the last {@link #FLUSH_INTERVAL} of marks</b>: no mark waits for an
 * fsync; the flusher fsyncs every interval. An fsync per mark (even grouped) would put a disk flush
 * on every message a single thread processes, which is most of a push's cost, to cover a window that
 * is covered elsewhere: a push's id is still remembered, because the log made its transaction's
 * {@code Started} record durable before any destination was touched and that record carries the
 * message id: the log holds the transaction on the next open while it is open, and once finished
 * among its {@code terminalRetention} most recent (10,000 by default, against one flush interval's
 * worth of marks), which are also among the most recently started unless one push ran while more than
 * 16,384 others started; its segments are compacted only after two newer segments (64 MiB each by
 * default) filled. A log opened with a far smaller retention or segments weakens this for the last
 * marks before a power cut. A {@link io.dualpush.MessageProcessor} message has no transaction: after a
 * power cut within the interval its id can be claimed again, and the handler then runs with
 * {@link io.dualpush.MessageContext#redelivered()} true (its write-ahead copy is durable), which it
 * must handle anyway for a worker that died between its side effect and its mark.
 *
 * <p>In-progress claims are not journaled: a claim whose push never made its {@code Started} record
 * durable processed nothing, so after a restart the id may be pushed again; one that did is an open
 * transaction of the log (see above).
 *
 * <p>Memory: the done ids are held compactly (about 131 bytes per id with the engine's outcomes;
 * see {@code DoneIds}); expired ones are dropped as new ones arrive, and journal files whose every
 * entry expired are deleted. A damaged journal is handled as the log handles its own damage (G8): a
 * torn tail is truncated with a warning, anything else stops the open with a
 * {@link io.dualpush.TransactionLogCorruptedException}.
 *
 * <pre>{@code
 * FileDedupeStore store = FileDedupeStore.open(log, Duration.ofDays(7), Clock.systemUTC());
 * builder.transactionLog(log).dedupeStore(store); // close the store after the client
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class FileDedupeStore implements DedupeStore, AutoCloseable {
  /** How often buffered entries are written to the journal and fsynced. */
  public static final Duration FLUSH_INTERVAL = Duration.ofMillis(200);
  private static final Logger LOG = LoggerFactory.getLogger(FileDedupeStore.class);
  /** Entries merged on open between two writes. */
  private static final int FLUSH_RECORDS = 256;
  /** How many of the log's most recently started transactions are merged on open, finished or not. */
  static final int RECENT_MERGED = 16_384;

  private final Clock clock;
  private final Path directory;
  private final DoneIds done;
  private final Map<String, Instant> claims = new HashMap<>();
  private final DedupeJournal journal;
  private final ScheduledExecutorService flusher;
  private int nextPurge = 1024;
  private boolean closed;

  private FileDedupeStore(Clock clock, Path directory, DoneIds done, DedupeJournal journal) {
    this.clock = clock;
    this.done = done;
    this.directory = directory;
    this.journal = journal;
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualpush-dedupe-journal " + directory);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the store of {@code log}'s directory ({@code <log dir>/dedupe/}, created when missing),
   * merging the message ids of the transactions {@code log} holds.
   *
   * @param log the open (writable) file log whose transactions' ids to remember
   * @param ttl how long an id merged from the log is remembered after its transaction's last update:
   *     the client's {@code dedupeTtl}
   * @param clock the clock entries expire by
   * @return the open store; close it after the client that uses it
   * @throws InvalidInputException naming the argument that is null, or {@code ttl} when not positive
   * @throws io.dualpush.TransactionLogCorruptedException when the journal is damaged other than at its tail
   * @throws UncheckedIOException when the journal cannot be read or written
   */
  public static FileDedupeStore open(FileTransactionLog log, Duration ttl, Clock clock) {
    InvalidInputException.requireNonNull(log, "log");
    InvalidInputException.requireNonNull(ttl, "ttl");
    InvalidInputException.requireNonNull(clock, "clock");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new InvalidInputException("ttl", "ttl must be positive; got " + ttl);
    }
    return open(log.directory().resolve("dedupe"), held(log), ttl, clock, DedupeJournal.ROLL_BYTES);
  }

  /**
   * The transactions of {@code log} whose ids to merge, a page at a time: every open one (a long
   * outage may hold a million, so never all at once), every dead-lettered one, and the
   * {@link #RECENT_MERGED} most recently started, which hold every finished one whose entry a crash can
   * have caught unwritten (see the class documentation).
   */
  private static Consumer<Consumer<TransactionRecord>> held(FileTransactionLog log) {
    return sink -> {
      long position = 0;
      while (true) {
        OpenPage page = log.openPage(position, 1024);
        page.transactions().forEach(sink);
        if (page.last()) {
          break;
        }
        position = page.next();
      }
      log.deadLettered().forEach(sink);
      log.recent(RECENT_MERGED).forEach(sink);
    };
  }

  /**
   * Opens the journal in {@code directory} (its files rolling over at {@code rollBytes}) and merges
   * the ids of the transactions {@code held} hands over; where two hold one id, the first handed over
   * is kept.
   */
  static FileDedupeStore open(Path directory, Consumer<Consumer<TransactionRecord>> held, Duration ttl, Clock clock,
      long rollBytes) {
    DoneIds done = new DoneIds();
    long now = clock.millis();
    DedupeJournal journal = DedupeJournal.open(directory, rollBytes, now, done::put);
    FileDedupeStore store = new FileDedupeStore(clock, directory, done, journal);
    int[] merged = new int[1];
    try {
      held.accept(r -> {
        String messageId = r.start().messageId();
        if (messageId.isEmpty() || done.get(messageId) != null) {
          return; // no id, or the journal's own entry (or an earlier merged transaction's)
        }
        long expires = r.updatedAt().plus(ttl).toEpochMilli();
        if (expires > now) {
          byte[] entry = DoneIds.entry(messageId,
              new DedupeOutcome(r.transactionId(), r.md5(), r.size()).encode(), expires);
          done.put(entry);
          if (journal.append(entry) % FLUSH_RECORDS == 0) {
            journal.flush();
          }
          merged[0]++;
        }
      });
      journal.flush();
      journal.sync();
    } catch (IOException e) {
      abandon(store, e);
      throw new UncheckedIOException("Cannot sync the dedupe journal in " + directory + ": " + e, e);
    } catch (RuntimeException | Error e) {
      abandon(store, e);
      throw e;
    }
    LOG.info("Dedupe store {}: {} message id(s) remembered, {} of them from the transaction log", directory,
        store.done.size(), merged[0]);
    long period = FLUSH_INTERVAL.toMillis();
    store.flusher.scheduleWithFixedDelay(store::flushAndSync, period, period, TimeUnit.MILLISECONDS);
    return store;
  }

  /** Leaves nothing half-open behind an open that fails: the build that opened the store fails with {@code cause}. */
  private static void abandon(FileDedupeStore store, Throwable cause) {
    store.flusher.shutdownNow();
    try {
      store.journal.abandon();
    } catch (IOException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  @Override
  public synchronized DedupeClaim claim(String messageId, Duration claimTtl) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    InvalidInputException.requireNonNull(claimTtl, "claimTtl");
    Instant now = clock.instant();
    long nowMillis = now.toEpochMilli();
    purge(nowMillis, now);
    byte[] e = done.get(messageId);
    if (e != null && DoneIds.expiresAt(e) > nowMillis) {
      return DedupeClaim.duplicate(DoneIds.outcome(e));
    }
    Instant claimed = claims.get(messageId);
    if (claimed != null && claimed.isAfter(now)) {
      return DedupeClaim.inProgress();
    }
    claims.put(messageId, now.plus(claimTtl));
    return DedupeClaim.claimed();
  }

  @Override
  public boolean supportsPeek() {
    return true;
  }

  /**
   * Answers from memory as {@link #claim} would, without claiming, purging or writing anything: an
   * unexpired done entry is {@code DUPLICATE}, an unexpired claim of this store {@code IN_PROGRESS}.
   * Claims are not journaled, so a claim held by another process is not seen (nor does the store
   * share claims with one).
   */
  @Override
  public synchronized Optional<DedupeClaim> peek(String messageId) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    Instant now = clock.instant();
    byte[] e = done.get(messageId);
    if (e != null && DoneIds.expiresAt(e) > now.toEpochMilli()) {
      return Optional.of(DedupeClaim.duplicate(DoneIds.outcome(e)));
    }
    Instant claimed = claims.get(messageId);
    if (claimed != null && claimed.isAfter(now)) {
      return Optional.of(DedupeClaim.inProgress());
    }
    return Optional.empty();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Returns once the entry is written to the journal file (the operating system's page cache), so a process
   * killed after it returned, by SIGKILL or a JVM crash, keeps the mark; markers that arrive while another's entry
   * is being written share the next write (group commit). The fsync follows within {@link #FLUSH_INTERVAL}: see the
   * class documentation for what a power cut can lose.
   *
   * @throws UncheckedIOException when the entry could not be written to the journal (the id is remembered in
   *     memory, and the entry is written with the next mark that succeeds)
   * @throws IllegalStateException when the store is closed
   */
  @Override
  public void markDone(String messageId, String outcome, Duration ttl) {
    // Buffered under the store's lock, written outside it: claims go on while the write runs.
    journal.writeThrough(buffer(messageId, outcome, ttl));
  }

  private synchronized long buffer(String messageId, String outcome, Duration ttl) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    InvalidInputException.requireNonNull(outcome, "outcome");
    InvalidInputException.requireNonNull(ttl, "ttl");
    if (closed) {
      throw new IllegalStateException("The dedupe store " + directory + " is closed");
    }
    byte[] entry = DoneIds.entry(messageId, outcome, clock.instant().plus(ttl).toEpochMilli());
    if (entry.length > DedupeJournal.MAX_ENTRY) {
      // A record the journal could not read back would look like damage on the next open.
      throw new InvalidInputException("outcome", "message id and outcome together cannot exceed "
          + DedupeJournal.MAX_ENTRY + " bytes; got " + entry.length);
    }
    done.put(entry);
    claims.remove(messageId);
    return journal.append(entry);
  }

  @Override
  public synchronized void release(String messageId) {
    claims.remove(messageId);
  }

  /**
   * How many message ids are remembered as done, expired ones not yet dropped included.
   *
   * @return the number of done ids held
   */
  public synchronized int size() {
    return done.size();
  }

  /**
   * The journal's directory.
   *
   * @return {@code <log dir>/dedupe}
   */
  public Path directory() {
    return directory;
  }

  /**
   * Writes and fsyncs every buffered entry, stops the flusher and closes the journal. Later
   * {@link #markDone} calls fail; claims still answer from memory. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    flusher.shutdown();
    try {
      flusher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      journal.close();
    }
  }

  /**
   * <b>For tests only.</b> Abandons the store as a killed process would: entries not yet written
   * to the journal are lost, nothing more is written.
   */
  void simulateCrashForTesting() {
    synchronized (this) {
      closed = true;
    }
    flusher.shutdownNow();
    try {
      flusher.awaitTermination(10, TimeUnit.SECONDS);
      journal.abandon();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "FileDedupeStore{" + directory + "}";
  }

  private void flushAndSync() {
    try {
      synchronized (this) {
        if (closed) {
          return;
        }
      }
      // Outside the lock: claims and marks go on while the disk syncs. Every mark wrote its entry itself; this
      // writes one that a failed write left behind.
      journal.flush();
      journal.sync();
    } catch (IOException | RuntimeException e) {
      // The next round tries again; the entries are still covered by the log's records meanwhile.
      LOG.error("Dedupe store {}: writing the journal failed; retrying in {}", directory, FLUSH_INTERVAL, e);
    }
  }

  private void purge(long nowMillis, Instant now) {
    // Amortised, as InProcessDedupeStore: sweep once the held entries doubled since the last sweep.
    if (done.size() + claims.size() < nextPurge) {
      return;
    }
    done.dropExpired(nowMillis);
    for (Iterator<Instant> it = claims.values().iterator(); it.hasNext(); ) {
      if (!it.next().isAfter(now)) {
        it.remove();
      }
    }
    nextPurge = Math.max(1024, 2 * (done.size() + claims.size()));
    try {
      journal.deleteExpired(nowMillis);
    } catch (IOException e) {
      LOG.warn("Dedupe store {}: could not delete an expired journal file; trying again later", directory, e);
    }
  }
}
