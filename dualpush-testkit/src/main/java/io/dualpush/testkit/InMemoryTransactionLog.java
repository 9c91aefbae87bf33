package io.dualpush.testkit;

import io.dualpush.DualPushException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.log.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@link TransactionLog} in memory: every entry is kept in order, so a test can read what was
 * durable at any moment ({@link #entries()}) and simulate a restart with {@link #reopen()}.
 * Thread-safe.
 */
public final class InMemoryTransactionLog implements TransactionLog {
  private final List<LogEntry> entries;
  private final TransactionIndex index = new TransactionIndex();
  private volatile boolean closed;

  /** An empty log. */
  public InMemoryTransactionLog() {
    this.entries = new ArrayList<>();
  }

  private InMemoryTransactionLog(List<LogEntry> entries) {
    this.entries = new ArrayList<>(entries);
    for (LogEntry e : entries) {
      index.apply(e);
    }
  }

  @Override
  public void append(LogEntry entry) {
    synchronized (this) {
      if (closed) {
        throw new DualPushException("in-memory transaction log is closed");
      }
      entries.add(entry);
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
  public OpenPage openPage(long position, int limit) {
    return index.openPage(position, limit);
  }

  @Override
  public OpenSummary openSummary() {
    return index.openSummary();
  }

  @Override
  public List<TransactionRecord> deadLettered() {
    return index.deadLettered();
  }

  @Override
  public List<TransactionRecord> recent(int limit) {
    return index.recent(limit);
  }

  @Override
  public void checkpoint() {
    // Nothing to compact: memory is the test's to bound.
  }

  @Override
  public void close() {
    closed = true;
  }

  /**
   * Every entry appended so far, in order.
   *
   * @return a copy of the entries
   */
  public synchronized List<LogEntry> entries() {
    return List.copyOf(entries);
  }

  /**
   * What a process restarting after a crash would see: every appended entry is durable here, so
   * this is {@link #reopen()}, after which this log refuses appends.
   *
   * @return the reopened log
   */
  public InMemoryTransactionLog crashAndReopen() {
    closed = true;
    return reopen();
  }

  /**
   * Drops the last appended entry, as a crash that tore its record would (for the contract's crash
   * tier); call it on a closed log, then {@link #reopen()}.
   */
  public synchronized void dropLastEntry() {
    if (!entries.isEmpty()) {
      entries.remove(entries.size() - 1);
    }
  }

  /**
   * A new log holding the same entries, as a process restarting on the same storage would see.
   *
   * @return the new log, its index rebuilt from the entries
   */
  public synchronized InMemoryTransactionLog reopen() {
    return new InMemoryTransactionLog(entries);
  }
}
