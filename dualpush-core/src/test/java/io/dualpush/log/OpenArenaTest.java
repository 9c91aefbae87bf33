package io.dualpush.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("OpenArena and the index's encoded open transactions")
class OpenArenaTest {
  private static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
  private static final Instant T0 = Instant.parse("2026-11-30T10:00:00.123456789Z");

  private static LogEntry.Started start(String id, String key, Instant at) {
    return new LogEntry.Started(id, at, key, 1024, MD5, "", "", "application/octet-stream", Map.of(),
        List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true)), 2, "");
  }

  /** A record with every field set to something unusual. */
  private static TransactionRecord odd(String id, String key) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("owner", "équipe/データ");
    metadata.put("empty", "");
    metadata.put("long", "x".repeat(5_000));
    metadata.put("emoji 🚀", "tab\tnewline\n\u0000nul");
    List<LogEntry.Target> targets = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      targets.add(new LogEntry.Target("dest-" + i, i % 3 != 0));
    }
    LogEntry.Started s = new LogEntry.Started(id, Instant.ofEpochSecond(-5_000_000_000L, 7), key, Long.MAX_VALUE,
        "not base64 at all", "dataset/ü", "message-" + id, "text/plain; charset=utf-8", metadata, targets, -3,
        "/tmp/sp ace/ünïcode.bin");
    List<CopyRecord> copies = new ArrayList<>();
    CopyStatus[] statuses = CopyStatus.values();
    for (int i = 0; i < targets.size(); i++) {
      LogEntry.Target t = targets.get(i);
      String md5 = switch (i % 4) {
        case 0 -> "";
        case 1 -> s.md5();
        case 2 -> "AAAAAAAAAAAAAAAAAAAAAA==";
        default -> "odd digest " + i;
      };
      copies.add(new CopyRecord(t.destinationId(), t.required(), statuses[i % statuses.length], md5,
          i % 2 == 0 ? "" : "error " + (i % 5) + " ✗", i % 7 == 0,
          i % 5 == 0 ? Instant.ofEpochSecond(4_000_000_000L, 999_999_999) : T0.plusNanos(i * 1_001L)));
    }
    return new TransactionRecord(s, copies, 17, Optional.empty(), false, T0.plusSeconds(90));
  }

  @Nested
  @DisplayName("round trip")
  class RoundTrip {
    @Test
    @DisplayName("every field of a record comes back equal: odd strings, unicode, huge metadata, many targets, "
        + "digests that are not base64, times far apart")
    void everyField() {
      OpenArena arena = new OpenArena();
      long[] tracking = {3, 9, 7};
      TransactionRecord r = odd("txn-1", "données/日本語/ファイル.csv");
      arena.put(r, tracking);
      long[] back = Tracking.untracked();
      assertThat(arena.get("txn-1", back)).isEqualTo(r);
      assertThat(back).containsExactly(3, 9, 7);
      assertThat(arena.byKey("données/日本語/ファイル.csv")).isEqualTo(r);
      assertThat(arena.byKey("données/日本語/")).isNull();
      assertThat(arena.get("txn-2")).isNull();
    }

    @Test
    @DisplayName("copies that do not match the targets, a dead letter with an empty reason, superseded, no key prefix")
    void unusualShapes() {
      OpenArena arena = new OpenArena();
      LogEntry.Started s = start("a", "plain-key", T0);
      TransactionRecord r = new TransactionRecord(s,
          List.of(new CopyRecord("elsewhere", false, CopyStatus.FAILED, "", "gone", true, T0.minusSeconds(3))), 0,
          Optional.of(""), true, T0);
      arena.put(r, Tracking.untracked());
      long[] back = {1, 1, 1};
      assertThat(arena.get("a", back)).isEqualTo(r);
      assertThat(back).containsExactly(Tracking.NONE, Tracking.NONE, Tracking.NONE);
      TransactionRecord empty = new TransactionRecord(start("", "", T0), List.of(), 0, Optional.empty(), false, T0);
      arena.put(empty, Tracking.untracked());
      assertThat(arena.get("")).isEqualTo(empty);
      assertThat(arena.byKey("")).isEqualTo(empty);
    }

    @Test
    @DisplayName("ids shaped like the engine's are packed and come back exactly; near misses are kept as they are")
    void engineIds() {
      OpenArena arena = new OpenArena();
      List<String> ids = List.of("txn-lqz3k2ab-a1b2c3d4-1x2y3", "txn-0-t-0", "txn-01-t-1", "txn-1-t-01", "txn-A-t-1",
          "txn-1--1", "txn-1-t-", "txn--t-1", "txn-1-a-b-2", "txn-zzzzzzzzzzzz-t-1", "txn-1-t-zzzzzzzzzzzzz",
          "txn-1-tag", "TXN-1-t-1", "txn-1-ü-1", "txn-");
      for (String id : ids) {
        arena.put(TransactionRecord.started(start(id, "k/" + id, T0)), Tracking.untracked());
      }
      for (String id : ids) {
        assertThat(arena.get(id)).as(id).isNotNull()
            .extracting(TransactionRecord::transactionId).isEqualTo(id);
        assertThat(arena.byKey("k/" + id).transactionId()).isEqualTo(id);
      }
      List<String> listed = new ArrayList<>();
      arena.ids(listed);
      assertThat(listed).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(arena.contains("txn-lqz3k2ab-a1b2c3d4-1x2y4")).isFalse();
      assertThat(arena.contains("txn-lqz3k2ab-other-1x2y3")).isFalse();
    }

    @Test
    @DisplayName("many records with keys and ids that share prefixes stay apart, and removal keeps the rest findable")
    void manyRecords() {
      OpenArena arena = new OpenArena();
      Map<String, TransactionRecord> expected = new HashMap<>();
      for (int i = 0; i < 20_000; i++) {
        TransactionRecord r = TransactionRecord.started(start("txn-" + i, "dir/" + (i % 13) + "/" + i + ".bin",
            T0.plusMillis(i)));
        arena.put(r, new long[] {i, i + 1, i});
        expected.put(r.transactionId(), r);
      }
      Random random = new Random(42);
      for (int i = 0; i < 10_000; i++) {
        String id = "txn-" + random.nextInt(20_000);
        TransactionRecord removed = arena.remove(id, null);
        assertThat(removed).isEqualTo(expected.remove(id));
      }
      assertThat(arena.count()).isEqualTo(expected.size());
      for (TransactionRecord r : expected.values()) {
        assertThat(arena.get(r.transactionId())).isEqualTo(r);
        assertThat(arena.byKey(r.key())).isEqualTo(r);
      }
    }
  }

  @Nested
  @DisplayName("space")
  class Space {
    @Test
    @DisplayName("records changed over and over are compacted: the arena stays a small multiple of what is live")
    void reclaimsGarbage() {
      OpenArena arena = new OpenArena();
      Map<String, TransactionRecord> current = new HashMap<>();
      for (int i = 0; i < 50_000; i++) {
        TransactionRecord r = TransactionRecord.started(start("t" + i, "k/" + i, T0.plusMillis(i)));
        arena.put(r, Tracking.untracked());
        current.put(r.transactionId(), r);
      }
      long afterFill = arena.bytesHeld();
      Random random = new Random(7);
      for (int round = 0; round < 400_000; round++) {
        String id = "t" + random.nextInt(50_000);
        TransactionRecord r = current.get(id);
        TransactionRecord next = TransactionFold.apply(r, new LogEntry.RepairAttempted(id, r.updatedAt().plusSeconds(1),
            r.repairRounds() + 1));
        assertThat(arena.replace(next)).isTrue();
        current.put(id, next);
      }
      assertThat(arena.bytesHeld()).as("bytes held after 400,000 changes, against %s after the fill", afterFill)
          .isLessThan(afterFill * 2);
      for (TransactionRecord r : current.values()) {
        assertThat(arena.get(r.transactionId())).isEqualTo(r);
        assertThat(arena.byKey(r.key())).isEqualTo(r);
      }
    }

    @Test
    @DisplayName("chunks emptied by removals are freed")
    void freesEmptyChunks() {
      OpenArena arena = new OpenArena();
      for (int i = 0; i < 100_000; i++) {
        arena.put(TransactionRecord.started(start("t" + i, "k/" + i, T0)), Tracking.untracked());
      }
      long full = arena.bytesHeld();
      for (int i = 0; i < 99_990; i++) {
        arena.remove("t" + i, null);
      }
      assertThat(arena.bytesHeld()).isLessThan(full / 2);
      assertThat(arena.count()).isEqualTo(10);
    }
  }

  @Nested
  @DisplayName("the index with a ring of one, so every open transaction but the newest is encoded")
  class EncodedIndex {
    @Test
    @DisplayName("open transactions read back equal; a later start of a key supersedes the encoded one")
    void supersedesEncoded() {
      TransactionIndex index = new TransactionIndex(100, 1);
      index.apply(start("t1", "k/same", T0));
      index.apply(start("t2", "k/other", T0.plusSeconds(1))); // t1 leaves the ring
      index.apply(new LogEntry.CopyUpdated("t1", T0.plusSeconds(2), "primary", CopyStatus.VERIFIED, MD5, "", false));
      assertThat(index.get("t1").orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(index.latest("k/same").orElseThrow().transactionId()).isEqualTo("t1");

      index.apply(start("t3", "k/same", T0.plusSeconds(3)));
      TransactionRecord t1 = index.get("t1").orElseThrow();
      assertThat(t1.state()).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(t1.updatedAt()).isEqualTo(T0.plusSeconds(3));
      assertThat(index.latest("k/same").orElseThrow().transactionId()).isEqualTo("t3");
      assertThat(index.open()).extracting(TransactionRecord::transactionId).containsExactlyInAnyOrder("t2", "t3");
      assertThat(index.openCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("an encoded transaction that finishes becomes a terminal object; one that is dead-lettered is "
        + "listed as such and not open")
    void leavesTheArena() {
      TransactionIndex index = new TransactionIndex(100, 1);
      index.apply(start("done", "k/done", T0));
      index.apply(start("dead", "k/dead", T0));
      index.apply(start("newest", "k/newest", T0));
      index.apply(new LogEntry.CopyUpdated("done", T0, "primary", CopyStatus.VERIFIED, MD5, "", false));
      index.apply(new LogEntry.CopyUpdated("done", T0, "secondary", CopyStatus.VERIFIED, MD5, "", false));
      index.apply(new LogEntry.DeadLettered("dead", T0.plusSeconds(1), "gave up"));
      assertThat(index.get("done").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(index.deadLettered()).extracting(TransactionRecord::transactionId).containsExactly("dead");
      assertThat(index.open()).extracting(TransactionRecord::transactionId).containsExactly("newest");
      assertThat(index.latest("k/dead").orElseThrow().transactionId()).isEqualTo("dead");

      index.apply(new LogEntry.Retried("dead", T0.plusSeconds(2)));
      assertThat(index.isOpen("dead")).isTrue();
      assertThat(index.deadLettered()).isEmpty();
      assertThat(index.open()).extracting(TransactionRecord::transactionId).containsExactlyInAnyOrder("dead", "newest");
    }

    @Test
    @DisplayName("a pass of openPage while transactions open and close returns every one open throughout, in pages "
        + "no larger than the limit, and openSummary matches open()")
    void pagingWhileChanging() {
      TransactionIndex index = new TransactionIndex(100, 64);
      Random random = new Random(11);
      List<String> stayOpen = new ArrayList<>();
      int next = 0;
      for (; next < 3_000; next++) {
        index.apply(start("t" + next, "k/" + next, T0.plusMillis(next)));
        if (next % 3 == 0) {
          stayOpen.add("t" + next);
        }
      }
      Set<String> seen = new HashSet<>();
      long position = 0;
      int pages = 0;
      while (true) {
        OpenPage page = index.openPage(position, 50);
        assertThat(page.transactions()).hasSizeLessThanOrEqualTo(50);
        page.transactions().forEach(r -> seen.add(r.transactionId()));
        // Meanwhile: new starts (pushing older ones out of the ring), closes and changes of the others.
        for (int k = 0; k < 20; k++, next++) {
          index.apply(start("t" + next, "k/" + next, T0.plusMillis(next)));
        }
        for (int k = 0; k < 20; k++) {
          int victim = random.nextInt(next);
          if (victim % 3 != 0) {
            index.apply(new LogEntry.CopyUpdated("t" + victim, T0, "primary", CopyStatus.FAILED, "", "down", false));
            index.apply(new LogEntry.CopyUpdated("t" + victim, T0, "secondary", CopyStatus.FAILED, "", "down", false));
          } else {
            index.apply(new LogEntry.RepairAttempted("t" + victim, T0.plusSeconds(1), k + 1));
          }
        }
        pages++;
        if (page.last()) {
          break;
        }
        position = page.next();
      }
      assertThat(seen).containsAll(stayOpen);
      assertThat(pages).isGreaterThan(3_000 / 3 / 50);

      List<TransactionRecord> open = index.open();
      OpenSummary summary = index.openSummary();
      assertThat(summary.count()).isEqualTo(open.size());
      assertThat(summary.oldestStart()).isEqualTo(open.stream().map(TransactionRecord::createdAt).min(Instant::compareTo));
    }

    @Test
    @DisplayName("tracking follows a transaction into the arena and back out, and deleted segments are forgotten")
    void tracking() {
      TransactionIndex index = new TransactionIndex(100, 1);
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      index.apply(start("a", "k/a", T0));
      c.recorded(start("a", "k/a", T0), 4);
      index.apply(start("b", "k/b", T0)); // a leaves the ring with its tracking
      c.recorded(start("b", "k/b", T0), 5);
      assertThat(c.hasStart("a")).isTrue();
      SegmentCompaction.Plan plan = c.plan(List.of(4L, 5L), index);
      assertThat(plan.copyForward()).extracting(TransactionRecord::transactionId).containsExactly("a", "b");
      c.copiedForward(plan, 6);
      c.forget(plan.deleteAfterCopy());
      assertThat(c.hasStart("a")).isTrue();
      assertThat(c.plan(List.of(6L), index).deleteAfterCopy()).containsExactly(6L);
      c.forget(List.of(6L));
      assertThat(c.hasStart("a")).isFalse();
    }
  }
}
