package io.dualpush.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers which message ids have been processed, for exactly-once pushes (guarantee G3).
 *
 * <p>A {@link #claim} is atomic across every process sharing the store: exactly one caller gets
 * {@link DedupeClaim.Status#CLAIMED}; others see {@code IN_PROGRESS} until the claimer marks the
 * id done (then {@code DUPLICATE}, with the recorded outcome) or releases it, or until the claim
 * expires. Entries expire after their TTL. Thread-safe.
 */
public interface DedupeStore {

  /**
   * Claims {@code messageId} for processing; an unfinished claim expires after {@code claimTtl}.
   *
   * @param messageId the message id to claim
   * @param claimTtl how long an unfinished claim blocks others; after it, the id can be claimed again
   * @return whether the caller won the claim, the id is being processed elsewhere, or it was processed
   *     already (with its outcome)
   */
  DedupeClaim claim(String messageId, Duration claimTtl);

  /**
   * Claims every id of {@code messageIds} as {@link #claim} does, each atomically on its own (not
   * all or none); stores that can answer many ids in one round trip override it (the default
   * claims one id after the other).
   *
   * <p>The map iterates in the order the ids first occur in {@code messageIds}. An id given more
   * than once is claimed once and has that one answer: the caller who won it holds it once.
   *
   * @param messageIds the ids to claim; none null
   * @param claimTtl how long an unfinished claim blocks others, as for {@link #claim}
   * @return each distinct id's answer, in the order of first occurrence
   */
  default Map<String, DedupeClaim> claimAll(Collection<String> messageIds, Duration claimTtl) {
    Map<String, DedupeClaim> answers = new LinkedHashMap<>();
    for (String id : messageIds) {
      if (!answers.containsKey(id)) {
        answers.put(id, claim(id, claimTtl));
      }
    }
    return answers;
  }

  /**
   * Whether {@link #peek} is implemented.
   *
   * @return true when this store can be asked about an id without claiming it
   */
  default boolean supportsPeek() {
    return false;
  }

  /**
   * What a {@link #claim} of {@code messageId} would find now, without claiming it or changing
   * anything: {@code DUPLICATE} with the recorded outcome, {@code IN_PROGRESS} while an unexpired
   * claim holds it, or empty when the id is free (never seen, released, or expired). For a dry run
   * or a report; the answer may be out of date as soon as it is returned.
   *
   * @param messageId the message id
   * @return the id's state, empty when a claim would win it
   * @throws UnsupportedOperationException when the store cannot ({@link #supportsPeek()} is false)
   */
  default Optional<DedupeClaim> peek(String messageId) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be asked about an id without claiming it");
  }

  /**
   * Records that {@code messageId} was processed with {@code outcome}; remembered for {@code ttl}.
   *
   * @param messageId a message id this caller claimed
   * @param outcome what a later duplicate is told, such as the transaction id
   * @param ttl how long the id is remembered as processed
   */
  void markDone(String messageId, String outcome, Duration ttl);

  /**
   * Records every id of {@code outcomes} as processed, as {@link #markDone(String, String, Duration)}
   * does, each on its own (not all or none: when this throws, some may have been recorded); stores that
   * can record many ids in one round trip override it (the default marks one id after the other).
   *
   * @param outcomes each claimed id with what a later duplicate of it is told; none null
   * @param ttl how long the ids are remembered as processed
   */
  default void markDoneAll(Map<String, String> outcomes, Duration ttl) {
    for (Map.Entry<String, String> e : outcomes.entrySet()) {
      markDone(e.getKey(), e.getValue(), ttl);
    }
  }

  /**
   * Records that {@code messageId} was processed by the push {@code outcome} describes, in the
   * outcome's stable encoding ({@link DedupeOutcome#encode()}); stores need not override it.
   *
   * @param messageId a message id this caller claimed
   * @param outcome the transaction that processed it, with its source MD5 and size
   * @param ttl how long the id is remembered as processed
   */
  default void markDone(String messageId, DedupeOutcome outcome, Duration ttl) {
    markDone(messageId, outcome.encode(), ttl);
  }

  /**
   * Checks that the store answers, for health pages: a store over a server sends it a cheap request (a Redis
   * {@code PING}) and waits at most its own timeout. Never throws: a failure is an unhealthy status whose detail
   * holds no secret (no password, no connection string). Thread-safe.
   *
   * <p>The default reports healthy at once, with zero latency: right for stores in this process.
   *
   * @return whether the store answered, how long it took, and why not
   */
  default HealthStatus probe() {
    return HealthStatus.healthy(Duration.ZERO);
  }

  /**
   * Gives up a claim so that the id can be claimed again (processing failed).
   *
   * @param messageId a message id this caller claimed
   */
  void release(String messageId);
}
