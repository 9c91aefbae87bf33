package io.dualpush.benchmarks;

import io.dualpush.DualPushException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.log.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.util.List;
import java.util.Optional;

/**
 * The testkit's {@code InMemoryTransactionLog} without its list of every entry ever appended. That
 * list exists so tests can assert on what was durable and {@code reopen()}; its {@code checkpoint()}
 * is a no-op, so over a long benchmark it grows by three entries a push without bound. This log keeps
 * only the {@link TransactionIndex} fold (every open transaction plus the most recent terminal ones),
 * which is the same view the engine reads from the testkit log, so memory stays flat under load.
 * Thread-safe.
 */
final class BoundedInMemoryTransactionLog implements TransactionLog {
  private final TransactionIndex index;
  private volatile boolean closed;

  /** Keeps up to {@code terminalRetention} finished transactions, as {@link TransactionIndex} does. */
  BoundedInMemoryTransactionLog(int terminalRetention) {
    this.index = new TransactionIndex(terminalRetention);
  }

  @Override
  public void append(LogEntry entry) {
    if (closed) {
      throw new DualPushException("bounded in-memory transaction log is closed");
    }
    index.apply(entry);
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
    // The index already drops the oldest terminal transactions past its retention.
  }

  @Override
  public void close() {
    closed = true;
  }
}
