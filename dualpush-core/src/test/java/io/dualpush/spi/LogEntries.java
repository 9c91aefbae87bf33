package io.dualpush.spi;

import io.dualpush.CopyStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small factories of {@link LogEntry}s for tests: two required targets unless said otherwise. */
public final class LogEntries {
  public static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");
  public static final List<LogEntry.Target> TWO_REQUIRED =
      List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true));

  private LogEntries() {}

  /** The instant {@code seconds} after {@link #T0}. */
  public static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  public static LogEntry.Started started(String txn, String key, Instant at) {
    return new LogEntry.Started(txn, at, key, 42, "1B2M2Y8AsgTpgAmY7PhCfg==", "", "", "application/octet-stream",
        Map.of(), TWO_REQUIRED, 2, "");
  }

  /** A start with every field filled in, unicode included. */
  public static LogEntry.Started fullStarted(String txn, Instant at) {
    return new LogEntry.Started(txn, at, "données/日本語.csv", 1L << 40, "rL0Y20zC+Fzt72VPzMSk2A==", "sales",
        "msg-1", "text/csv", Map.of("owner", "team a", "_x", ""),
        List.of(new LogEntry.Target("primary", true), new LogEntry.Target("dr", true), new LogEntry.Target("edge", false)),
        2, "/data/in/sales.csv");
  }

  public static LogEntry.CopyUpdated copy(String txn, String destination, CopyStatus status, Instant at) {
    return new LogEntry.CopyUpdated(txn, at, destination, status,
        status == CopyStatus.VERIFIED ? "1B2M2Y8AsgTpgAmY7PhCfg==" : "", status == CopyStatus.FAILED ? "boom" : "",
        false);
  }

  /** Both copies of a {@link #started} transaction verified. */
  public static List<LogEntry> verifiedBoth(String txn, Instant at) {
    return List.of(copy(txn, "primary", CopyStatus.VERIFIED, at), copy(txn, "secondary", CopyStatus.VERIFIED, at));
  }

  /** One entry of every type, for one transaction. */
  public static List<LogEntry> oneOfEach(String txn) {
    return List.of(
        fullStarted(txn, at(0)),
        new LogEntry.CopyUpdated(txn, at(1), "primary", CopyStatus.VERIFIED, "rL0Y20zC+Fzt72VPzMSk2A==", "", false),
        new LogEntry.CopyUpdated(txn, at(2), "dr", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==", "digest mismatch", true),
        new LogEntry.RepairAttempted(txn, at(3), 1),
        new LogEntry.DeadLettered(txn, at(4), "gave up after 1 round"),
        new LogEntry.Retried(txn, at(5)));
  }
}
