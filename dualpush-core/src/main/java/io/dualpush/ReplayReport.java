package io.dualpush;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Replayer#run()} did.
 *
 * @param processed items handled now (messages processed, or transactions re-pushed and settled)
 * @param bytes the total size of the items handled now
 * @param alreadyDone items the filter took that were done already, passed over
 * @param inProgressElsewhere items another worker held; the checkpoint stays before the first of them
 * @param failed items whose handling failed; the checkpoint stays before the first of them, so the next run retries it
 * @param unreadable stored copies that could not be replayed (no message id, or a key that does not match it)
 * @param beyondHorizon copies older than the processor's replay horizon (or dedupe TTL), left alone: their ids may
 *     be forgotten
 * @param checkpoint the checkpoint saved last: the key every item up to which is acknowledged; empty when none is
 *     (nothing acknowledged yet, or a replay of transactions, whose log is its own checkpoint)
 * @param complete whether the pass reached the end with every item acknowledged (the next run starts a new pass)
 * @param failures the first few failures, in the order they happened, each keeping its cause
 */
public record ReplayReport(long processed, long bytes, long alreadyDone, long inProgressElsewhere, long failed,
    long unreadable, long beyondHorizon, Optional<String> checkpoint, boolean complete, List<RuntimeException> failures) {
  /**
   * Checks the components and copies the failures.
   *
   * @param processed items handled now
   * @param bytes their size
   * @param alreadyDone items done already
   * @param inProgressElsewhere items held elsewhere
   * @param failed items that failed
   * @param unreadable copies that could not be replayed
   * @param beyondHorizon copies older than the replay horizon, left alone
   * @param checkpoint the checkpoint saved last
   * @param complete whether the pass finished
   * @param failures the first few failures
   */
  public ReplayReport {
    Objects.requireNonNull(checkpoint, "checkpoint");
    failures = List.copyOf(failures);
  }

  /**
   * The first failure, the one to look at first.
   *
   * @return the first failure, empty when none failed
   */
  public Optional<RuntimeException> firstFailure() {
    return failures.isEmpty() ? Optional.empty() : Optional.of(failures.get(0));
  }
}
