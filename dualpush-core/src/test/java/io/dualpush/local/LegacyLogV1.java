package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the committed v1 legacy log ({@code src/test/resources/legacy-log/v1/file/}) holds: the
 * entries {@link LegacyFileLogGeneratorTest} appended with the v1 {@code FileTransactionLog}, and
 * the records they must fold to, written out by hand so that a change in the fold shows too.
 *
 * <p><b>Frozen.</b> The committed bytes were written from these entries; changing one here makes the
 * test disagree with the bytes. A new format gets a new directory ({@code v2/}) and its own content
 * class, and v1 keeps being read.
 *
 * <p>What the log covers: every {@link LogEntry} type, every {@link CopyStatus} written in an update
 * (PENDING too), every {@link TransactionState}, a copy-forward (the oldest segment, which held the
 * unfinished transactions' starts, was compacted away after their state was copied forward), a
 * restate ({@code legacy-reopened} was verified, its segment deleted, then reopened by a mismatch:
 * its state was written again just before that record), a record appended after a copy-forward
 * ({@code legacy-partial}'s third round), and a superseded key. Fillers (verified transactions)
 * make the segments roll; only the newest of them survive compaction.
 *
 * <p>The Azure module has its twin ({@code io.dualpush.azure.LegacyLogV1}): the modules' test
 * classpaths do not meet, and each copy pins its own committed bytes.
 */
final class LegacyLogV1 {
  private LegacyLogV1() {}

  /** The first instant; nanoseconds included so that a log rounding timestamps fails. */
  static final Instant T0 = Instant.parse("2026-11-01T08:00:00.987654321Z");
  static final String OTHER_MD5 = "AAAAAAAAAAAAAAAAAAAAAA==";
  static final String EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

  static final LogEntry.Target PRIMARY = new LogEntry.Target("primary", true);
  static final LogEntry.Target DR = new LogEntry.Target("dr", true);
  static final LogEntry.Target EDGE = new LogEntry.Target("edge", false);

  static final String IN_PROGRESS = "legacy-in-progress";
  static final String PARTIAL = "legacy-partial";
  static final String DEAD = "legacy-dead";
  static final String RETRIED = "legacy-retried";
  static final String REOPENED = "legacy-reopened";
  static final String COMPLETED = "legacy-completed";
  static final String QUORUM = "legacy-quorum";
  static final String FAILED = "legacy-failed";
  static final String VERIFIED = "legacy-verified";
  static final String INCONSISTENT = "legacy-inconsistent";
  static final String SUPERSEDED_OLD = "legacy-superseded-old";
  static final String SUPERSEDED_NEW = "legacy-superseded-new";
  static final String SAME_KEY = "legacy/same-key.bin";
  static final String IN_PROGRESS_KEY = "sales/2026/données-日本.csv";

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** A base64 MD5 of {@code text}: distinct, realistic digests. */
  static String md5(String text) {
    try {
      return Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static LogEntry.Started start(String id, long seconds, String key, long size, List<LogEntry.Target> targets,
      int required) {
    return new LogEntry.Started(id, at(seconds), key, size, md5(key), "", "", "application/octet-stream", Map.of(),
        targets, required, "");
  }

  private static LogEntry.CopyUpdated update(String id, long seconds, String destination, CopyStatus status,
      String md5, String error, boolean mismatch) {
    return new LogEntry.CopyUpdated(id, at(seconds), destination, status, md5, error, mismatch);
  }

  static final LogEntry.Started START_IN_PROGRESS = new LogEntry.Started(IN_PROGRESS, at(0), IN_PROGRESS_KEY, 1L << 40,
      md5(IN_PROGRESS_KEY), "sales", "msg-0001", "text/csv", Map.of("owner", "équipe a", "_empty", ""),
      List.of(PRIMARY, DR, EDGE), 2, "/data/in/sales.csv");
  static final LogEntry.Started START_PARTIAL = start(PARTIAL, 3, "legacy/partial.bin", 42, List.of(PRIMARY, DR), 2);
  static final LogEntry.Started START_DEAD = new LogEntry.Started(DEAD, at(8), "legacy/dead.bin", 0, EMPTY_MD5, "", "",
      "application/octet-stream", Map.of(), List.of(PRIMARY, DR), 2, "");
  static final LogEntry.Started START_RETRIED = new LogEntry.Started(RETRIED, at(13), "legacy/retried.bin", 7,
      md5("legacy/retried.bin"), "ds-7", "", "application/json", Map.of("k", "v"), List.of(PRIMARY, DR), 2, "");
  static final LogEntry.Started START_REOPENED = start(REOPENED, 19, "legacy/reopened.bin", 1234, List.of(PRIMARY, DR), 2);
  static final LogEntry.Started START_COMPLETED =
      start(COMPLETED, 1100, "legacy/completed.bin", 100, List.of(PRIMARY, DR, EDGE), 2);
  static final LogEntry.Started START_QUORUM = start(QUORUM, 1104, "legacy/quorum.bin", 200, List.of(PRIMARY, DR), 1);
  static final LogEntry.Started START_FAILED = start(FAILED, 1108, "legacy/failed.bin", 300, List.of(PRIMARY, DR), 2);
  static final LogEntry.Started START_VERIFIED = start(VERIFIED, 1111, "legacy/verified.bin", 400, List.of(PRIMARY, DR), 2);
  static final LogEntry.Started START_INCONSISTENT =
      start(INCONSISTENT, 1114, "legacy/inconsistent.bin", 500, List.of(PRIMARY, DR), 2);
  static final LogEntry.Started START_SUPERSEDED_OLD = new LogEntry.Started(SUPERSEDED_OLD, at(1118), SAME_KEY, 600,
      md5("old"), "", "", "application/octet-stream", Map.of(), List.of(PRIMARY, DR), 2, "");
  static final LogEntry.Started START_SUPERSEDED_NEW = new LogEntry.Started(SUPERSEDED_NEW, at(1120), SAME_KEY, 601,
      md5("new"), "", "", "application/octet-stream", Map.of(), List.of(PRIMARY, DR), 2, "");

  /** The transactions that pin the oldest segment (unfinished), and one verified that a restate brings back. */
  static void writeEarly(Consumer<LogEntry> log) {
    log.accept(START_IN_PROGRESS);
    log.accept(update(IN_PROGRESS, 1, "primary", CopyStatus.IN_PROGRESS, "", "", false));
    log.accept(update(IN_PROGRESS, 2, "edge", CopyStatus.COMPLETED, md5(IN_PROGRESS_KEY), "", false));

    log.accept(START_PARTIAL);
    log.accept(update(PARTIAL, 4, "primary", CopyStatus.VERIFIED, START_PARTIAL.md5(), "", false));
    log.accept(update(PARTIAL, 5, "dr", CopyStatus.FAILED, "", "HTTP 503 ServerBusy", false));
    log.accept(new LogEntry.RepairAttempted(PARTIAL, at(6), 1));
    log.accept(new LogEntry.RepairAttempted(PARTIAL, at(7), 2));

    log.accept(START_DEAD);
    log.accept(update(DEAD, 9, "primary", CopyStatus.FAILED, "", "connection reset", false));
    log.accept(update(DEAD, 10, "dr", CopyStatus.FAILED, "", "timed out after PT30S", false));
    log.accept(new LogEntry.RepairAttempted(DEAD, at(11), 1));
    log.accept(new LogEntry.DeadLettered(DEAD, at(12), "gave up after 1 repair round"));

    log.accept(START_RETRIED);
    log.accept(update(RETRIED, 14, "primary", CopyStatus.VERIFIED, START_RETRIED.md5(), "", false));
    log.accept(update(RETRIED, 15, "dr", CopyStatus.FAILED, "", "HTTP 403 AuthorizationFailure", false));
    log.accept(new LogEntry.RepairAttempted(RETRIED, at(16), 1));
    log.accept(new LogEntry.DeadLettered(RETRIED, at(17), "gave up"));
    log.accept(new LogEntry.Retried(RETRIED, at(18)));

    log.accept(START_REOPENED);
    log.accept(update(REOPENED, 20, "primary", CopyStatus.VERIFIED, START_REOPENED.md5(), "", false));
    log.accept(update(REOPENED, 20, "dr", CopyStatus.VERIFIED, START_REOPENED.md5(), "", false));
  }

  static String fillerId(int i) {
    return String.format("legacy-filler-%03d", i);
  }

  static LogEntry.Started fillerStart(int i) {
    String key = String.format("legacy/filler/%03d.bin", i);
    return new LogEntry.Started(fillerId(i), at(100 + i), key, i * 1000L, md5(key), "", "", "application/octet-stream",
        Map.of(), List.of(PRIMARY, DR), 2, "");
  }

  /** Filler {@code i}: a verified transaction (1 and up), so that segments roll. */
  static void writeFiller(Consumer<LogEntry> log, int i) {
    LogEntry.Started s = fillerStart(i);
    Instant verified = s.at().plusMillis(500);
    log.accept(s);
    log.accept(new LogEntry.CopyUpdated(s.transactionId(), verified, "primary", CopyStatus.VERIFIED, s.md5(), "", false));
    log.accept(new LogEntry.CopyUpdated(s.transactionId(), verified, "dr", CopyStatus.VERIFIED, s.md5(), "", false));
  }

  /** What a filler folds to. */
  static TransactionRecord expectedFiller(int i) {
    LogEntry.Started s = fillerStart(i);
    Instant verified = s.at().plusMillis(500);
    return new TransactionRecord(s, List.of(
        new CopyRecord("primary", true, CopyStatus.VERIFIED, s.md5(), "", false, verified),
        new CopyRecord("dr", true, CopyStatus.VERIFIED, s.md5(), "", false, verified)),
        0, Optional.empty(), false, verified);
  }

  /**
   * After the oldest segment was compacted away: a record of a verified transaction whose start
   * went with it (restated first), one of a copied-forward transaction, then a transaction in each
   * remaining state.
   */
  static void writeLate(Consumer<LogEntry> log) {
    log.accept(update(REOPENED, 1000, "dr", CopyStatus.FAILED, OTHER_MD5, "digest mismatch", true));
    log.accept(new LogEntry.RepairAttempted(PARTIAL, at(1001), 3));

    log.accept(START_COMPLETED);
    log.accept(update(COMPLETED, 1101, "primary", CopyStatus.VERIFIED, START_COMPLETED.md5(), "", false));
    log.accept(update(COMPLETED, 1102, "dr", CopyStatus.VERIFIED, START_COMPLETED.md5(), "", false));
    log.accept(update(COMPLETED, 1103, "edge", CopyStatus.COMPLETED, START_COMPLETED.md5(), "", false));

    log.accept(START_QUORUM);
    log.accept(update(QUORUM, 1105, "primary", CopyStatus.VERIFIED, START_QUORUM.md5(), "", false));
    log.accept(update(QUORUM, 1106, "dr", CopyStatus.IN_PROGRESS, "", "", false));
    log.accept(update(QUORUM, 1107, "dr", CopyStatus.PENDING, "", "", false));

    log.accept(START_FAILED);
    log.accept(update(FAILED, 1109, "primary", CopyStatus.FAILED, "", "HTTP 500 InternalError", false));
    log.accept(update(FAILED, 1110, "dr", CopyStatus.FAILED, "", "java.net.ConnectException: Connection refused", false));

    log.accept(START_VERIFIED);
    log.accept(update(VERIFIED, 1112, "primary", CopyStatus.VERIFIED, START_VERIFIED.md5(), "", false));
    log.accept(update(VERIFIED, 1113, "dr", CopyStatus.VERIFIED, START_VERIFIED.md5(), "", false));

    log.accept(START_INCONSISTENT);
    log.accept(update(INCONSISTENT, 1115, "primary", CopyStatus.COMPLETED, START_INCONSISTENT.md5(), "", false));
    log.accept(update(INCONSISTENT, 1116, "primary", CopyStatus.VERIFIED, START_INCONSISTENT.md5(), "", false));
    log.accept(update(INCONSISTENT, 1117, "dr", CopyStatus.FAILED, OTHER_MD5, "digest mismatch", true));

    log.accept(START_SUPERSEDED_OLD);
    log.accept(update(SUPERSEDED_OLD, 1119, "primary", CopyStatus.VERIFIED, START_SUPERSEDED_OLD.md5(), "", false));
    log.accept(START_SUPERSEDED_NEW);
  }

  private static CopyRecord copy(String destination, boolean required, CopyStatus status, String md5, String error,
      boolean mismatch, Instant at) {
    return new CopyRecord(destination, required, status, md5, error, mismatch, at);
  }

  private static CopyRecord pending(String destination, boolean required, LogEntry.Started s) {
    return new CopyRecord(destination, required, CopyStatus.PENDING, "", "", false, s.at());
  }

  /** A record and the state it must derive. */
  record Expected(TransactionRecord record, TransactionState state) {}

  /** What every catalogue (non-filler) transaction folds to in the committed log, in the order written. */
  static Map<String, Expected> expected() {
    Map<String, Expected> out = new LinkedHashMap<>();
    out.put(IN_PROGRESS, new Expected(new TransactionRecord(START_IN_PROGRESS, List.of(
        copy("primary", true, CopyStatus.IN_PROGRESS, "", "", false, at(1)),
        pending("dr", true, START_IN_PROGRESS),
        copy("edge", false, CopyStatus.COMPLETED, md5(IN_PROGRESS_KEY), "", false, at(2))),
        0, Optional.empty(), false, at(2)), TransactionState.IN_PROGRESS));
    out.put(PARTIAL, new Expected(new TransactionRecord(START_PARTIAL, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_PARTIAL.md5(), "", false, at(4)),
        copy("dr", true, CopyStatus.FAILED, "", "HTTP 503 ServerBusy", false, at(5))),
        3, Optional.empty(), false, at(1001)), TransactionState.PARTIALLY_COMPLETED));
    out.put(DEAD, new Expected(new TransactionRecord(START_DEAD, List.of(
        copy("primary", true, CopyStatus.FAILED, "", "connection reset", false, at(9)),
        copy("dr", true, CopyStatus.FAILED, "", "timed out after PT30S", false, at(10))),
        1, Optional.of("gave up after 1 repair round"), false, at(12)), TransactionState.DEAD_LETTERED));
    out.put(RETRIED, new Expected(new TransactionRecord(START_RETRIED, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_RETRIED.md5(), "", false, at(14)),
        copy("dr", true, CopyStatus.FAILED, "", "HTTP 403 AuthorizationFailure", false, at(15))),
        0, Optional.empty(), false, at(18)), TransactionState.PARTIALLY_COMPLETED));
    out.put(REOPENED, new Expected(new TransactionRecord(START_REOPENED, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_REOPENED.md5(), "", false, at(20)),
        copy("dr", true, CopyStatus.FAILED, OTHER_MD5, "digest mismatch", true, at(1000))),
        0, Optional.empty(), false, at(1000)), TransactionState.INCONSISTENT));
    out.put(COMPLETED, new Expected(new TransactionRecord(START_COMPLETED, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_COMPLETED.md5(), "", false, at(1101)),
        copy("dr", true, CopyStatus.VERIFIED, START_COMPLETED.md5(), "", false, at(1102)),
        copy("edge", false, CopyStatus.COMPLETED, START_COMPLETED.md5(), "", false, at(1103))),
        0, Optional.empty(), false, at(1103)), TransactionState.COMPLETED));
    out.put(QUORUM, new Expected(new TransactionRecord(START_QUORUM, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_QUORUM.md5(), "", false, at(1105)),
        copy("dr", true, CopyStatus.PENDING, "", "", false, at(1107))),
        0, Optional.empty(), false, at(1107)), TransactionState.QUORUM_ACKNOWLEDGED));
    out.put(FAILED, new Expected(new TransactionRecord(START_FAILED, List.of(
        copy("primary", true, CopyStatus.FAILED, "", "HTTP 500 InternalError", false, at(1109)),
        copy("dr", true, CopyStatus.FAILED, "", "java.net.ConnectException: Connection refused", false, at(1110))),
        0, Optional.empty(), false, at(1110)), TransactionState.FAILED));
    out.put(VERIFIED, new Expected(new TransactionRecord(START_VERIFIED, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_VERIFIED.md5(), "", false, at(1112)),
        copy("dr", true, CopyStatus.VERIFIED, START_VERIFIED.md5(), "", false, at(1113))),
        0, Optional.empty(), false, at(1113)), TransactionState.VERIFIED));
    out.put(INCONSISTENT, new Expected(new TransactionRecord(START_INCONSISTENT, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_INCONSISTENT.md5(), "", false, at(1116)),
        copy("dr", true, CopyStatus.FAILED, OTHER_MD5, "digest mismatch", true, at(1117))),
        0, Optional.empty(), false, at(1117)), TransactionState.INCONSISTENT));
    out.put(SUPERSEDED_OLD, new Expected(new TransactionRecord(START_SUPERSEDED_OLD, List.of(
        copy("primary", true, CopyStatus.VERIFIED, START_SUPERSEDED_OLD.md5(), "", false, at(1119)),
        pending("dr", true, START_SUPERSEDED_OLD)),
        0, Optional.empty(), true, at(1120)), TransactionState.SUPERSEDED));
    out.put(SUPERSEDED_NEW, new Expected(new TransactionRecord(START_SUPERSEDED_NEW, List.of(
        pending("primary", true, START_SUPERSEDED_NEW),
        pending("dr", true, START_SUPERSEDED_NEW)),
        0, Optional.empty(), false, at(1120)), TransactionState.IN_PROGRESS));
    return out;
  }

  // ------------------------------------------------------------------ what a log over the committed bytes must show

  private static List<String> ids(List<TransactionRecord> records) {
    return records.stream().map(TransactionRecord::transactionId).toList();
  }

  /** Every transaction of the committed log, catalogue and kept fillers, as it must read. */
  static Map<String, TransactionRecord> everyRecord(int firstKeptFiller, int lastFiller) {
    Map<String, TransactionRecord> all = new LinkedHashMap<>();
    expected().forEach((id, e) -> all.put(id, e.record()));
    for (int i = firstKeptFiller; i <= lastFiller; i++) {
      all.put(fillerId(i), expectedFiller(i));
    }
    return all;
  }

  /** The unfinished (open or dead-lettered) catalogue transactions: what compaction must never lose. */
  static Map<String, TransactionRecord> unfinished() {
    Map<String, TransactionRecord> out = new LinkedHashMap<>();
    expected().forEach((id, e) -> {
      if (!e.state().isTerminal() || e.state() == TransactionState.DEAD_LETTERED) {
        out.put(id, e.record());
      }
    });
    return out;
  }

  /**
   * Asserts that {@code log} holds exactly the committed v1 content: every catalogue transaction
   * and kept filler, record for record and state for state, no compacted filler, the open ones,
   * latest per key and recent newest first.
   */
  static void assertContent(TransactionLog log, int firstKeptFiller, int lastFiller) {
    expected().forEach((id, e) -> {
      Optional<TransactionRecord> r = log.read(id);
      assertThat(r).as("transaction %s", id).hasValue(e.record());
      assertThat(r.orElseThrow().state()).as("state of %s", id).isEqualTo(e.state());
    });
    for (int i = 1; i <= lastFiller; i++) {
      String id = fillerId(i);
      if (i < firstKeptFiller) {
        assertThat(log.read(id)).as("filler %s, compacted away before the log was committed", id).isEmpty();
      } else {
        assertThat(log.read(id)).as("filler %s", id).hasValue(expectedFiller(i));
      }
    }
    assertThat(log.read(fillerId(lastFiller + 1))).as("a filler never written").isEmpty();
    assertThat(ids(log.open())).as("open transactions")
        .containsExactlyInAnyOrder(IN_PROGRESS, PARTIAL, RETRIED, REOPENED, COMPLETED, QUORUM, FAILED, INCONSISTENT,
            SUPERSEDED_NEW);
    assertThat(log.latest(SAME_KEY)).map(TransactionRecord::transactionId).hasValue(SUPERSEDED_NEW);
    assertThat(log.latest(IN_PROGRESS_KEY)).map(TransactionRecord::transactionId).hasValue(IN_PROGRESS);
    List<String> newestFirst = everyRecord(firstKeptFiller, lastFiller).values().stream()
        .sorted(Comparator.comparing(TransactionRecord::createdAt).reversed()).map(TransactionRecord::transactionId)
        .toList();
    assertThat(ids(log.recent(1_000))).as("recent(), newest first").containsExactlyElementsOf(newestFirst);
  }

  static final LogEntry.Started AFTER = new LogEntry.Started("after-1", at(2004), "legacy/after.bin", 9, md5("after"),
      "", "", "application/octet-stream", Map.of(), List.of(PRIMARY, DR), 2, "");

  /** What the tests append to the legacy log: records of legacy transactions and a new one. */
  static void appendMore(Consumer<LogEntry> log) {
    String md5 = START_IN_PROGRESS.md5();
    log.accept(new LogEntry.CopyUpdated(IN_PROGRESS, at(2000), "dr", CopyStatus.VERIFIED, md5, "", false));
    log.accept(new LogEntry.CopyUpdated(IN_PROGRESS, at(2001), "primary", CopyStatus.VERIFIED, md5, "", false));
    log.accept(new LogEntry.Retried(DEAD, at(2002)));
    log.accept(new LogEntry.CopyUpdated(QUORUM, at(2003), "dr", CopyStatus.VERIFIED, START_QUORUM.md5(), "", false));
    log.accept(AFTER);
  }

  /** Asserts {@code log} holds the committed content with {@link #appendMore} applied, exactly. */
  static void assertContentAfterMore(TransactionLog log, int firstKeptFiller, int lastFiller) {
    Map<String, Expected> changed = new HashMap<>();
    Map<String, Expected> expected = expected();
    TransactionRecord inProgress = expected.get(IN_PROGRESS).record();
    changed.put(IN_PROGRESS, new Expected(new TransactionRecord(inProgress.start(), List.of(
        copy("primary", true, CopyStatus.VERIFIED, inProgress.md5(), "", false, at(2001)),
        copy("dr", true, CopyStatus.VERIFIED, inProgress.md5(), "", false, at(2000)),
        inProgress.copies().get(2)), 0, Optional.empty(), false, at(2001)), TransactionState.COMPLETED));
    TransactionRecord dead = expected.get(DEAD).record();
    changed.put(DEAD, new Expected(new TransactionRecord(dead.start(), dead.copies(), 0, Optional.empty(), false,
        at(2002)), TransactionState.FAILED));
    TransactionRecord quorum = expected.get(QUORUM).record();
    changed.put(QUORUM, new Expected(new TransactionRecord(quorum.start(), List.of(quorum.copies().get(0),
        copy("dr", true, CopyStatus.VERIFIED, quorum.md5(), "", false, at(2003))), 0, Optional.empty(), false,
        at(2003)), TransactionState.VERIFIED));
    changed.put(AFTER.transactionId(), new Expected(new TransactionRecord(AFTER, List.of(
        pending("primary", true, AFTER), pending("dr", true, AFTER)), 0, Optional.empty(), false, at(2004)),
        TransactionState.IN_PROGRESS));

    changed.forEach((id, e) -> {
      assertThat(log.read(id)).as("transaction %s", id).hasValue(e.record());
      assertThat(log.read(id).orElseThrow().state()).as("state of %s", id).isEqualTo(e.state());
    });
    everyRecord(firstKeptFiller, lastFiller).forEach((id, r) -> {
      if (!changed.containsKey(id)) {
        assertThat(log.read(id)).as("unchanged transaction %s", id).hasValue(r);
      }
    });
    assertThat(ids(log.open())).as("open transactions")
        .containsExactlyInAnyOrder(IN_PROGRESS, PARTIAL, RETRIED, REOPENED, COMPLETED, DEAD, FAILED, INCONSISTENT,
            SUPERSEDED_NEW, AFTER.transactionId());
  }

  /**
   * Asserts that after a compaction of the legacy segments {@code log} still holds every unfinished
   * transaction exactly, lists them as open (the dead-lettered one aside), and that whatever
   * terminal transaction it kept is exact too.
   */
  static void assertUnfinishedKept(TransactionLog log, int firstKeptFiller, int lastFiller) {
    Map<String, TransactionRecord> unfinished = unfinished();
    unfinished.forEach((id, r) -> assertThat(log.read(id)).as("unfinished transaction %s", id).hasValue(r));
    List<String> open = new ArrayList<>(unfinished.keySet());
    open.remove(DEAD);
    assertThat(ids(log.open())).containsExactlyInAnyOrderElementsOf(open);
    everyRecord(firstKeptFiller, lastFiller).forEach((id, r) -> log.read(id).ifPresent(found ->
        assertThat(found).as("transaction %s, kept by the compaction", id).isEqualTo(r)));
  }
}
