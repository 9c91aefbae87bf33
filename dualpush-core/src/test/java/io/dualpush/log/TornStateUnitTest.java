package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.TransactionRecord;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Regression: a power cut that kept part of a transaction's state written in one go (a restate
 * before a record of a finished transaction whose start was compacted away, or a copy-forward)
 * replayed that part on its own. For a restate that brought a verified transaction back as
 * IN_PROGRESS, with copies it had long finished pending again: a state older than the one
 * acknowledged. Found by the power-loss tier with copy-forward on (seed 4976278133151096763, trial
 * 14945 of 20,000: a torn write kept the restate's start and first copy). Each test here writes
 * the case, then cuts the segment at every byte offset inside what the one append wrote, as a
 * power cut keeping a prefix of unsynced bytes would, and reopens.
 */
@DisplayName("A transaction's state written as one unit (restate, copy-forward)")
class TornStateUnitTest {

  /** Small segments, nothing retained, copies forward at every roll-over: restates and copies happen at once. */
  private static SegmentedTransactionLog open(SegmentStore store) {
    return SegmentedTransactionLog.builder(store).segmentSize(4096).retainSegments(0).compactAfterSegments(0).open();
  }

  /** The store's segments as they are now, to cut copies of. */
  private static TreeMap<Long, byte[]> snapshot(MemorySegmentStore store) {
    TreeMap<Long, byte[]> out = new TreeMap<>();
    for (SegmentInfo s : store.list()) {
      out.put(s.number(), store.bytes(s.number()));
    }
    return out;
  }

  /** A new store, file-like (truncates torn tails) or append-blob-like (marks them and rolls over). */
  private static MemorySegmentStore newStore(boolean blobs) {
    return blobs ? MemorySegmentStore.blobs() : MemorySegmentStore.files();
  }

  /** A store like {@code kind} holding {@code segments}, the last one cut to {@code length} bytes. */
  private static MemorySegmentStore cut(TreeMap<Long, byte[]> segments, int length, boolean blobs) {
    MemorySegmentStore store = newStore(blobs);
    segments.forEach((n, b) -> store.put(n, n.equals(segments.lastKey()) ? Arrays.copyOf(b, length) : b));
    return store;
  }

  /** Appends transactions that finish verified until the log has rolled over {@code rolls} times. */
  private static void fillVerified(SegmentedTransactionLog log, String prefix, int rolls) {
    long first = log.segments().get(log.segments().size() - 1).number();
    for (int i = 0; log.segments().get(log.segments().size() - 1).number() < first + rolls; i++) {
      String id = prefix + i;
      log.append(LogEntries.started(id, "k/" + id, at(0)));
      LogEntries.verifiedBoth(id, at(1)).forEach(log::append);
    }
  }

  @Nested
  @DisplayName("a restate cut short by a power cut")
  class Restate {

    @ParameterizedTest(name = "on a {0} store")
    @ValueSource(strings = {"file-like", "append-blob-like"})
    @DisplayName("never brings a verified transaction whose start was compacted away back in an older, open state")
    void tornRestate(String kind) {
      boolean blobs = kind.equals("append-blob-like");
      MemorySegmentStore store = newStore(blobs);
      TransactionRecord verified;
      long before;
      long segment;
      try (SegmentedTransactionLog log = open(store)) {
        log.append(LogEntries.started("done", "k/done", at(0)));
        log.append(LogEntries.copy("done", "primary", CopyStatus.IN_PROGRESS, at(1)));
        log.append(new LogEntry.CopyUpdated("done", at(2), "primary", CopyStatus.VERIFIED, "md5", "", false));
        log.append(new LogEntry.CopyUpdated("done", at(3), "secondary", CopyStatus.VERIFIED, "md5", "", false));
        verified = log.read("done").orElseThrow();
        assertThat(verified.state()).isEqualTo(TransactionState.VERIFIED);
        fillVerified(log, "f", 2);
        log.checkpoint();
        assertThat(store.list()).as("the segment holding the start of 'done' is compacted away").hasSize(1);
        segment = store.list().get(0).number();
        before = store.bytes(segment).length;
        // A deep verify finds the secondary copy corrupted: restated, then recorded, in one append.
        log.append(new LogEntry.CopyUpdated("done", at(5), "secondary", CopyStatus.FAILED, "AAAA", "digest mismatch",
            true));
        assertThat(log.segments()).hasSize(1);
      }
      TreeMap<Long, byte[]> whole = snapshot(store);
      assertThat(whole.lastKey()).isEqualTo(segment);
      int after = whole.get(segment).length;
      assertThat(after - before).as("a restate and the record were written").isGreaterThan(100);
      for (int length = (int) before; length < after; length++) {
        MemorySegmentStore torn = cut(whole, length, blobs);
        try (SegmentedTransactionLog log = open(torn)) {
          Optional<TransactionRecord> read = log.read("done");
          assertThat(read).as("'done' after a cut keeping %d of the %d bytes of the restate and record",
              length - before, after - before).satisfiesAnyOf(r -> assertThat(r).isEmpty(),
              r -> assertThat(r).hasValue(verified));
          assertThat(log.open()).as("open() after a cut at %d", length).isEmpty();
          assertThat(log.openWarnings()).extracting(LogOpenWarning::kind)
              .allSatisfy(k -> assertThat(k).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_DROPPED));
        }
      }
    }
  }

  @Nested
  @DisplayName("a copy-forward cut short by a power cut")
  class CopyForward {

    @Test
    @DisplayName("leaves every unfinished transaction as acknowledged over its originals, whatever part of it was kept")
    void tornCopyForward() {
      MemorySegmentStore store = MemorySegmentStore.files();
      Map<String, TransactionRecord> acknowledged = new HashMap<>();
      byte[] originals;
      long first;
      try (SegmentedTransactionLog log = open(store)) {
        for (String id : List.of("a", "b")) {
          log.append(LogEntries.started(id, "k/" + id, at(0)));
          log.append(new LogEntry.CopyUpdated(id, at(1), "primary", CopyStatus.VERIFIED, "md5", "", false));
          log.append(new LogEntry.CopyUpdated(id, at(2), "secondary", CopyStatus.FAILED, "", "boom", false));
          log.append(new LogEntry.RepairAttempted(id, at(3), 1));
          log.append(new LogEntry.DeadLettered(id, at(4), "gave up"));
        }
        first = log.segments().get(0).number();
        // Records of one more open transaction until one rolls over: the roll copies all three forward.
        log.append(LogEntries.started("c", "k/c", at(0)));
        originals = store.bytes(first);
        for (int i = 0; log.segments().get(log.segments().size() - 1).number() == first; i++) {
          originals = store.bytes(first);
          log.append(new LogEntry.CopyUpdated("c", at(10 + i), "primary", CopyStatus.IN_PROGRESS, "", "", false));
        }
        for (String id : List.of("a", "b")) {
          acknowledged.put(id, log.read(id).orElseThrow());
        }
      }
      // The originals as they were when the roll-over copied them (the compactor deleted them since),
      // then the new segment: the copies and the record that rolled over.
      TreeMap<Long, byte[]> disk = new TreeMap<>(snapshot(store));
      long copies = disk.lastKey();
      assertThat(copies).isGreaterThan(first);
      disk.headMap(copies).clear();
      disk.put(first, originals);
      int after = disk.get(copies).length;
      for (int length = 0; length < after; length++) {
        try (SegmentedTransactionLog log = open(cut(disk, length, false))) {
          for (String id : List.of("a", "b")) {
            assertThat(log.read(id)).as("%s after a cut keeping %d of the %d bytes of the new segment", id, length,
                after).hasValue(acknowledged.get(id));
          }
          assertThat(log.read("c")).as("c after a cut at %d", length).isPresent();
        }
      }
    }
  }
}
