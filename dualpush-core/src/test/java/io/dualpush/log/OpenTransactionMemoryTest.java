package io.dualpush.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The log side's live heap per open transaction, with records shaped like the outage harness's (a
 * 1 KiB push to two required destinations, one copy verified and one failed with an error, repair
 * attempted), folded by the index and tracked by compaction as a segmented log does. Live heap is
 * measured after several collections, before and after, with the index still reachable. Prints the
 * figure; {@code -Ddualpush.memory.transactions=1000000} measures a million.
 */
@DisplayName("Open transactions' memory")
class OpenTransactionMemoryTest {
  private static final int TRANSACTIONS = Integer.getInteger("dualpush.memory.transactions", 200_000);

  @Test
  @DisplayName("the log side holds an open transaction of the outage's shape in well under 300 bytes of live heap")
  void bytesPerOpenTransaction() throws InterruptedException {
    long before = liveHeap();
    TransactionIndex index = new TransactionIndex();
    SegmentCompaction compaction = new SegmentCompaction().attach(index);
    String tag = "a1b2";
    long millis = Instant.parse("2026-11-30T10:00:00Z").toEpochMilli();
    Instant t = Instant.ofEpochMilli(millis);
    long segment = 0;
    for (int i = 0; i < TRANSACTIONS; i++) {
      if (i % 50_000 == 0) {
        segment += 150_000; // file segments are numbered by record
      }
      Instant at = t.plusNanos(i * 17_000L);
      String id = "txn-" + Long.toString(millis + i / 20, 36) + "-" + tag + "-" + Long.toString(i + 1, 36);
      String key = String.format("outage/%09d.bin", i);
      String md5 = Md5.of(key.getBytes(StandardCharsets.UTF_8));
      LogEntry.Started s = new LogEntry.Started(id, at, key, 1024, md5, "", "", "application/octet-stream", Map.of(),
          List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true)), 2, "");
      fold(index, compaction, s, segment);
      fold(index, compaction, new LogEntry.CopyUpdated(id, at.plusNanos(1_234_000), "primary", CopyStatus.VERIFIED,
          md5, "", false), segment);
      fold(index, compaction, new LogEntry.CopyUpdated(id, at.plusNanos(2_345_000), "secondary", CopyStatus.FAILED,
          "", "destination secondary is unavailable: connection refused", false), segment);
      fold(index, compaction, new LogEntry.RepairAttempted(id, at.plusSeconds(1), 1), segment);
    }
    long after = liveHeap();
    assertThat(index.openCount()).isEqualTo(TRANSACTIONS);
    double perTransaction = (after - before) / (double) TRANSACTIONS;
    System.out.printf("OpenTransactionMemoryTest: %,d open transactions hold %,d bytes of live heap: %.1f bytes each%n",
        TRANSACTIONS, after - before, perTransaction);
    assertThat(perTransaction).isLessThan(300);
    assertThat(index.get("txn-" + Long.toString(millis, 36) + "-" + tag + "-1")).isPresent();
  }

  private static void fold(TransactionIndex index, SegmentCompaction compaction, LogEntry e, long segment) {
    if (index.apply(e)) {
      compaction.recorded(e, segment);
    }
  }

  private static long liveHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
      Runtime rt = Runtime.getRuntime();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }
}
