package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushFailedException;
import io.dualpush.RepairOptions;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.InMemoryTransactionLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 9: when the log cannot record a copy's outcome (disk full), the push is not acknowledged
 * and its caller gets the log's failure, first cause included, not a copy status the failure caused.
 */
@DisplayName("A log that cannot record a copy's outcome")
class LogFailureTest {
  private final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** Takes a push's start, then refuses every later record as a full disk would. */
  private static final class FullAfterStart implements TransactionLog {
    private final InMemoryTransactionLog delegate = new InMemoryTransactionLog();

    @Override
    public void append(LogEntry entry) {
      if (!(entry instanceof LogEntry.Started)) {
        throw new TransactionLogUnavailableException("Cannot append to the test log: No space left on device",
            "test-log", new IOException("No space left on device"));
      }
      delegate.append(entry);
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      return delegate.read(transactionId);
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      return delegate.latest(key);
    }

    @Override
    public List<TransactionRecord> open() {
      return delegate.open();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      return delegate.recent(limit);
    }

    @Override
    public void checkpoint() {}

    @Override
    public void close() {}
  }

  @Test
  @DisplayName("fails the push with the log's exception and its first cause, never acknowledges it")
  void pushFailsWithTheLogsFailure() {
    f.client = new DualPushClientBuilder()
        .destination("primary", f.primary)
        .destination("secondary", f.secondary)
        .transactionLog(new FullAfterStart())
        .clock(f.clock)
        .repair(RepairOptions.builder().enabled(false).build())
        .buildClient();

    Throwable thrown = catchThrowable(() -> f.client.push("gold/a.csv", "a".getBytes(StandardCharsets.UTF_8)));

    assertThat(thrown).isInstanceOf(TransactionLogUnavailableException.class).isNotInstanceOf(PushFailedException.class)
        .hasRootCauseMessage("No space left on device");
  }
}
