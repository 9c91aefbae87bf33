package io.dualpush.testkit;

import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.DedupeStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileDedupeStore keeps the dedupe store contract")
class FileDedupeStoreContractTest extends DedupeStoreContract {
  private final ManualClock clock = new ManualClock();
  @TempDir
  Path dir;
  private FileTransactionLog log;

  @Override
  protected DedupeStore createStore() {
    try {
      log = FileTransactionLog.open(Files.createDirectories(dir.resolve("log")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return FileDedupeStore.open(log, Duration.ofDays(7), clock);
  }

  @Override
  protected void closeStore(DedupeStore store) {
    ((FileDedupeStore) store).close();
    log.close();
  }

  @Override
  protected void advance(Duration d) {
    clock.advance(d);
  }
}
