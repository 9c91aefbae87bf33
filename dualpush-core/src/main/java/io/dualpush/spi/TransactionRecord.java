package io.dualpush.spi;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The folded view of one transaction: what was pushed and where each copy stands. Immutable; the
 * {@link #state()} is derived from the copies, the ack quorum recorded at start, and the
 * dead-letter and supersede marks.
 *
 * @param start the entry that started the transaction
 * @param copies one record per destination, in the order of the start's targets
 * @param repairRounds repair rounds run since the start or the last retry
 * @param deadLetterReason why repair gave up, present once dead-lettered
 * @param superseded whether a later push of the same key replaced this one
 * @param updatedAt when the last entry of the transaction was applied
 */
public record TransactionRecord(
    LogEntry.Started start,
    List<CopyRecord> copies,
    int repairRounds,
    Optional<String> deadLetterReason,
    boolean superseded,
    Instant updatedAt) {

  /**
   * Checks the components and copies the list of copies.
   *
   * @param start the entry that started the transaction
   * @param copies one record per destination, in the order of the start's targets
   * @param repairRounds repair rounds run since the start or the last retry
   * @param deadLetterReason why repair gave up, present once dead-lettered
   * @param superseded whether a later push of the same key replaced this one
   * @param updatedAt when the last entry of the transaction was applied
   */
  public TransactionRecord {
    Objects.requireNonNull(start, "start");
    copies = List.copyOf(copies);
    Objects.requireNonNull(deadLetterReason, "deadLetterReason");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }

  /**
   * A fresh record: every copy pending.
   *
   * @param start the transaction's start entry
   * @return a record with one pending copy per target
   */
  public static TransactionRecord started(LogEntry.Started start) {
    List<LogEntry.Target> targets = start.targets();
    CopyRecord[] copies = new CopyRecord[targets.size()];
    for (int i = 0; i < copies.length; i++) {
      LogEntry.Target t = targets.get(i);
      copies[i] = new CopyRecord(t.destinationId(), t.required(), CopyStatus.PENDING, "", "", false, start.at());
    }
    // Immutable already, so the constructor keeps it instead of copying it again: once per push.
    return new TransactionRecord(start, List.of(copies), 0, Optional.empty(), false, start.at());
  }

  /**
   * The transaction's id, from its start.
   *
   * @return the transaction id
   */
  public String transactionId() {
    return start.transactionId();
  }

  /**
   * The object's key, from its start.
   *
   * @return the key
   */
  public String key() {
    return start.key();
  }

  /**
   * The source MD5 recorded at start, which every copy must match to be verified.
   *
   * @return the base64 MD5
   */
  public String md5() {
    return start.md5();
  }

  /**
   * The payload's size, from its start.
   *
   * @return the size in bytes
   */
  public long size() {
    return start.size();
  }

  /**
   * When the push started.
   *
   * @return the start entry's time
   */
  public Instant createdAt() {
    return start.at();
  }

  /**
   * The copy at {@code destinationId}, if the transaction writes there.
   *
   * @param destinationId a destination's id
   * @return its copy, or empty
   */
  public Optional<CopyRecord> copy(String destinationId) {
    for (CopyRecord c : copies) {
      if (c.destinationId().equals(destinationId)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /**
   * The state derived from the copies (see {@link TransactionState}): {@code IN_PROGRESS} only
   * while the ack policy recorded at start is undecided (it does not hold yet and still can, a
   * required copy being unsettled); an optional copy still writing never makes a push whose
   * required copy failed look in progress. {@code COMPLETED} means every required copy is verified;
   * {@code QUORUM_ACKNOWLEDGED} that the quorum holds while some required copy is not verified.
   *
   * @return the state the copies, the ack policy and the marks add up to
   */
  public TransactionState state() {
    if (superseded) {
      return TransactionState.SUPERSEDED;
    }
    if (deadLetterReason.isPresent()) {
      return TransactionState.DEAD_LETTERED;
    }
    int verified = 0;
    int required = 0;
    int verifiedRequired = 0;
    int failedRequired = 0;
    boolean mismatch = false;
    for (CopyRecord c : copies) {
      boolean isVerified = c.status() == CopyStatus.VERIFIED;
      if (isVerified) {
        verified++;
      }
      if (c.required()) {
        required++;
        if (isVerified) {
          verifiedRequired++;
        } else if (c.status() == CopyStatus.FAILED) {
          failedRequired++;
        }
      }
      mismatch |= c.mismatch();
    }
    if (verified == copies.size()) {
      return TransactionState.VERIFIED;
    }
    if (mismatch) {
      return TransactionState.INCONSISTENT;
    }
    if (verifiedRequired >= start.requiredCopies()) {
      return verifiedRequired == required ? TransactionState.COMPLETED : TransactionState.QUORUM_ACKNOWLEDGED;
    }
    // Not enough required copies verified: undecided while the unsettled ones could still make it.
    if (required - failedRequired >= start.requiredCopies()) {
      return TransactionState.IN_PROGRESS;
    }
    return verified > 0 ? TransactionState.PARTIALLY_COMPLETED : TransactionState.FAILED;
  }

  /**
   * Whether the ack policy recorded at start holds: enough required copies are verified.
   *
   * @return true when enough required copies are verified
   */
  public boolean ackPolicyHolds() {
    int verifiedRequired = 0;
    for (CopyRecord c : copies) {
      if (c.required() && c.status() == CopyStatus.VERIFIED) {
        verifiedRequired++;
      }
    }
    return verifiedRequired >= start.requiredCopies();
  }

  /**
   * This record marked as replaced by a later push of the same key.
   *
   * @param at when the later push started
   * @return a superseded copy of this record
   */
  public TransactionRecord supersededAt(Instant at) {
    return new TransactionRecord(start, copies, repairRounds, deadLetterReason, true, at);
  }
}
