package io.dualpush.testkit;

import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.TransactionLog;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileTransactionLog keeps the transaction log contract")
class FileTransactionLogContractTest extends TransactionLogContract {
  @TempDir
  Path directory;

  @Override
  protected TransactionLog createLog() {
    return FileTransactionLog.open(directory);
  }

  @Override
  protected TransactionLog reopen(TransactionLog closed) {
    return FileTransactionLog.open(directory);
  }
}
