package io.dualpush;

import java.time.Duration;
import java.util.Objects;

/**
 * Something the engine did, for metrics and tracing. Strings that do not apply are empty.
 *
 * @param type what happened
 * @param transactionId the transaction concerned, or empty
 * @param key the object's key, or empty
 * @param destinationId the destination concerned, or empty
 * @param bytes payload bytes concerned, or 0
 * @param elapsed how long the step took, or zero
 * @param detail a short explanation, such as a failure's cause or a duplicate's message id; never a secret;
 *     or empty
 */
public record DualPushEvent(Type type, String transactionId, String key, String destinationId,
    long bytes, Duration elapsed, String detail) {
  /**
   * Checks that every component but {@code bytes} is non-null.
   *
   * @param type what happened
   * @param transactionId the transaction concerned, or empty
   * @param key the object's key, or empty
   * @param destinationId the destination concerned, or empty
   * @param bytes payload bytes concerned, or 0
   * @param elapsed how long the step took, or zero
   * @param detail a short explanation, such as a failure's cause or a duplicate's message id; never a secret;
   *     or empty
   */
  public DualPushEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(detail, "detail");
  }

  /** Kinds of event. */
  public enum Type {
    /** A push was accepted and its transaction logged; {@code bytes} is its size. */
    PUSH_STARTED,
    /** A push whose message id was already processed; nothing was written ({@code detail} is the message id). */
    DUPLICATE_PUSH,
    /** A destination stored a copy. */
    COPY_WRITTEN,
    /** A destination already held identical content, so nothing was rewritten. */
    COPY_UNCHANGED,
    /** A copy's stored MD5 equals the source MD5 in the log. */
    COPY_VERIFIED,
    /** A write to a destination failed ({@code detail} says why). */
    COPY_FAILED,
    /** A stored copy's MD5 differs from the source MD5; the copy is recorded as failed and repaired. */
    COPY_INCONSISTENT,
    /** The ack policy held; the caller's push completed ({@code detail} is the transaction's state). */
    PUSH_ACKNOWLEDGED,
    /**
     * The ack policy did not hold; the caller got {@code PushFailedException} ({@code detail} lists the
     * copies).
     */
    PUSH_NOT_ACKNOWLEDGED,
    /** A background repair round began for a transaction ({@code detail} names the round). */
    REPAIR_STARTED,
    /** A repair round ended ({@code detail} is the transaction's state after it). */
    REPAIR_FINISHED,
    /**
     * Repair gave up after its last attempt; the transaction is dead-lettered and an alert raised
     * ({@code detail} is the reason).
     */
    DEAD_LETTERED,
    /**
     * A destination went down: its circuit breaker opened, and writes there are refused until it is back
     * ({@code detail} is the failure that opened it; {@code key} and {@code transactionId} are empty). One
     * event per outage, however many copies fail in it.
     */
    DESTINATION_DOWN,
    /**
     * A destination is back: its circuit breaker closed after being open (a trial write succeeded, or it was
     * reset by hand); {@code elapsed} is how long it was down.
     */
    DESTINATION_UP
  }
}
