package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogStats;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SegmentedTransactionLog.stats()")
class LogStatsTest {

  @Test
  @DisplayName("reports the segments, their bytes and the last sync's latency while the log accepts appends")
  void writable() {
    MemorySegmentStore store = MemorySegmentStore.files();
    try (SegmentedTransactionLog log = SegmentedTransactionLog.builder(store).segmentSize(4096).open()) {
      for (int i = 0; log.segments().size() < 2; i++) {
        log.append(LogEntries.started("t" + i, "k/" + i, at(i)));
      }

      LogStats stats = log.stats().orElseThrow();

      assertThat(stats.writable()).isTrue();
      assertThat(stats.failure()).isEmpty();
      assertThat(stats.segments()).isEqualTo(2).isEqualTo(store.list().size());
      long stored = store.list().stream().mapToLong(s -> store.bytes(s.number()).length).sum();
      assertThat(stats.sizeBytes()).isEqualTo(stored).isPositive();
      assertThat(stats.lastSyncLatency()).as("a durable append syncs").isPresent();
    }
  }

  @Test
  @DisplayName("reports the log not writable, naming the failure's type only, once an append failed, and after close")
  void notWritable() {
    MemorySegmentStore store = MemorySegmentStore.files();
    SegmentedTransactionLog log = SegmentedTransactionLog.builder(store).open();
    log.append(LogEntries.started("t0", "k/0", at(0)));
    store.claimLost = true;

    assertThatThrownBy(() -> log.append(LogEntries.started("t1", "k/1", at(1)))).isNotNull();

    LogStats failed = log.stats().orElseThrow();
    assertThat(failed.writable()).isFalse();
    assertThat(failed.failure()).hasValueSatisfying(f -> assertThat(f).contains("ClaimLostException")
        .doesNotContain("memory: the claim was lost"));
    log.close();
    assertThat(log.stats().orElseThrow().failure()).hasValue("closed");
  }
}
