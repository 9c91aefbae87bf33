package io.dualpush.testkit;

import io.dualpush.spi.TransactionLog;
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
}
