package io.dualpush.spi;

import io.dualpush.CopyStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * One destination's copy of a transaction, as the log knows it.
 *
 * @param destinationId the destination's id
 * @param required whether the copy counts for the ack policy
 * @param status where the copy stands
 * @param md5 the digest the destination reported holding, or empty
 * @param error the last failure, or empty
 * @param mismatch whether the last check found a digest different from the source
 * @param updatedAt when the status last changed
 */
public record CopyRecord(
    String destinationId, boolean required, CopyStatus status, String md5, String error,
    boolean mismatch, Instant updatedAt) {
  /**
   * Checks that every component is non-null.
   *
   * @param destinationId the destination's id
   * @param required whether the copy counts for the ack policy
   * @param status where the copy stands
   * @param md5 the digest the destination reported holding, or empty
   * @param error the last failure, or empty
   * @param mismatch whether the last check found a digest different from the source
   * @param updatedAt when the status last changed
   */
  public CopyRecord {
    Objects.requireNonNull(destinationId, "destinationId");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(updatedAt, "updatedAt");
  }
}
