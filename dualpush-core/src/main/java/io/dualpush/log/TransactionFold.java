package io.dualpush.log;

import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.util.List;
import java.util.Optional;

/**
 * How one {@link LogEntry} changes a {@link TransactionRecord}: the fold every log and its index
 * share. For store adapters and in-memory logs; not API (it was {@code TransactionRecord.apply},
 * moved out of the SPI so that the fold can change without changing what users implement).
 */
public final class TransactionFold {
  private TransactionFold() {}

  /**
   * Applies one entry of a transaction and returns the new record.
   *
   * @param record the transaction's current record
   * @param entry a later entry of the same transaction
   * @return the record after the entry; {@code record} is unchanged
   * @throws IllegalArgumentException for a second start or an entry of another transaction
   */
  public static TransactionRecord apply(TransactionRecord record, LogEntry entry) {
    if (!entry.transactionId().equals(record.transactionId())) {
      throw new IllegalArgumentException("entry of " + entry.transactionId() + " applied to " + record.transactionId());
    }
    LogEntry.Started start = record.start();
    boolean superseded = record.superseded();
    if (entry instanceof LogEntry.CopyUpdated u) {
      List<CopyRecord> copies = record.copies();
      CopyRecord[] next = new CopyRecord[copies.size()];
      for (int i = 0; i < next.length; i++) {
        CopyRecord c = copies.get(i);
        next[i] = c.destinationId().equals(u.destinationId())
            ? new CopyRecord(c.destinationId(), c.required(), u.status(), u.md5(), u.error(), u.mismatch(), u.at())
            : c;
      }
      // An immutable list already: the record's List.copyOf keeps it rather than copying it again.
      return new TransactionRecord(start, List.of(next), record.repairRounds(), record.deadLetterReason(), superseded,
          later(record, u.at()));
    } else if (entry instanceof LogEntry.RepairAttempted r) {
      return new TransactionRecord(start, record.copies(), Math.max(record.repairRounds(), r.round()),
          record.deadLetterReason(), superseded, later(record, r.at()));
    } else if (entry instanceof LogEntry.DeadLettered d) {
      return new TransactionRecord(start, record.copies(), record.repairRounds(), Optional.of(d.reason()), superseded,
          later(record, d.at()));
    } else if (entry instanceof LogEntry.Retried r) {
      return new TransactionRecord(start, record.copies(), 0, Optional.empty(), superseded, later(record, r.at()));
    } else if (entry instanceof LogEntry.Started) {
      throw new IllegalArgumentException("transaction " + record.transactionId() + " started twice");
    }
    throw new IllegalArgumentException("unknown entry " + entry);
  }

  /**
   * A record's time never moves back. Replay can apply an older entry after a newer one: a power cut
   * that keeps part of a copy-forward leaves restated copies (with their original times) after the
   * originals they repeat; a wall clock that steps back does the same. Found by the power-loss tier.
   */
  private static java.time.Instant later(TransactionRecord record, java.time.Instant at) {
    return at.isAfter(record.updatedAt()) ? at : record.updatedAt();
  }
}
