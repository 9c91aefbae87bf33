package io.dualpush;

import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What became of a push: the transaction, the source MD5 recorded in the log, the state, and one
 * {@link CopyRecord} per destination. Immutable snapshot.
 *
 * @param transactionId the transaction's id, unique per push
 * @param key the object's key
 * @param size the payload's size in bytes
 * @param md5 the source MD5 recorded in the log, base64
 * @param state the transaction's state when the receipt was taken
 * @param copies one record per destination, in the order the destinations were added
 * @param duplicate whether this push was recognised as an earlier one (same message id) and nothing was
 *     written
 * @param createdAt when the push started
 */
public record PushReceipt(
    String transactionId,
    String key,
    long size,
    String md5,
    TransactionState state,
    List<CopyRecord> copies,
    boolean duplicate,
    Instant createdAt) {

  /**
   * Checks that the components are non-null and copies the list of copies.
   *
   * @param transactionId the transaction's id, unique per push
   * @param key the object's key
   * @param size the payload's size in bytes
   * @param md5 the source MD5 recorded in the log, base64
   * @param state the transaction's state when the receipt was taken
   * @param copies one record per destination, in the order the destinations were added
   * @param duplicate whether this push was recognised as an earlier one (same message id) and nothing was
   *     written
   * @param createdAt when the push started
   */
  public PushReceipt {
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(state, "state");
    copies = List.copyOf(copies);
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /**
   * The receipt of a transaction as the log records it.
   *
   * @param record the transaction's record in the log
   * @param duplicate whether the push was recognised as an earlier one and nothing was written
   * @return its receipt
   */
  public static PushReceipt of(TransactionRecord record, boolean duplicate) {
    return new PushReceipt(record.transactionId(), record.key(), record.size(), record.md5(),
        record.state(), record.copies(), duplicate, record.createdAt());
  }

  /**
   * The copy at {@code destinationId}.
   *
   * @param destinationId a destination's id
   * @return its copy, or empty when the transaction has no copy at that destination
   */
  public Optional<CopyRecord> copy(String destinationId) {
    return copies.stream().filter(c -> c.destinationId().equals(destinationId)).findFirst();
  }

  /**
   * Whether every copy is verified.
   *
   * @return true when the state is {@link TransactionState#VERIFIED}
   */
  public boolean isVerified() {
    return state == TransactionState.VERIFIED;
  }

  /**
   * Every copy's status for messages and logs, with the failure of each failed copy, such as {@code
   * primary=VERIFIED, secondary=FAILED (timeout)}.
   *
   * @return one entry per destination, in the order the destinations were added
   */
  public String describeCopies() {
    return copies.stream()
        .map(c -> c.destinationId() + "=" + c.status() + (c.error().isEmpty() ? "" : " (" + c.error() + ")"))
        .collect(Collectors.joining(", "));
  }
}
