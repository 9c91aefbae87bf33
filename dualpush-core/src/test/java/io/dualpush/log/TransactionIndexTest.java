package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static io.dualpush.spi.LogEntries.copy;
import static io.dualpush.spi.LogEntries.started;
import static io.dualpush.spi.LogEntries.verifiedBoth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("TransactionIndex")
class TransactionIndexTest {

  private static TransactionIndex indexOf(List<LogEntry> entries) {
    TransactionIndex index = new TransactionIndex();
    entries.forEach(index::apply);
    return index;
  }

  private static TransactionState state(TransactionIndex index, String txn) {
    return index.get(txn).orElseThrow().state();
  }

  /** A push of {@code key} as transaction {@code id}, started and verified on both copies at {@code at}. */
  private static void pushVerified(TransactionIndex index, String id, String key, Instant at) {
    index.apply(started(id, key, at));
    verifiedBoth(id, at).forEach(index::apply);
  }

  private static List<String> ids(List<TransactionRecord> records) {
    return records.stream().map(TransactionRecord::transactionId).toList();
  }

  @Nested
  @DisplayName("supersede rules")
  class Supersede {

    @Test
    @DisplayName("a new start of a key supersedes its open transaction, which leaves open()")
    void newStartSupersedesOpen() {
      TransactionIndex index = new TransactionIndex();
      index.apply(started("t1", "k", at(0)));
      assertThat(index.apply(started("t2", "k", at(5)))).isTrue();

      TransactionRecord t1 = index.get("t1").orElseThrow();
      assertThat(t1.superseded()).isTrue();
      assertThat(t1.state()).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(t1.updatedAt()).isEqualTo(at(5));
      assertThat(index.isOpen("t1")).isFalse();
      assertThat(ids(index.open())).containsExactly("t2");
      assertThat(index.latest("k").orElseThrow().transactionId()).isEqualTo("t2");
    }

    @Test
    @DisplayName("a new start of a key supersedes its verified and its dead-lettered transactions too")
    void newStartSupersedesTerminal() {
      List<LogEntry> entries = new ArrayList<>();
      entries.add(started("v1", "verified-key", at(0)));
      entries.addAll(verifiedBoth("v1", at(1)));
      entries.add(started("d1", "dead-key", at(2)));
      entries.add(new LogEntry.DeadLettered("d1", at(3), "gave up"));
      TransactionIndex index = indexOf(entries);
      assertThat(state(index, "v1")).isEqualTo(TransactionState.VERIFIED);
      assertThat(state(index, "d1")).isEqualTo(TransactionState.DEAD_LETTERED);

      index.apply(started("v2", "verified-key", at(4)));
      index.apply(started("d2", "dead-key", at(5)));

      assertThat(state(index, "v1")).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(state(index, "d1")).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(ids(index.open())).containsExactly("v2", "d2");
    }

    @Test
    @DisplayName("does not touch transactions of other keys")
    void otherKeysUntouched() {
      TransactionIndex index = indexOf(List.of(started("a1", "a", at(0)), started("b1", "b", at(1)),
          started("a2", "a", at(2))));
      assertThat(state(index, "b1")).isEqualTo(TransactionState.IN_PROGRESS);
      assertThat(ids(index.open())).containsExactly("b1", "a2");
    }

    @Test
    @DisplayName("a superseded transaction stays superseded whatever entries of it follow, and is never reopened")
    void supersededStaysSuperseded() {
      TransactionIndex index = indexOf(List.of(started("t1", "k", at(0)), started("t2", "k", at(1))));
      // Late results of t1's writes, a repair round, a retry: none brings it back.
      assertThat(index.apply(copy("t1", "primary", CopyStatus.VERIFIED, at(2)))).isTrue();
      index.apply(copy("t1", "secondary", CopyStatus.FAILED, at(3)));
      index.apply(new LogEntry.Retried("t1", at(4)));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(index.get("t1").orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(ids(index.open())).containsExactly("t2");
      assertThat(index.latest("k").orElseThrow().transactionId()).isEqualTo("t2");
    }

    @Test
    @DisplayName("a second start of a known transaction id is ignored and changes nothing")
    void duplicateStartIgnored() {
      TransactionIndex index = indexOf(List.of(started("t1", "k", at(0))));
      TransactionRecord before = index.get("t1").orElseThrow();
      assertThat(index.apply(started("t1", "other-key", at(9)))).isFalse();
      assertThat(index.get("t1")).contains(before);
      assertThat(index.latest("other-key")).isEmpty();
      assertThat(index.latest("k")).contains(before);
    }

    @Test
    @DisplayName("entries of a transaction it never saw are ignored")
    void unknownTransactionIgnored() {
      TransactionIndex index = new TransactionIndex();
      assertThat(index.apply(copy("nope", "primary", CopyStatus.VERIFIED, at(0)))).isFalse();
      assertThat(index.apply(new LogEntry.Retried("nope", at(0)))).isFalse();
      assertThat(index.ids()).isEmpty();
    }

    @Test
    @DisplayName("replaying the same entries rebuilds the same view")
    void replayIsDeterministic() {
      List<LogEntry> entries = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String txn = "t" + i;
        entries.add(started(txn, "k" + (i % 7), at(i)));
        if (i % 3 == 0) {
          entries.addAll(verifiedBoth(txn, at(i)));
        } else if (i % 3 == 1) {
          entries.add(new LogEntry.DeadLettered(txn, at(i), "r"));
        }
      }
      TransactionIndex a = indexOf(entries);
      TransactionIndex b = indexOf(entries);
      assertThat(b.open()).isEqualTo(a.open());
      assertThat(b.recent(100)).isEqualTo(a.recent(100));
      for (int k = 0; k < 7; k++) {
        assertThat(b.latest("k" + k)).isEqualTo(a.latest("k" + k));
      }
    }
  }

  @Nested
  @DisplayName("terminal retention")
  class Retention {

    @Test
    @DisplayName("keeps only the newest terminal transactions, so memory stays bounded")
    void boundedTerminal() {
      TransactionIndex index = new TransactionIndex(3);
      for (int i = 0; i < 1000; i++) {
        pushVerified(index, "t" + i, "key/" + i, at(i));
      }
      assertThat(index.open()).isEmpty();
      assertThat(index.openCount()).isZero();
      assertThat(ids(index.recent(Integer.MAX_VALUE))).containsExactly("t999", "t998", "t997");
      assertThat(index.ids()).hasSize(3);
      assertThat(index.get("t0")).isEmpty();
      assertThat(index.latest("key/0")).as("the key map forgets dropped transactions").isEmpty();
      assertThat(index.latest("key/999")).isPresent();
    }

    @Test
    @DisplayName("stays bounded when the same keys are pushed over and over")
    void boundedWithRepeatedKeys() {
      TransactionIndex index = new TransactionIndex(10);
      for (int i = 0; i < 2000; i++) {
        index.apply(started("t" + i, "key/" + (i % 5), at(i)));
        if (i % 2 == 0) {
          verifiedBoth("t" + i, at(i)).forEach(index::apply);
        }
      }
      // One open transaction per key at most (the others were superseded), plus the retained terminal ones.
      assertThat(index.open().size()).isLessThanOrEqualTo(5);
      assertThat(index.recent(Integer.MAX_VALUE).size()).isLessThanOrEqualTo(15);
      assertThat(index.ids().size()).isLessThanOrEqualTo(15);
      for (int k = 0; k < 5; k++) {
        assertThat(index.latest("key/" + k).orElseThrow().transactionId()).isEqualTo("t" + (1995 + k));
      }
    }

    @Test
    @DisplayName("never drops a dead-lettered transaction: it waits for a retry however many others finish")
    void deadLetteredNeverDropped() {
      TransactionIndex index = new TransactionIndex(3);
      index.apply(started("dead", "key/dead", at(0)));
      index.apply(new LogEntry.DeadLettered("dead", at(1), "gave up"));
      for (int i = 1; i <= 100; i++) {
        pushVerified(index, "t" + i, "key/" + i, at(i + 1));
      }
      assertThat(index.get("dead")).hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TransactionState.DEAD_LETTERED));
      assertThat(ids(index.recent(Integer.MAX_VALUE))).contains("dead").hasSize(4);
      assertThat(index.latest("key/dead")).isPresent();

      index.apply(new LogEntry.Retried("dead", at(200)));
      assertThat(index.isOpen("dead")).as("a retry reopens it").isTrue();

      index.apply(new LogEntry.DeadLettered("dead", at(201), "gave up again"));
      index.apply(started("newer", "key/dead", at(202)));
      assertThat(index.get("dead")).as("superseded: now subject to retention like any finished one")
          .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TransactionState.SUPERSEDED));
      for (int i = 300; i < 310; i++) {
        pushVerified(index, "t" + i, "key/" + i, at(i));
      }
      assertThat(index.get("dead")).isEmpty();
    }

    @Test
    @DisplayName("never drops an open transaction")
    void openNeverDropped() {
      TransactionIndex index = new TransactionIndex(2);
      for (int i = 0; i < 50; i++) {
        index.apply(started("open" + i, "open/" + i, at(i)));
        pushVerified(index, "done" + i, "done/" + i, at(i));
      }
      assertThat(index.open()).hasSize(50);
      assertThat(index.recent(Integer.MAX_VALUE)).hasSize(52);
      assertThat(index.get("open0")).isPresent();
    }

    @Test
    @DisplayName("a terminal transaction that reopens and ends again is retained as the newest, and the oldest goes first")
    void reopenedRejoinsAsNewest() {
      TransactionIndex index = new TransactionIndex(3);
      for (int i = 0; i < 3; i++) {
        pushVerified(index, "t" + i, "key/" + i, at(i));
      }
      // t1, in the middle of the retention, reopens (a copy found missing) and verifies again.
      index.apply(copy("t1", "primary", CopyStatus.FAILED, at(10)));
      assertThat(index.isOpen("t1")).isTrue();
      index.apply(copy("t1", "primary", CopyStatus.VERIFIED, at(11)));

      for (int i = 3; i < 5; i++) {
        pushVerified(index, "t" + i, "key/" + i, at(20 + i));
      }

      assertThat(index.ids()).containsExactlyInAnyOrder("t1", "t3", "t4");
      assertThat(index.latest("key/0")).isEmpty();
      assertThat(index.latest("key/2")).isEmpty();
      assertThat(index.latest("key/1")).hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(TransactionState.VERIFIED));
    }

    @Test
    @DisplayName("of zero keeps no terminal transaction at all")
    void zeroRetention() {
      TransactionIndex index = new TransactionIndex(0);
      index.apply(started("t1", "k", at(0)));
      verifiedBoth("t1", at(1)).forEach(index::apply);
      assertThat(index.ids()).isEmpty();
      assertThat(index.latest("k")).isEmpty();
    }

    @Test
    @DisplayName("refuses a negative retention")
    void negativeRetention() {
      assertThatThrownBy(() -> new TransactionIndex(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  @DisplayName("dead letters and retries")
  class DeadLetters {

    private TransactionIndex deadLettered() {
      return indexOf(List.of(
          started("t1", "k", at(0)),
          copy("t1", "primary", CopyStatus.FAILED, at(1)),
          copy("t1", "secondary", CopyStatus.FAILED, at(1)),
          new LogEntry.RepairAttempted("t1", at(2), 1),
          new LogEntry.RepairAttempted("t1", at(3), 2),
          new LogEntry.DeadLettered("t1", at(4), "gave up after 2 rounds")));
    }

    @Test
    @DisplayName("a dead-lettered transaction leaves open() but is still readable")
    void deadLetterLeavesOpen() {
      TransactionIndex index = deadLettered();
      TransactionRecord t1 = index.get("t1").orElseThrow();
      assertThat(t1.state()).isEqualTo(TransactionState.DEAD_LETTERED);
      assertThat(t1.deadLetterReason()).contains("gave up after 2 rounds");
      assertThat(t1.repairRounds()).isEqualTo(2);
      assertThat(index.open()).isEmpty();
      assertThat(index.isOpen("t1")).isFalse();
    }

    @Test
    @DisplayName("Retried revives it: back in open(), rounds reset, reason cleared, state from its copies")
    void retriedRevives() {
      TransactionIndex index = deadLettered();
      assertThat(index.apply(new LogEntry.Retried("t1", at(5)))).isTrue();
      TransactionRecord t1 = index.get("t1").orElseThrow();
      assertThat(t1.state()).isEqualTo(TransactionState.FAILED);
      assertThat(t1.repairRounds()).isZero();
      assertThat(t1.deadLetterReason()).isEmpty();
      assertThat(ids(index.open())).containsExactly("t1");

      // It can finish normally after the retry ...
      verifiedBoth("t1", at(6)).forEach(index::apply);
      assertThat(state(index, "t1")).isEqualTo(TransactionState.VERIFIED);
      assertThat(index.open()).isEmpty();
    }

    @Test
    @DisplayName("a revived transaction can be dead-lettered and revived again")
    void reviveTwice() {
      TransactionIndex index = deadLettered();
      index.apply(new LogEntry.Retried("t1", at(5)));
      index.apply(new LogEntry.DeadLettered("t1", at(6), "again"));
      assertThat(index.open()).isEmpty();
      index.apply(new LogEntry.Retried("t1", at(7)));
      assertThat(ids(index.open())).containsExactly("t1");
    }

    @Test
    @DisplayName("Retried of a verified transaction leaves it verified and closed")
    void retriedVerifiedStaysVerified() {
      List<LogEntry> entries = new ArrayList<>(List.of(started("t1", "k", at(0))));
      entries.addAll(verifiedBoth("t1", at(1)));
      TransactionIndex index = indexOf(entries);
      index.apply(new LogEntry.Retried("t1", at(2)));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.VERIFIED);
      assertThat(index.open()).isEmpty();
    }
  }

  @Nested
  @DisplayName("derived state")
  class DerivedState {

    private LogEntry.Started withOptional() {
      return new LogEntry.Started("t1", at(0), "k", 1, "md5", "", "", "application/octet-stream", Map.of(),
          List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true),
              new LogEntry.Target("edge", false)), 2, "");
    }

    @Test
    @DisplayName("is COMPLETED when the required copies are verified and an optional one is not, and stays open")
    void completedWithOptionalPending() {
      TransactionIndex index = indexOf(List.of(withOptional(),
          copy("t1", "primary", CopyStatus.VERIFIED, at(1)), copy("t1", "secondary", CopyStatus.VERIFIED, at(1))));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.COMPLETED);
      assertThat(index.get("t1").orElseThrow().ackPolicyHolds()).isTrue();
      assertThat(index.isOpen("t1")).isTrue();
    }

    @Test
    @DisplayName("is INCONSISTENT when a copy's digest differs from the source")
    void inconsistent() {
      TransactionIndex index = indexOf(List.of(started("t1", "k", at(0)),
          copy("t1", "primary", CopyStatus.VERIFIED, at(1)),
          new LogEntry.CopyUpdated("t1", at(1), "secondary", CopyStatus.FAILED, "other", "digest mismatch", true)));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.INCONSISTENT);
      assertThat(index.isOpen("t1")).isTrue();
    }

    @Test
    @DisplayName("is PARTIALLY_COMPLETED when some but not enough copies are verified and none is under way")
    void partial() {
      TransactionIndex index = indexOf(List.of(started("t1", "k", at(0)),
          copy("t1", "primary", CopyStatus.VERIFIED, at(1)), copy("t1", "secondary", CopyStatus.FAILED, at(1))));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
      assertThat(index.get("t1").orElseThrow().ackPolicyHolds()).isFalse();
    }

    private LogEntry.Started quorumOfOne() {
      return new LogEntry.Started("t1", at(0), "k", 1, "md5", "", "", "application/octet-stream", Map.of(),
          List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true),
              new LogEntry.Target("edge", false)), 1, "");
    }

    @Test
    @DisplayName("is PARTIALLY_COMPLETED, not IN_PROGRESS, when a required copy failed while an optional one is still writing")
    void requiredFailedOptionalWriting() {
      TransactionIndex index = indexOf(List.of(withOptional(),
          copy("t1", "primary", CopyStatus.VERIFIED, at(1)), copy("t1", "secondary", CopyStatus.FAILED, at(1)),
          copy("t1", "edge", CopyStatus.IN_PROGRESS, at(1))));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
    }

    @Test
    @DisplayName("is FAILED when no copy is verified and a required one failed, even while others are still writing")
    void failedWhileOthersWrite() {
      TransactionIndex index = indexOf(List.of(withOptional(), copy("t1", "primary", CopyStatus.FAILED, at(1))));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.FAILED);
    }

    @Test
    @DisplayName("is IN_PROGRESS while the ack policy can still hold: a required copy is unsettled and none has failed it")
    void inProgressWhileUndecided() {
      TransactionIndex index = indexOf(List.of(withOptional(), copy("t1", "primary", CopyStatus.VERIFIED, at(1)),
          copy("t1", "edge", CopyStatus.FAILED, at(1))));
      assertThat(state(index, "t1")).isEqualTo(TransactionState.IN_PROGRESS);
    }

    @Test
    @DisplayName("is QUORUM_ACKNOWLEDGED, never COMPLETED, when a quorum is verified but a required copy is not")
    void quorumAcknowledged() {
      TransactionIndex writing = indexOf(List.of(quorumOfOne(), copy("t1", "primary", CopyStatus.VERIFIED, at(1))));
      assertThat(state(writing, "t1")).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);
      TransactionIndex failed = indexOf(List.of(quorumOfOne(), copy("t1", "primary", CopyStatus.VERIFIED, at(1)),
          copy("t1", "secondary", CopyStatus.FAILED, at(1))));
      assertThat(state(failed, "t1")).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);
      assertThat(failed.get("t1").orElseThrow().ackPolicyHolds()).isTrue();
      assertThat(failed.isOpen("t1")).isTrue();
      TransactionIndex both = indexOf(List.of(quorumOfOne(), copy("t1", "primary", CopyStatus.VERIFIED, at(1)),
          copy("t1", "secondary", CopyStatus.VERIFIED, at(1))));
      assertThat(state(both, "t1")).isEqualTo(TransactionState.COMPLETED);
    }
  }

  @Nested
  @DisplayName("recent")
  class Recent {

    @Test
    @DisplayName("lists the newest first by start time, then by arrival, and only as many as asked")
    void order() {
      TransactionIndex index = new TransactionIndex();
      index.apply(started("b", "k/b", at(5)));
      index.apply(started("a", "k/a", at(1)));
      index.apply(started("c", "k/c", at(5)));
      index.apply(copy("a", "primary", CopyStatus.VERIFIED, at(6)));
      assertThat(ids(index.recent(2))).containsExactly("c", "b");
      assertThat(ids(index.recent(10))).containsExactly("c", "b", "a");
      assertThat(index.recent(10).get(2).copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(index.recent(0)).isEmpty();
    }

    @Test
    @DisplayName("regression: does not wait for the lock the writer folding records holds, so polling stats never "
        + "stalls group commit")
    void withoutTheWritersLock() throws Exception {
      TransactionIndex index = new TransactionIndex();
      for (int i = 0; i < 100; i++) {
        index.apply(started("t" + i, "k/" + i, at(i)));
      }
      java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      Thread writer = new Thread(() -> {
        synchronized (index) { // what apply() holds while the log's writer folds a batch in
          held.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }, "folding-writer");
      writer.start();
      try {
        held.await();
        assertThat(java.util.concurrent.CompletableFuture.supplyAsync(() -> ids(index.recent(3))))
            .succeedsWithin(java.time.Duration.ofSeconds(10)).isEqualTo(List.of("t99", "t98", "t97"));
      } finally {
        release.countDown();
        writer.join();
      }
    }
  }
}
