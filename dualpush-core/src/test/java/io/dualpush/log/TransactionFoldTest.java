package io.dualpush.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TransactionFold")
class TransactionFoldTest {
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
  private static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

  @Test
  @DisplayName("never moves a record's time back when an older entry is applied after a newer one (a partial copy-forward on replay)")
  void timeNeverMovesBack() {
    LogEntry.Started start = new LogEntry.Started("t1", T0, "k", 42, MD5, "", "", "application/octet-stream", Map.of(),
        List.of(new LogEntry.Target("a", true), new LogEntry.Target("b", true)), 2, "");
    TransactionRecord r = TransactionRecord.started(start);
    r = TransactionFold.apply(r, new LogEntry.CopyUpdated("t1", T0.plusSeconds(5), "b", CopyStatus.VERIFIED, MD5, "", false));
    // The restated copy of 'a', written at roll-over with its original, earlier time, replayed after 'b'.
    r = TransactionFold.apply(r, new LogEntry.CopyUpdated("t1", T0.plusSeconds(2), "a", CopyStatus.VERIFIED, MD5, "", false));

    assertThat(r.updatedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(r.copies()).allMatch(c -> c.status() == CopyStatus.VERIFIED);
  }
}
