package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link TransactionLog} keeps, as its Javadoc states it: entries fold into
 * {@link TransactionRecord}s, {@code open()} lists every non-terminal transaction oldest first, and a
 * reopened log yields the same transactions in the same states. Extend this and implement
 * {@link #createLog()} and {@link #reopen(TransactionLog)} over the same storage, and the crash
 * tier's hooks {@link #crashAndReopen(TransactionLog)} and {@link #truncateTail(TransactionLog, int)}.
 * A log that keeps its bytes in a {@code SegmentStore} also overrides {@link #powerLossLogFactory()},
 * which runs the power-loss tier: thousands of random power cuts on a {@link SimulatedDiskSegmentStore}
 * ({@link PowerLossTrials}). The crash tier only kills the process, so the page cache survives and a
 * log that never fsyncs passes it; the power-loss tier loses what was not synced.
 *
 * <pre>{@code
 * class MyLogTest extends TransactionLogContract {
 *   protected TransactionLog createLog() { return MyLog.open(dir); }
 *   protected TransactionLog reopen(TransactionLog closed) { return MyLog.open(dir); }
 *   protected TransactionLog crashAndReopen(TransactionLog log) { log.abandonLikeAKilledProcess(); return MyLog.open(dir); }
 *   protected void truncateTail(TransactionLog closed, int bytes) { cut the last bytes of the storage }
 * }
 * }</pre>
 */
public abstract class TransactionLogContract {
  /** The digest of the empty payload, a valid base64 MD5 for entries. */
  protected static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
  /** An instant with nanoseconds, so a log that rounds timestamps fails. */
  protected static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");
  /** The targets of {@link #started}: {@code primary} and {@code secondary}, both required. */
  protected static final List<LogEntry.Target> TWO_REQUIRED =
      List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true));

  /** The log under test; replaced by {@link #restart()}. */
  protected TransactionLog log;

  /**
   * A new, empty log. Called before each test.
   *
   * @return the log
   */
  protected abstract TransactionLog createLog();

  /**
   * A log over the same storage as {@code closed}, which has just been closed: what a process
   * restarting on that storage would open.
   *
   * @param closed the log just closed
   * @return a log open over the same storage
   */
  protected abstract TransactionLog reopen(TransactionLog closed);

  /**
   * Simulates a crash of the process holding {@code log} (kill -9: no close, no flush, nothing
   * beyond what {@link TransactionLog#append} already made durable) and returns a log opened over
   * the same storage, as the restarted process would.
   *
   * @param log the log to crash; not closed
   * @return a log open over the same storage
   */
  protected abstract TransactionLog crashAndReopen(TransactionLog log);

  /**
   * Tears the last record of {@code closedLog}'s storage, as a crash in the middle of writing it
   * would: cuts {@code bytes} bytes (fewer than the last record holds) off the end. A log that does
   * not store bytes drops its last entry.
   *
   * @param closedLog a closed log
   * @param bytes how many bytes to cut, at least 1
   */
  protected abstract void truncateTail(TransactionLog closedLog, int bytes);

  /**
   * Number of threads in the concurrency test.
   *
   * @return the number of threads, 8 unless overridden
   */
  protected int threads() {
    return 8;
  }

  @BeforeEach
  void createLogUnderTest() {
    log = createLog();
  }

  @AfterEach
  void closeLogUnderTest() {
    if (log != null) {
      log.close();
    }
  }

  /**
   * Closes the log and reopens it over the same storage.
   *
   * @return the reopened log, also now in {@link #log}
   */
  protected TransactionLog restart() {
    TransactionLog old = log;
    old.close();
    log = null;
    log = reopen(old);
    return log;
  }

  // ------------------------------------------------------------------ entry factories

  /**
   * The instant {@code seconds} after {@link #T0}.
   *
   * @param seconds seconds after {@link #T0}
   * @return the instant
   */
  protected static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /**
   * A fresh transaction id, so a log shared between tests does not mix them.
   *
   * @param name a readable stem
   * @return {@code name} with a random suffix
   */
  protected static String txn(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * A minimal start of {@code txn} for {@code key}: 42 bytes, two required targets, both needed to
   * acknowledge.
   *
   * @param txn the transaction id
   * @param key the object key
   * @param at when it started
   * @return the entry
   */
  protected static LogEntry.Started started(String txn, String key, Instant at) {
    return new LogEntry.Started(txn, at, key, 42, MD5, "", "", "application/octet-stream", Map.of(), TWO_REQUIRED, 2, "");
  }

  /**
   * A start with every field filled in, unicode included.
   *
   * @param txn the transaction id
   * @param key the object key
   * @param at when it started
   * @return the entry
   */
  protected static LogEntry.Started fullStarted(String txn, String key, Instant at) {
    return new LogEntry.Started(txn, at, key, 1L << 40, "rL0Y20zC+Fzt72VPzMSk2A==", "sales", "msg-" + txn, "text/csv",
        Map.of("owner", "équipe a", "_x", ""),
        List.of(new LogEntry.Target("primary", true), new LogEntry.Target("dr", true), new LogEntry.Target("edge", false)),
        2, "/data/in/sales.csv");
  }

  /**
   * A status change of one copy: VERIFIED ones carry the MD5, FAILED ones an error.
   *
   * @param txn the transaction id
   * @param destination the destination's id
   * @param status the new status
   * @param at when it changed
   * @return the entry
   */
  protected static LogEntry.CopyUpdated copy(String txn, String destination, CopyStatus status, Instant at) {
    return new LogEntry.CopyUpdated(txn, at, destination, status, status == CopyStatus.VERIFIED ? MD5 : "",
        status == CopyStatus.FAILED ? "boom" : "", false);
  }

  /**
   * Appends a started transaction of {@code key} and returns its id.
   *
   * @param name a readable stem for the id
   * @param key the object key
   * @param at when it started
   * @return the new transaction's id
   */
  protected String begin(String name, String key, Instant at) {
    String id = txn(name);
    log.append(started(id, key, at));
    return id;
  }

  /**
   * Appends the entries that verify both copies of a {@link #started} transaction.
   *
   * @param txn a transaction begun with {@link #begin}
   * @param at when the copies were verified
   */
  protected void verifyBoth(String txn, Instant at) {
    log.append(copy(txn, "primary", CopyStatus.VERIFIED, at));
    log.append(copy(txn, "secondary", CopyStatus.VERIFIED, at));
  }

  private static List<String> ids(List<TransactionRecord> records) {
    return records.stream().map(TransactionRecord::transactionId).toList();
  }

  // ------------------------------------------------------------------ the contract

  @Nested
  @DisplayName("append and read")
  class AppendAndRead {
    @Test
    @DisplayName("a started transaction reads back with every copy pending")
    void startedReadsBack() {
      String id = txn("t");
      LogEntry.Started s = fullStarted(id, "données/日本語.csv", at(0));
      log.append(s);
      TransactionRecord r = log.read(id).orElseThrow();
      assertThat(r.start()).isEqualTo(s);
      assertThat(r.copies()).extracting(CopyRecord::destinationId).containsExactly("primary", "dr", "edge");
      assertThat(r.copies()).allSatisfy(c -> assertThat(c.status()).isEqualTo(CopyStatus.PENDING));
      assertThat(r.state()).isEqualTo(TransactionState.IN_PROGRESS);
    }

    @Test
    @DisplayName("copy updates fold into the record")
    void copyUpdatesFold() {
      String id = begin("t", "a.csv", at(0));
      log.append(copy(id, "primary", CopyStatus.VERIFIED, at(1)));
      log.append(new LogEntry.CopyUpdated(id, at(2), "secondary", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==",
          "digest mismatch", true));
      TransactionRecord r = log.read(id).orElseThrow();
      assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      CopyRecord secondary = r.copy("secondary").orElseThrow();
      assertThat(secondary.status()).isEqualTo(CopyStatus.FAILED);
      assertThat(secondary.error()).isEqualTo("digest mismatch");
      assertThat(secondary.mismatch()).isTrue();
      assertThat(secondary.updatedAt()).isEqualTo(at(2));
      assertThat(r.state()).isEqualTo(TransactionState.INCONSISTENT);
      assertThat(r.updatedAt()).isEqualTo(at(2));
    }

    @Test
    @DisplayName("both copies verified makes the transaction VERIFIED")
    void verified() {
      String id = begin("t", "v.csv", at(0));
      verifyBoth(id, at(1));
      assertThat(log.read(id).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
    }

    @Test
    @DisplayName("repair rounds, dead letter and retry fold in order")
    void repairDeadLetterRetry() {
      String id = begin("t", "r.csv", at(0));
      log.append(copy(id, "primary", CopyStatus.VERIFIED, at(1)));
      log.append(copy(id, "secondary", CopyStatus.FAILED, at(1)));
      log.append(new LogEntry.RepairAttempted(id, at(2), 1));
      log.append(new LogEntry.RepairAttempted(id, at(3), 2));
      assertThat(log.read(id).orElseThrow().repairRounds()).isEqualTo(2);
      log.append(new LogEntry.DeadLettered(id, at(4), "gave up after 2 rounds"));
      TransactionRecord dead = log.read(id).orElseThrow();
      assertThat(dead.state()).isEqualTo(TransactionState.DEAD_LETTERED);
      assertThat(dead.deadLetterReason()).hasValue("gave up after 2 rounds");
      assertThat(ids(log.open())).doesNotContain(id);
      log.append(new LogEntry.Retried(id, at(5)));
      TransactionRecord retried = log.read(id).orElseThrow();
      assertThat(retried.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
      assertThat(retried.repairRounds()).isZero();
      assertThat(ids(log.open())).contains(id);
    }

    @Test
    @DisplayName("an unknown transaction reads as empty")
    void unknown() {
      assertThat(log.read(txn("never"))).isEmpty();
      assertThat(log.latest("never/written.csv")).isEmpty();
    }
  }

  @Nested
  @DisplayName("open listings: openPage, openSummary, deadLettered")
  class OpenListings {
    private boolean overrides(String method, Class<?>... parameters) {
      try {
        return log.getClass().getMethod(method, parameters).getDeclaringClass() != TransactionLog.class;
      } catch (NoSuchMethodException e) {
        throw new AssertionError(e);
      }
    }

    @Test
    @DisplayName("a pass of openPage while transactions open and close returns every one open throughout, only "
        + "open ones, in pages no larger than the limit where the log overrides openPage")
    void pageWhileChanging() {
      List<String> throughout = new ArrayList<>();
      List<String> closing = new ArrayList<>();
      for (int i = 0; i < 90; i++) {
        String id = begin("p" + i, "page/" + i + ".bin", at(i));
        (i % 3 == 0 ? throughout : closing).add(id);
      }
      boolean bounded = overrides("openPage", long.class, int.class);
      java.util.Set<String> seen = new java.util.HashSet<>();
      long position = 0;
      int pages = 0;
      int step = 0;
      while (true) {
        var page = log.openPage(position, 7);
        if (bounded) {
          assertThat(page.transactions()).hasSizeLessThanOrEqualTo(7);
        }
        assertThat(page.transactions()).allSatisfy(r -> assertThat(r.state().isTerminal()).isFalse());
        for (TransactionRecord r : page.transactions()) {
          seen.add(r.transactionId());
        }
        // Meanwhile some open and some close.
        begin("n" + step, "page/new-" + step + ".bin", at(100 + step));
        if (step < closing.size()) {
          verifyBoth(closing.get(step), at(200 + step));
        }
        step++;
        pages++;
        assertThat(pages).as("pages in one pass").isLessThan(1_000);
        if (page.last()) {
          break;
        }
        position = page.next();
      }
      assertThat(seen).containsAll(throughout);
      assertThatThrownBy(() -> log.openPage(0, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> log.openPage(-1, 5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("openSummary counts what open() lists and names its oldest start; empty when nothing is open")
    void summaryMatchesOpen() {
      assertThat(log.openSummary().count()).isZero();
      assertThat(log.openSummary().oldestStart()).isEmpty();
      String late = begin("late", "summary/late.bin", at(50));
      String early = begin("early", "summary/early.bin", at(10)); // started earlier, appended later
      String done = begin("done", "summary/done.bin", at(1));
      verifyBoth(done, at(2));
      String dead = begin("dead", "summary/dead.bin", at(0));
      log.append(new LogEntry.DeadLettered(dead, at(3), "gave up"));
      List<TransactionRecord> open = log.open();
      assertThat(ids(open)).containsExactlyInAnyOrder(late, early);
      assertThat(log.openSummary().count()).isEqualTo(open.size());
      assertThat(log.openSummary().oldestStart()).hasValue(at(10));
      verifyBoth(early, at(60));
      assertThat(log.openSummary().count()).isEqualTo(1);
      assertThat(log.openSummary().oldestStart()).hasValue(at(50));
      restart();
      assertThat(log.openSummary().count()).isEqualTo(log.open().size()).isEqualTo(1);
      assertThat(log.openSummary().oldestStart()).hasValue(at(50));
    }

    @Test
    @DisplayName("deadLettered lists the dead-lettered transactions oldest first, none of them in open(); a retried "
        + "one leaves it, also after a reopen")
    void deadLetteredOldestFirst() {
      String first = begin("d1", "dead/1.bin", at(0));
      String second = begin("d2", "dead/2.bin", at(1));
      String open = begin("o", "dead/open.bin", at(2));
      log.append(new LogEntry.DeadLettered(first, at(3), "gave up"));
      log.append(new LogEntry.DeadLettered(second, at(4), "gave up too"));
      assertThat(ids(log.deadLettered())).containsExactly(first, second);
      assertThat(log.deadLettered()).allSatisfy(r -> assertThat(r.state()).isEqualTo(TransactionState.DEAD_LETTERED));
      assertThat(ids(log.open())).containsExactly(open);
      log.append(new LogEntry.Retried(first, at(5)));
      assertThat(ids(log.deadLettered())).containsExactly(second);
      assertThat(ids(log.open())).containsExactlyInAnyOrder(open, first);
      restart();
      assertThat(ids(log.deadLettered())).containsExactly(second);
      assertThat(ids(log.open())).containsExactlyInAnyOrder(open, first);
    }
  }

  @Nested
  @DisplayName("queries")
  class Queries {
    @Test
    @DisplayName("open() lists every non-terminal transaction, oldest first, and no terminal one")
    void openOldestFirst() {
      String a = begin("a", "a.csv", at(0));
      String done = begin("done", "done.csv", at(1));
      String b = begin("b", "b.csv", at(2));
      String c = begin("c", "c.csv", at(3));
      verifyBoth(done, at(4));
      log.append(copy(b, "primary", CopyStatus.FAILED, at(5)));
      log.append(copy(b, "secondary", CopyStatus.FAILED, at(5)));
      String dead = begin("dead", "dead.csv", at(6));
      log.append(new LogEntry.DeadLettered(dead, at(7), "gave up"));
      assertThat(ids(log.open())).containsExactly(a, b, c);
      assertThat(log.open()).allSatisfy(r -> assertThat(r.state().isTerminal()).isFalse());
    }

    @Test
    @DisplayName("latest(key) is the newest transaction of the key; the older one is superseded")
    void latestOfKey() {
      String first = begin("first", "same.csv", at(0));
      String other = begin("other", "other.csv", at(1));
      String second = begin("second", "same.csv", at(2));
      assertThat(log.latest("same.csv")).hasValueSatisfying(r -> assertThat(r.transactionId()).isEqualTo(second));
      assertThat(log.latest("other.csv")).hasValueSatisfying(r -> assertThat(r.transactionId()).isEqualTo(other));
      assertThat(log.read(first).orElseThrow().state()).isEqualTo(TransactionState.SUPERSEDED);
      assertThat(ids(log.open())).containsExactly(other, second);
    }

    @Test
    @DisplayName("recent(limit) is newest first and holds at most limit transactions")
    void recentNewestFirst() {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(begin("r" + i, "recent/" + i + ".csv", at(i)));
        if (i % 3 == 0) {
          verifyBoth(ids.get(i), at(i));
        }
      }
      assertThat(ids(log.recent(4))).containsExactly(ids.get(9), ids.get(8), ids.get(7), ids.get(6));
      List<String> all = new ArrayList<>(ids);
      java.util.Collections.reverse(all);
      assertThat(ids(log.recent(100))).containsExactlyElementsOf(all);
      assertThat(log.recent(0)).isEmpty();
    }
  }

  @Nested
  @DisplayName("durability")
  class Durability {
    @Test
    @DisplayName("a reopened log yields the same transactions in the same states")
    void reopenSameState() {
      String open = begin("open", "open.csv", at(0));
      log.append(copy(open, "primary", CopyStatus.VERIFIED, at(1)));
      String verified = begin("verified", "verified.csv", at(2));
      verifyBoth(verified, at(3));
      String failed = begin("failed", "failed.csv", at(4));
      log.append(copy(failed, "primary", CopyStatus.FAILED, at(5)));
      log.append(copy(failed, "secondary", CopyStatus.FAILED, at(5)));
      log.append(new LogEntry.RepairAttempted(failed, at(6), 1));
      String dead = begin("dead", "dead.csv", at(7));
      log.append(new LogEntry.DeadLettered(dead, at(8), "gave up"));
      String superseded = begin("old", "verified.csv", at(9));
      String full = txn("full");
      log.append(fullStarted(full, "données/日本語.csv", at(10)));

      Map<String, TransactionRecord> before = new HashMap<>();
      for (String id : List.of(open, verified, failed, dead, superseded, full)) {
        before.put(id, log.read(id).orElseThrow());
      }
      List<String> openBefore = ids(log.open());
      List<String> recentBefore = ids(log.recent(100));
      Map<String, String> latestBefore = new HashMap<>();
      for (String key : List.of("open.csv", "verified.csv", "failed.csv", "dead.csv", "données/日本語.csv")) {
        latestBefore.put(key, log.latest(key).orElseThrow().transactionId());
      }

      restart();

      assertThat(log.openWarnings()).as("a log reopened after a clean close found nothing to work around").isEmpty();
      for (Map.Entry<String, TransactionRecord> e : before.entrySet()) {
        assertThat(log.read(e.getKey())).as("transaction %s after reopen", e.getKey()).hasValue(e.getValue());
      }
      assertThat(ids(log.open())).containsExactlyElementsOf(openBefore);
      assertThat(ids(log.recent(100))).containsExactlyElementsOf(recentBefore);
      latestBefore.forEach((key, id) ->
          assertThat(log.latest(key)).hasValueSatisfying(r -> assertThat(r.transactionId()).isEqualTo(id)));
    }

    @Test
    @DisplayName("a reopened log accepts further entries of earlier transactions")
    void appendAfterReopen() {
      String id = begin("t", "later.csv", at(0));
      restart();
      verifyBoth(id, at(1));
      assertThat(log.read(id).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      restart();
      assertThat(log.read(id).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(ids(log.open())).doesNotContain(id);
    }

    @Test
    @DisplayName("append after close fails")
    void appendAfterClose() {
      log.close();
      assertThatThrownBy(() -> log.append(started(txn("late"), "late.csv", at(0)))).isInstanceOf(DualPushException.class);
    }

    @Test
    @DisplayName("checkpoint loses no open transaction, before or after reopen")
    void checkpointKeepsOpen() {
      List<String> open = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String id = begin("c" + i, "checkpoint/" + i + ".csv", at(i));
        if (i % 2 == 0) {
          verifyBoth(id, at(i));
        } else {
          open.add(id);
        }
      }
      Map<String, TransactionRecord> before = new HashMap<>();
      open.forEach(id -> before.put(id, log.read(id).orElseThrow()));
      log.checkpoint();
      assertThat(ids(log.open())).containsExactlyElementsOf(open);
      String after = begin("after", "checkpoint/after.csv", at(100));
      restart();
      List<String> expected = new ArrayList<>(open);
      expected.add(after);
      assertThat(ids(log.open())).containsExactlyElementsOf(expected);
      before.forEach((id, r) -> assertThat(log.read(id)).hasValue(r));
    }

    @Test
    @DisplayName("concurrent appends from several threads are all present after reopen")
    void concurrentAppends() throws InterruptedException {
      int perThread = 50;
      List<List<String>> written = Concurrently.run(threads(), t -> () -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < perThread; i++) {
          String id = txn("c" + t + "-" + i);
          log.append(started(id, "concurrent/" + t + "/" + i + ".csv", at(i)));
          log.append(copy(id, "primary", CopyStatus.VERIFIED, at(i + 1)));
          if (i % 2 == 0) {
            log.append(copy(id, "secondary", CopyStatus.VERIFIED, at(i + 1)));
          }
          ids.add(id);
        }
        return ids;
      });
      restart();
      int open = 0;
      for (List<String> ids : written) {
        for (int i = 0; i < ids.size(); i++) {
          Optional<TransactionRecord> found = log.read(ids.get(i));
          if (i % 2 == 0 && found.isEmpty()) {
            continue; // verified: a log may compact finished transactions away
          }
          TransactionRecord r = found.orElseThrow(() -> new AssertionError("lost an open transaction"));
          assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
          assertThat(r.state()).isEqualTo(i % 2 == 0 ? TransactionState.VERIFIED : TransactionState.IN_PROGRESS);
          open += i % 2 == 0 ? 0 : 1;
        }
      }
      assertThat(log.open()).hasSize(open);
    }
  }

  @Nested
  @DisplayName("crash tier: a crash loses nothing that append returned")
  class Crash {
    /** Crashes the log under test and reopens it. */
    private void crash() {
      TransactionLog old = log;
      log = null;
      log = crashAndReopen(old);
    }

    @Test
    @DisplayName("every append that returned survives a crash, in the same state")
    void returnedAppendsSurvive() {
      String open = begin("open", "crash/open.csv", at(0));
      log.append(copy(open, "primary", CopyStatus.VERIFIED, at(1)));
      String verified = begin("verified", "crash/verified.csv", at(2));
      verifyBoth(verified, at(3));
      String dead = begin("dead", "crash/dead.csv", at(4));
      log.append(new LogEntry.DeadLettered(dead, at(5), "gave up"));
      Map<String, TransactionRecord> before = new HashMap<>();
      for (String id : List.of(open, verified, dead)) {
        before.put(id, log.read(id).orElseThrow());
      }
      List<String> openBefore = ids(log.open());
      crash();
      before.forEach((id, r) -> assertThat(log.read(id)).as("transaction %s after the crash", id).hasValue(r));
      assertThat(ids(log.open())).containsExactlyElementsOf(openBefore);
    }

    @Test
    @DisplayName("every buffered append that returned survives a crash of the process, in the same state")
    void returnedBufferedAppendsSurvive() {
      String open = begin("b-open", "crash/buffered/open.csv", at(0));
      log.appendBuffered(copy(open, "primary", CopyStatus.VERIFIED, at(1)));
      log.appendBuffered(copy(open, "secondary", CopyStatus.FAILED, at(2)));
      log.appendBuffered(new LogEntry.RepairAttempted(open, at(3), 1));
      String verified = begin("b-verified", "crash/buffered/verified.csv", at(4));
      log.appendBuffered(copy(verified, "primary", CopyStatus.VERIFIED, at(5)));
      log.appendBuffered(copy(verified, "secondary", CopyStatus.VERIFIED, at(6)));
      Map<String, TransactionRecord> before = new HashMap<>();
      for (String id : List.of(open, verified)) {
        before.put(id, log.read(id).orElseThrow());
      }
      assertThat(before.get(verified).state()).as("a buffered append is visible on return").isEqualTo(
          TransactionState.VERIFIED);
      crash();
      before.forEach((id, r) -> assertThat(log.read(id)).as("transaction %s after the crash", id).hasValue(r));
      assertThat(ids(log.open())).containsExactly(open);
    }

    @Test
    @DisplayName("every concurrent buffered append that returned survives a crash of the process")
    void concurrentBufferedAppendsSurvive() throws InterruptedException {
      List<List<String>> written = Concurrently.run(threads(), t -> () -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String id = txn("cb" + t + "-" + i);
          log.append(started(id, "crash/concurrent-buffered/" + t + "/" + i + ".csv", at(i)));
          log.appendBuffered(copy(id, "primary", CopyStatus.VERIFIED, at(i + 1)));
          ids.add(id);
        }
        return ids;
      });
      crash();
      for (List<String> ids : written) {
        for (String id : ids) {
          assertThat(log.read(id).flatMap(r -> r.copy("primary")).map(c -> c.status()))
              .as("transaction %s's buffered copy after the crash", id).hasValue(CopyStatus.VERIFIED);
        }
      }
    }

    @Test
    @DisplayName("every concurrent append that returned survives a crash")
    void concurrentAppendsSurvive() throws InterruptedException {
      List<List<String>> written = Concurrently.run(threads(), t -> () -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          String id = txn("cc" + t + "-" + i);
          log.append(started(id, "crash/concurrent/" + t + "/" + i + ".csv", at(i)));
          ids.add(id);
        }
        return ids;
      });
      crash();
      for (List<String> ids : written) {
        for (String id : ids) {
          assertThat(log.read(id)).as("transaction %s after the crash", id).isPresent();
        }
      }
    }

    @Test
    @DisplayName("a torn last record is dropped; every earlier one survives and the log accepts appends")
    void tornLastRecord() {
      String first = begin("first", "torn/first.csv", at(0));
      log.append(copy(first, "primary", CopyStatus.VERIFIED, at(1)));
      String second = begin("second", "torn/second.csv", at(2));
      log.append(copy(second, "primary", CopyStatus.VERIFIED, at(3)));
      TransactionRecord firstBefore = log.read(first).orElseThrow();
      String torn = txn("torn");
      log.append(started(torn, "torn/torn.csv", at(4)));
      TransactionLog old = log;
      old.close();
      log = null;
      truncateTail(old, 3);
      log = reopen(old);
      // A log that stores bytes says it dropped a torn tail; nothing else happened.
      assertThat(log.openWarnings()).extracting(LogOpenWarning::kind)
          .allMatch(k -> k == LogOpenWarning.Kind.TORN_TAIL_DROPPED);
      assertThat(log.read(torn)).as("the torn record's transaction").isEmpty();
      assertThat(log.read(first)).hasValue(firstBefore);
      assertThat(log.read(second).orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      String after = begin("after", "torn/after.csv", at(5));
      verifyBoth(second, at(6));
      restart();
      assertThat(log.openWarnings()).as("the torn tail is gone").isEmpty();
      assertThat(log.read(after)).isPresent();
      assertThat(log.read(second).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(log.read(torn)).isEmpty();
    }

    @Test
    @DisplayName("appends after recovering from a crash work, and survive the next crash")
    void appendsAfterRecovery() {
      String id = begin("t", "crash/again.csv", at(0));
      crash();
      log.append(copy(id, "primary", CopyStatus.VERIFIED, at(1)));
      String next = begin("next", "crash/next.csv", at(2));
      crash();
      assertThat(log.read(id).orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(ids(log.open())).containsExactly(id, next);
      verifyBoth(id, at(3));
      crash();
      assertThat(log.read(id).orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(ids(log.open())).containsExactly(next);
    }

    @Test
    @DisplayName("open transactions survive a checkpoint followed by a crash")
    void openSurviveCheckpointAndCrash() {
      List<String> open = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String id = begin("k" + i, "crash/checkpoint/" + i + ".csv", at(i));
        if (i % 4 == 0) {
          open.add(id);
          log.append(copy(id, "primary", CopyStatus.FAILED, at(i)));
        } else {
          verifyBoth(id, at(i));
        }
      }
      Map<String, TransactionRecord> before = new HashMap<>();
      open.forEach(id -> before.put(id, log.read(id).orElseThrow()));
      log.checkpoint();
      crash();
      assertThat(ids(log.open())).containsExactlyElementsOf(open);
      before.forEach((id, r) -> assertThat(log.read(id)).hasValue(r));
      log.checkpoint();
      crash();
      assertThat(ids(log.open())).containsExactlyElementsOf(open);
    }
  }

  // ------------------------------------------------------------------ the power-loss tier

  /** System property: the seed of the power-loss tier's trials, to replay a failure (random by default). */
  public static final String SEED_PROPERTY = "dualpush.powerLoss.seed";
  /** System property: run only this trial of the seed (as a failure message names it). */
  public static final String TRIAL_PROPERTY = "dualpush.powerLoss.trial";
  /** System property: how many trials the power-loss tier runs (default {@value #DEFAULT_POWER_LOSS_TRIALS}). */
  public static final String TRIALS_PROPERTY = "dualpush.powerLoss.trials";
  /** Trials the power-loss tier runs unless {@link #TRIALS_PROPERTY} says otherwise. */
  public static final int DEFAULT_POWER_LOSS_TRIALS = 2_000;

  /**
   * How the power-loss tier builds this log over a {@link SimulatedDiskSegmentStore}; empty (the
   * default) skips the tier, for a log that keeps no bytes on a disk that can lose power (say why
   * where you override it). A segmented log returns its builder over the store, configured as in
   * use (durability mode) with small segments so that trials roll and compact.
   *
   * @return the factory, or empty to skip the power-loss tier
   */
  protected Optional<PowerLossLogFactory> powerLossLogFactory() {
    return Optional.empty();
  }

  @Nested
  @DisplayName("power-loss tier: a power cut at any instant loses nothing that append returned")
  class PowerLoss {
    @Test
    @DisplayName("thousands of random power cuts amid concurrent appends lose no acknowledged append, invent nothing, "
        + "and leave a log that opens with at most a torn-tail warning, agrees with itself and takes appends")
    void randomPowerCuts() {
      Optional<PowerLossLogFactory> factory = powerLossLogFactory();
      Assumptions.assumeTrue(factory.isPresent(), () -> TransactionLogContract.this.getClass().getSimpleName()
          + " builds no log over a simulated disk (powerLossLogFactory() is empty): the power-loss tier does not apply");
      Long replay = Long.getLong(SEED_PROPERTY);
      long seed = replay != null ? replay : new SecureRandom().nextLong();
      Integer trial = Integer.getInteger(TRIAL_PROPERTY);
      PowerLossTrials.Report report = trial != null ? PowerLossTrials.runOne(factory.get(), seed, trial)
          : PowerLossTrials.run(factory.get(), seed, Integer.getInteger(TRIALS_PROPERTY, DEFAULT_POWER_LOSS_TRIALS));
      assertThat(report.violations()).as(report.summary()).isEmpty();
      if (report.tornWrites() >= 20) {
        assertThat(report.tailsDropped()).as("torn writes left by cuts, yet no open dropped a torn tail: "
            + report.summary()).isPositive();
      }
    }
  }
}
