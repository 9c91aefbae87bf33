package io.dualpush.testkit;

import io.dualpush.spi.TransactionLog;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;

@DisplayName("InMemoryTransactionLog keeps the transaction log contract")
class InMemoryTransactionLogTest extends TransactionLogContract {
  @Override
  protected TransactionLog createLog() {
    return new InMemoryTransactionLog();
  }

  @Override
  protected TransactionLog reopen(TransactionLog closed) {
    return ((InMemoryTransactionLog) closed).reopen();
  }

  @Override
  protected TransactionLog crashAndReopen(TransactionLog log) {
    return ((InMemoryTransactionLog) log).crashAndReopen();
  }

  @Override
  protected void truncateTail(TransactionLog closedLog, int bytes) {
    ((InMemoryTransactionLog) closedLog).dropLastEntry();
  }

  /**
   * Opts out of the power-loss tier: an in-memory log keeps no bytes on a disk, so there is nothing
   * a power cut could lose short of everything (a fresh process starts empty), and nothing to build
   * over a simulated disk. Its {@code crashAndReopen} keeps every entry, as a process crash does.
   */
  @Override
  protected Optional<PowerLossLogFactory> powerLossLogFactory() {
    return Optional.empty();
  }
}
