package io.dualpush.spi;

import io.dualpush.CopyStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One durable record in a {@link TransactionLog}. A transaction's state is the fold of its entries
 * ({@link TransactionIndex}); entries are never rewritten. Strings that are absent are empty,
 * never null.
 */
public sealed interface LogEntry {

  String transactionId();

  Instant at();

  /** One destination a transaction writes to. */
  record Target(String destinationId, boolean required) {
    public Target {
      Objects.requireNonNull(destinationId, "destinationId");
    }
  }

  /**
   * A push began: everything needed to finish it after a crash except the payload, which is
   * re-read from {@code sourcePath} (when the push was a file) or from a verified copy.
   *
   * @param requiredCopies verified required copies needed for the ack policy to hold
   * @param sourcePath absolute path of the pushed file, or empty for bytes and streams
   */
  record Started(
      String transactionId,
      Instant at,
      String key,
      long size,
      String md5,
      String datasetId,
      String messageId,
      String contentType,
      Map<String, String> metadata,
      List<Target> targets,
      int requiredCopies,
      String sourcePath)
      implements LogEntry {
    public Started {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(md5, "md5");
      Objects.requireNonNull(datasetId, "datasetId");
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(contentType, "contentType");
      metadata = Map.copyOf(metadata);
      targets = List.copyOf(targets);
      Objects.requireNonNull(sourcePath, "sourcePath");
    }
  }

  /**
   * A copy's status changed.
   *
   * @param md5 the digest the destination reported holding, or empty
   * @param error why the copy failed, or empty; never a secret
   * @param mismatch whether the copy failed because its digest differs from the source
   */
  record CopyUpdated(
      String transactionId,
      Instant at,
      String destinationId,
      CopyStatus status,
      String md5,
      String error,
      boolean mismatch)
      implements LogEntry {
    public CopyUpdated {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(destinationId, "destinationId");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(md5, "md5");
      Objects.requireNonNull(error, "error");
    }
  }

  /** A background repair round ran (successful or not); {@code round} counts from 1. */
  record RepairAttempted(String transactionId, Instant at, int round) implements LogEntry {
    public RepairAttempted {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
    }
  }

  /** Repair gave up; an alert was raised. */
  record DeadLettered(String transactionId, Instant at, String reason) implements LogEntry {
    public DeadLettered {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Someone asked for a dead-lettered or failed transaction to be retried: repair rounds start over. */
  record Retried(String transactionId, Instant at) implements LogEntry {
    public Retried {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
    }
  }
}
