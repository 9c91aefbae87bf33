package io.dualpush.spi;

import java.time.Duration;

/**
 * Remembers which message ids have been processed, for exactly-once pushes (guarantee G3).
 *
 * <p>A {@link #claim} is atomic across every process sharing the store: exactly one caller gets
 * {@link DedupeClaim.Status#CLAIMED}; others see {@code IN_PROGRESS} until the claimer marks the
 * id done (then {@code DUPLICATE}, with the recorded outcome) or releases it, or until the claim
 * expires. Entries expire after their TTL. Thread-safe.
 */
public interface DedupeStore {

  /** Claims {@code messageId} for processing; an unfinished claim expires after {@code claimTtl}. */
  DedupeClaim claim(String messageId, Duration claimTtl);

  /** Records that {@code messageId} was processed with {@code outcome}; remembered for {@code ttl}. */
  void markDone(String messageId, String outcome, Duration ttl);

  /** Gives up a claim so that the id can be claimed again (processing failed). */
  void release(String messageId);
}
