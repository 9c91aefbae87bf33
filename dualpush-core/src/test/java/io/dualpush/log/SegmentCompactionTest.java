package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CopyStatus;
import io.dualpush.InvalidInputException;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("SegmentCompaction")
class SegmentCompactionTest {
  private final TransactionIndex index = new TransactionIndex();

  /** What a log does for a durable record: fold it in and track its segment if the index took it. */
  private static void record(SegmentCompaction c, TransactionIndex index, LogEntry entry, long segment) {
    if (index.apply(entry)) {
      c.recorded(entry, segment);
    }
  }

  private void record(SegmentCompaction c, LogEntry entry, long segment) {
    record(c, index, entry, segment);
  }

  /** A transaction that ends VERIFIED, all of it in {@code segment}. */
  private void verified(SegmentCompaction c, String id, long segment) {
    record(c, LogEntries.started(id, "v/" + id, at(0)), segment);
    LogEntries.verifiedBoth(id, at(1)).forEach(e -> record(c, e, segment));
  }

  /** A transaction left open (primary verified), all of it in {@code segment}. */
  private void open(SegmentCompaction c, String id, long segment) {
    record(c, LogEntries.started(id, "o/" + id, at(0)), segment);
    record(c, LogEntries.copy(id, "primary", CopyStatus.VERIFIED, at(1)), segment);
  }

  /** Segment ids first..last (the active one is not among them). */
  private static List<Long> segments(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  private static List<String> ids(List<TransactionRecord> records) {
    return records.stream().map(TransactionRecord::transactionId).toList();
  }

  @Nested
  @DisplayName("plans")
  class Plans {
    @Test
    @DisplayName("to delete every older segment but the retained ones when no unfinished transaction needs them")
    void nothingNeeded() {
      SegmentCompaction c = new SegmentCompaction(2, 2).attach(index);
      for (long s = 1; s <= 6; s++) {
        verified(c, "v" + s, s);
      }
      SegmentCompaction.Plan plan = c.plan(segments(1, 6), index);
      assertThat(plan.deleteNow()).containsExactly(1L, 2L, 3L, 4L);
      assertThat(plan.copyForward()).isEmpty();
      assertThat(plan.deleteAfterCopy()).isEmpty();
    }

    @Test
    @DisplayName("nothing while there are no more older segments than retained ones")
    void onlyRetained() {
      SegmentCompaction c = new SegmentCompaction(2, 0).attach(index);
      open(c, "o", 1);
      assertThat(c.plan(segments(1, 2), index).isEmpty()).isTrue();
      assertThat(c.plan(List.of(), index).isEmpty()).isTrue();
    }

    @Test
    @DisplayName("to delete oldest first, stopping at the first segment an unfinished transaction needs")
    void neededSegmentStopsTheSuffix() {
      SegmentCompaction c = new SegmentCompaction(0, 10).attach(index);
      verified(c, "v1", 1);
      verified(c, "v2", 2);
      open(c, "o3", 3);
      verified(c, "v4", 4); // no longer needed, but after a needed one: stays
      verified(c, "v5", 5);
      SegmentCompaction.Plan plan = c.plan(segments(1, 5), index);
      assertThat(plan.deleteNow()).containsExactly(1L, 2L);
      assertThat(plan.copyForward()).isEmpty();
      assertThat(plan.deleteAfterCopy()).isEmpty();
    }

    @Test
    @DisplayName("a segment is needed when any record of an unfinished transaction is in it, not only its start")
    void laterRecordPins() {
      SegmentCompaction c = new SegmentCompaction(0, 10).attach(index);
      open(c, "o", 3);
      verified(c, "v1", 1);
      record(c, LogEntries.copy("o", "secondary", CopyStatus.FAILED, at(2)), 1);
      assertThat(c.plan(segments(1, 3), index).deleteNow()).isEmpty();
    }

    @Test
    @DisplayName("to copy forward exactly the unfinished transactions with a record in a pinned segment, "
        + "once more than compactAfterSegments are pinned")
    void copiesForwardTheRightTransactions() {
      SegmentCompaction c = new SegmentCompaction(1, 2).attach(index);
      verified(c, "v1", 1);
      open(c, "o2", 2);
      verified(c, "v3", 3);
      open(c, "o4", 4);
      record(c, LogEntries.copy("o4", "secondary", CopyStatus.IN_PROGRESS, at(2)), 5);
      open(c, "o6", 6); // only in the retained segment: not copied
      open(c, "o7", 7); // only in the active segment: not copied
      SegmentCompaction.Plan plan = c.plan(segments(1, 6), index);
      assertThat(plan.deleteNow()).containsExactly(1L);
      assertThat(ids(plan.copyForward())).containsExactly("o2", "o4");
      assertThat(plan.deleteAfterCopy()).containsExactly(2L, 3L, 4L, 5L);
      assertThat(plan.entriesToCopy()).extracting(LogEntry::transactionId)
          .containsExactly("o2", "o2", "o4", "o4", "o4");
    }

    @Test
    @DisplayName("no copy while at most compactAfterSegments segments are pinned")
    void noCopyUpToTheLimit() {
      SegmentCompaction c = new SegmentCompaction(0, 2).attach(index);
      open(c, "o1", 1);
      verified(c, "v2", 2);
      SegmentCompaction.Plan plan = c.plan(segments(1, 2), index);
      assertThat(plan.isEmpty()).isTrue();
      verified(c, "v3", 3);
      assertThat(ids(c.plan(segments(1, 3), index).copyForward())).containsExactly("o1");
    }

    @Test
    @DisplayName("keeps the pinned segments, copying none, when more transactions than maxCopyForward pin them")
    void tooManyPinnedToCopy() {
      // A ring of one: all but the newest open transaction are held encoded, as in a long outage.
      TransactionIndex big = new TransactionIndex(TransactionIndex.DEFAULT_TERMINAL_RETENTION, 1);
      SegmentCompaction c = new SegmentCompaction(0, 0, 3).attach(big);
      record(c, big, LogEntries.started("v1", "v/v1", at(0)), 1);
      LogEntries.verifiedBoth("v1", at(1)).forEach(e -> record(c, big, e, 1));
      for (int i = 0; i < 4; i++) {
        record(c, big, LogEntries.started("o" + i, "o/o" + i, at(0)), 2);
      }
      SegmentCompaction.Plan plan = c.plan(segments(1, 2), big);
      assertThat(plan.deleteNow()).containsExactly(1L);
      assertThat(plan.copyForward()).isEmpty();
      assertThat(plan.deleteAfterCopy()).isEmpty();

      // One finishes: three are pinned, which is within the bound, so they are copied forward.
      LogEntries.verifiedBoth("o0", at(2)).forEach(e -> record(c, big, e, 3));
      SegmentCompaction.Plan next = c.plan(segments(2, 3), big);
      assertThat(ids(next.copyForward())).containsExactlyInAnyOrder("o1", "o2", "o3");
      assertThat(next.deleteAfterCopy()).containsExactly(2L, 3L);
    }

    @Test
    @DisplayName("refuses a maxCopyForward below 1, naming it")
    void maxCopyForwardChecked() {
      assertThatThrownBy(() -> new SegmentCompaction(0, 0, 0)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("maxCopyForward");
    }

    @Test
    @DisplayName("compactAfterSegments 0 copies forward whatever is pinned")
    void copyAlways() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      verified(c, "v1", 1);
      open(c, "o2", 2);
      SegmentCompaction.Plan plan = c.plan(segments(1, 2), index);
      assertThat(plan.deleteNow()).containsExactly(1L);
      assertThat(ids(plan.copyForward())).containsExactly("o2");
      assertThat(plan.deleteAfterCopy()).containsExactly(2L);
    }

    @Test
    @DisplayName("never puts a retained segment in a plan, whatever it holds")
    void retainedNeverPlanned() {
      SegmentCompaction c = new SegmentCompaction(3, 0).attach(index);
      for (long s = 1; s <= 8; s++) {
        open(c, "o" + s, s);
      }
      SegmentCompaction.Plan plan = c.plan(segments(1, 8), index);
      assertThat(plan.deleteNow()).isEmpty();
      assertThat(plan.deleteAfterCopy()).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(ids(plan.copyForward())).containsExactly("o1", "o2", "o3", "o4", "o5");
    }

    @Test
    @DisplayName("dead-lettered transactions count as unfinished: they pin and are copied forward")
    void deadLetteredIsUnfinished() {
      SegmentCompaction c = new SegmentCompaction(0, 2).attach(index);
      record(c, LogEntries.started("d", "d/d", at(0)), 1);
      record(c, new LogEntry.DeadLettered("d", at(1), "gave up"), 1);
      verified(c, "v2", 2);
      assertThat(c.plan(segments(1, 2), index).isEmpty()).isTrue();
      verified(c, "v3", 3);
      SegmentCompaction.Plan plan = c.plan(segments(1, 3), index);
      assertThat(ids(plan.copyForward())).containsExactly("d");
      assertThat(plan.copyForward().get(0).state()).isEqualTo(TransactionState.DEAD_LETTERED);
    }

    @Test
    @DisplayName("verified and superseded transactions pin nothing")
    void finishedDoNotPin() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      verified(c, "v1", 1);
      record(c, LogEntries.started("old", "k/same", at(0)), 2); // never finished, then superseded
      record(c, LogEntries.started("new", "k/same", at(1)), 3);
      LogEntries.verifiedBoth("new", at(2)).forEach(e -> record(c, e, 3));
      SegmentCompaction.Plan plan = c.plan(segments(1, 3), index);
      assertThat(plan.deleteNow()).containsExactly(1L, 2L, 3L);
      assertThat(plan.copyForward()).isEmpty();
    }
  }

  @Nested
  @DisplayName("tracking")
  class Tracking {
    @Test
    @DisplayName("forgotten segments pin nothing any more")
    void forget() {
      SegmentCompaction c = new SegmentCompaction(0, 5).attach(index);
      open(c, "o", 1);
      verified(c, "v2", 2);
      assertThat(c.plan(segments(1, 2), index).deleteNow()).isEmpty();
      c.forget(List.of(1L));
      assertThat(c.plan(segments(2, 2), index).deleteNow()).containsExactly(2L);
    }

    @Test
    @DisplayName("a transaction copied forward is needed by the segment it was copied into")
    void copiedForward() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      open(c, "o", 1);
      SegmentCompaction.Plan plan = c.plan(segments(1, 1), index);
      assertThat(plan.deleteAfterCopy()).containsExactly(1L);
      c.copiedForward(plan, 2);
      c.forget(plan.deleteAfterCopy());
      verified(c, "v3", 3);
      SegmentCompaction.Plan next = c.plan(segments(2, 3), index);
      assertThat(next.deleteNow()).isEmpty();
      assertThat(ids(next.copyForward())).containsExactly("o");
      assertThat(next.deleteAfterCopy()).containsExactly(2L, 3L);
    }

    @Test
    @DisplayName("clear forgets every transaction")
    void clear() {
      SegmentCompaction c = new SegmentCompaction(0, 5).attach(index);
      open(c, "o", 1);
      c.clear();
      assertThat(c.plan(segments(1, 1), index).deleteNow()).containsExactly(1L);
    }
  }

  @Nested
  @DisplayName("restating")
  class Restating {
    private final LogEntry mismatch = new LogEntry.CopyUpdated("v", at(9), "secondary", CopyStatus.FAILED,
        "AAAAAAAAAAAAAAAAAAAAAA==", "digest mismatch", true);

    @Test
    @DisplayName("a record of a held transaction whose start segment was deleted is preceded by its state")
    void startDeleted() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      verified(c, "v", 1);
      assertThat(c.hasStart("v")).isTrue();
      assertThat(c.restateBefore(mismatch, index)).isEmpty();
      c.forget(List.of(1L));
      assertThat(c.hasStart("v")).isFalse();
      List<LogEntry> restated = c.restateBefore(mismatch, index);
      assertThat(restated).isEqualTo(SegmentCompaction.stateOf(index.get("v").orElseThrow()));

      TransactionIndex replayed = new TransactionIndex();
      restated.forEach(replayed::apply);
      replayed.apply(mismatch);
      index.apply(mismatch);
      assertThat(replayed.get("v")).isEqualTo(index.get("v"));
      assertThat(replayed.open()).extracting(TransactionRecord::transactionId).containsExactly("v");
    }

    @Test
    @DisplayName("also when later records of it remain: a replay ignores them without the start")
    void onlyStartDeleted() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      record(c, LogEntries.started("v", "v/v", at(0)), 1);
      LogEntries.verifiedBoth("v", at(1)).forEach(e -> record(c, e, 2));
      c.forget(List.of(1L));
      assertThat(c.hasStart("v")).isFalse();
      assertThat(c.restateBefore(mismatch, index)).first().isInstanceOf(LogEntry.Started.class);
    }

    @Test
    @DisplayName("once restated, copied forward or started again, the transaction has a start in that segment")
    void restatedCountsAsStart() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      verified(c, "v", 1);
      c.forget(List.of(1L));
      c.restateBefore(mismatch, index).forEach(e -> c.recorded(e, 5));
      assertThat(c.hasStart("v")).isTrue();
      assertThat(c.restateBefore(mismatch, index)).isEmpty();
      c.forget(List.of(5L));
      assertThat(c.hasStart("v")).isFalse();

      open(c, "o", 6);
      SegmentCompaction.Plan plan = c.plan(segments(6, 6), index);
      c.copiedForward(plan, 7);
      c.forget(plan.deleteAfterCopy());
      assertThat(c.hasStart("o")).isTrue();
    }

    @Test
    @DisplayName("nothing before a start, or a record of a transaction that is not held, superseded or still started")
    void nothingToRestate() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      record(c, LogEntries.started("old", "k/same", at(0)), 1);
      record(c, LogEntries.started("new", "k/same", at(1)), 1);
      verified(c, "v", 2);
      c.forget(List.of(1L));
      assertThat(c.restateBefore(LogEntries.copy("old", "primary", CopyStatus.FAILED, at(3)), index)).isEmpty();
      assertThat(c.restateBefore(LogEntries.copy("unknown", "primary", CopyStatus.FAILED, at(3)), index)).isEmpty();
      assertThat(c.restateBefore(LogEntries.copy("v", "primary", CopyStatus.FAILED, at(3)), index)).isEmpty();
      assertThat(c.restateBefore(LogEntries.started("new", "k/same", at(1)), index)).isEmpty();
      assertThat(c.restateBefore(LogEntries.copy("new", "primary", CopyStatus.FAILED, at(3)), index)).isNotEmpty();
    }
  }

  @Nested
  @DisplayName("copies")
  class Copies {
    @Test
    @DisplayName("the state of a transaction folds from nothing into the same record")
    void stateOfRebuilds() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      record(c, LogEntries.fullStarted("t", at(0)), 1);
      record(c, LogEntries.copy("t", "primary", CopyStatus.VERIFIED, at(1)), 1);
      record(c, new LogEntry.CopyUpdated("t", at(2), "dr", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==",
          "digest mismatch", true), 1);
      record(c, new LogEntry.RepairAttempted("t", at(3), 2), 1);
      record(c, new LogEntry.DeadLettered("t", at(4), "gave up"), 1);
      TransactionRecord before = index.get("t").orElseThrow();

      TransactionIndex replayed = new TransactionIndex();
      SegmentCompaction.stateOf(before).forEach(replayed::apply);
      assertThat(replayed.get("t")).hasValue(before);
    }

    @Test
    @DisplayName("the fold ends at the record's updatedAt after a retry, and after copies updated out of list order")
    void stateOfKeepsUpdatedAt() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      record(c, LogEntries.started("r", "k/r", at(0)), 1);
      record(c, LogEntries.copy("r", "primary", CopyStatus.FAILED, at(1)), 1);
      record(c, new LogEntry.RepairAttempted("r", at(2), 3), 1);
      record(c, new LogEntry.DeadLettered("r", at(3), "gave up"), 1);
      record(c, new LogEntry.Retried("r", at(4)), 1);
      record(c, LogEntries.started("o", "k/o", at(0)), 1);
      record(c, LogEntries.copy("o", "secondary", CopyStatus.VERIFIED, at(1)), 1);
      record(c, LogEntries.copy("o", "primary", CopyStatus.FAILED, at(2)), 1);
      for (String id : List.of("r", "o")) {
        TransactionRecord before = index.get(id).orElseThrow();
        TransactionIndex replayed = new TransactionIndex();
        SegmentCompaction.stateOf(before).forEach(replayed::apply);
        assertThat(replayed.get(id)).as(id).hasValue(before);
      }
      assertThat(SegmentCompaction.stateOf(index.get("o").orElseThrow())).extracting(LogEntry::at)
          .containsExactly(at(0), at(1), at(2));
    }

    @Test
    @DisplayName("folded after the original records, the copies change nothing (a crash before the deletion)")
    void copiesAfterOriginals() {
      SegmentCompaction c = new SegmentCompaction(0, 0).attach(index);
      List<LogEntry> original = List.of(LogEntries.started("t", "k/t", at(0)),
          LogEntries.copy("t", "primary", CopyStatus.VERIFIED, at(1)),
          LogEntries.copy("t", "secondary", CopyStatus.FAILED, at(2)));
      original.forEach(e -> record(c, e, 1));
      TransactionRecord before = index.get("t").orElseThrow();
      TransactionIndex replayed = new TransactionIndex();
      original.forEach(replayed::apply);
      c.plan(segments(1, 1), index).entriesToCopy().forEach(replayed::apply);
      assertThat(replayed.get("t")).hasValue(before);
      assertThat(replayed.open()).hasSize(1);
    }
  }

  @Test
  @DisplayName("refuses negative settings, naming the setting")
  void validation() {
    assertThatThrownBy(() -> new SegmentCompaction(-1, 2)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("retainSegments")
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("retainSegments"));
    assertThatThrownBy(() -> new SegmentCompaction(2, -1)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("compactAfterSegments")
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("compactAfterSegments"));
    SegmentCompaction defaults = new SegmentCompaction();
    assertThat(defaults.retainSegments()).isEqualTo(SegmentCompaction.DEFAULT_RETAIN_SEGMENTS).isEqualTo(2);
    assertThat(defaults.compactAfterSegments()).isEqualTo(SegmentCompaction.DEFAULT_COMPACT_AFTER_SEGMENTS).isEqualTo(2);
  }
}
