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
 * @param duplicate whether this push was recognised as an earlier one (same message id) and
 *     nothing was written
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

  public PushReceipt {
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(state, "state");
    copies = List.copyOf(copies);
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public static PushReceipt of(TransactionRecord record, boolean duplicate) {
    return new PushReceipt(record.transactionId(), record.key(), record.size(), record.md5(),
        record.state(), record.copies(), duplicate, record.createdAt());
  }

  /** The copy at {@code destinationId}. */
  public Optional<CopyRecord> copy(String destinationId) {
    return copies.stream().filter(c -> c.destinationId().equals(destinationId)).findFirst();
  }

  /** Whether every copy is verified. */
  public boolean isVerified() {
    return state == TransactionState.VERIFIED;
  }

  /** {@code primary=VERIFIED, secondary=FAILED (timeout)}. */
  public String describeCopies() {
    return copies.stream()
        .map(c -> c.destinationId() + "=" + c.status() + (c.error().isEmpty() ? "" : " (" + c.error() + ")"))
        .collect(Collectors.joining(", "));
  }
}
