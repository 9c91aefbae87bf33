package io.dualpush;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a replay would do, found by {@link Replayer#dryRun()} without acting: the items it would hand to the handler
 * (or re-push), their bytes and the oldest of them, and what it would pass over.
 *
 * @param count items a replay would process now
 * @param bytes their total size
 * @param oldest when the oldest of them was stored (or its push started); empty when there is none
 * @param alreadyDone items the filter takes that were processed already (a replay passes them over)
 * @param inProgressElsewhere items another worker holds a claim on now (a replay leaves them to it)
 * @param unreadable stored copies that name no message id, or whose key does not match it (a replay counts and
 *     passes them over)
 * @param beyondHorizon copies the filter takes that are older than the processor's replay horizon (or dedupe TTL):
 *     their ids may be forgotten, so a replay leaves them alone
 * @param resumesAfter the checkpoint a replay would continue after; empty when it starts at the beginning
 */
public record ReplayBacklog(long count, long bytes, Optional<Instant> oldest, long alreadyDone,
    long inProgressElsewhere, long unreadable, long beyondHorizon, Optional<String> resumesAfter) {
  /**
   * Checks the components.
   *
   * @param count items a replay would process now
   * @param bytes their total size
   * @param oldest the oldest of them, when there is one
   * @param alreadyDone items processed already
   * @param inProgressElsewhere items held by another worker
   * @param unreadable copies that could not be replayed
   * @param beyondHorizon copies older than the replay horizon, left alone
   * @param resumesAfter the checkpoint, when there is one
   */
  public ReplayBacklog {
    Objects.requireNonNull(oldest, "oldest");
    Objects.requireNonNull(resumesAfter, "resumesAfter");
  }
}
