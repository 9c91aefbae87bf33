package io.dualpush.testkit;

import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.TransactionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileTransactionLog keeps the transaction log contract")
class FileTransactionLogContractTest extends TransactionLogContract {
  @TempDir
  Path directory;

  /** Small segments, so the contract's tests run across several. */
  private FileTransactionLog openLog() {
    return FileTransactionLog.builder(directory).segmentSize(4096).open();
  }

  @Override
  protected TransactionLog createLog() {
    return openLog();
  }

  @Override
  protected TransactionLog reopen(TransactionLog closed) {
    return openLog();
  }

  @Override
  protected TransactionLog crashAndReopen(TransactionLog log) {
    ((FileTransactionLog) log).simulateCrashForTesting();
    return openLog();
  }

  @Override
  protected void truncateTail(TransactionLog closedLog, int bytes) {
    List<Path> segments = ((FileTransactionLog) closedLog).segments();
    Path last = segments.get(segments.size() - 1);
    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected int threads() {
    return 64;
  }
}
