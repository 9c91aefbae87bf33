package io.dualpush.spi;

import io.dualpush.CopyStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One durable record in a {@link TransactionLog}. A transaction's state is the fold of its entries
 * (the log's index); entries are never rewritten. Strings that are absent are empty,
 * never null.
 */
public sealed interface LogEntry {

  /**
   * The transaction this entry belongs to.
   *
   * @return the transaction id
   */
  String transactionId();

  /**
   * When the entry was appended, on the client's clock.
   *
   * @return the instant
   */
  Instant at();

  /**
   * One destination a transaction writes to.
   *
   * @param destinationId the destination's id
   * @param required whether its copy counts for the ack policy
   */
  record Target(String destinationId, boolean required) {
    /**
     * Checks that the destination id is non-null.
     *
     * @param destinationId the destination's id
     * @param required whether its copy counts for the ack policy
     */
    public Target {
      Objects.requireNonNull(destinationId, "destinationId");
    }
  }

  /**
   * A push began: everything needed to finish it after a crash except the payload, which is
   * re-read from {@code sourcePath} (when the push was a file) or from a verified copy.
   *
   * @param transactionId the new transaction's id
   * @param at when the push started
   * @param key the object's key
   * @param size the payload's size in bytes
   * @param md5 the source MD5, base64, that every copy must match
   * @param datasetId the dataset id, or empty
   * @param messageId the message id for exactly-once pushes, or empty
   * @param contentType the MIME type to store
   * @param metadata user metadata to store with every copy
   * @param targets the destinations to write, in order
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
    /**
     * Checks the components and copies the metadata and targets; only absent strings may be empty.
     *
     * @param transactionId the new transaction's id
     * @param at when the push started
     * @param key the object's key
     * @param size the payload's size in bytes
     * @param md5 the source MD5, base64, that every copy must match
     * @param datasetId the dataset id, or empty
     * @param messageId the message id for exactly-once pushes, or empty
     * @param contentType the MIME type to store
     * @param metadata user metadata to store with every copy
     * @param targets the destinations to write, in order
     * @param requiredCopies verified required copies needed for the ack policy to hold
     * @param sourcePath absolute path of the pushed file, or empty for bytes and streams
     */
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
   * @param transactionId the transaction
   * @param at when the status changed
   * @param destinationId the destination whose copy changed
   * @param status the new status
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
    /**
     * Checks that every component is non-null.
     *
     * @param transactionId the transaction
     * @param at when the status changed
     * @param destinationId the destination whose copy changed
     * @param status the new status
     * @param md5 the digest the destination reported holding, or empty
     * @param error why the copy failed, or empty; never a secret
     * @param mismatch whether the copy failed because its digest differs from the source
     */
    public CopyUpdated {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(destinationId, "destinationId");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(md5, "md5");
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * A background repair round ran (successful or not); {@code round} counts from 1.
   *
   * @param transactionId the transaction
   * @param at when the round ran
   * @param round the round number, from 1
   */
  record RepairAttempted(String transactionId, Instant at, int round) implements LogEntry {
    /**
     * Checks that every component is non-null.
     *
     * @param transactionId the transaction
     * @param at when the round ran
     * @param round the round number, from 1
     */
    public RepairAttempted {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
    }
  }

  /**
   * Repair gave up; an alert was raised.
   *
   * @param transactionId the transaction
   * @param at when repair gave up
   * @param reason why, for people; never a secret
   */
  record DeadLettered(String transactionId, Instant at, String reason) implements LogEntry {
    /**
     * Checks that every component is non-null.
     *
     * @param transactionId the transaction
     * @param at when repair gave up
     * @param reason why, for people; never a secret
     */
    public DeadLettered {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Someone asked for a dead-lettered or failed transaction to be retried: repair rounds start over.
   *
   * @param transactionId the transaction
   * @param at when the retry was asked for
   */
  record Retried(String transactionId, Instant at) implements LogEntry {
    /**
     * Checks that every component is non-null.
     *
     * @param transactionId the transaction
     * @param at when the retry was asked for
     */
    public Retried {
      Objects.requireNonNull(transactionId, "transactionId");
      Objects.requireNonNull(at, "at");
    }
  }
}
