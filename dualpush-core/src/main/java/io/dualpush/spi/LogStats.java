package io.dualpush.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link TransactionLog} reports about itself for health pages: whether it still accepts appends, how much
 * it holds, and how long its last sync took. Read from the log's own bookkeeping, never by writing or by calling
 * the store: cheap and non-blocking. Never holds a secret (no connection string, no SAS token). Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * log.stats().filter(s -> !s.writable()).ifPresent(s -> alarm(s.failure().orElse("not writable")));
 * }</pre>
 *
 * @param writable whether the log accepts appends now: false once a write, sync or deletion failed (the log
 *     refuses every later append until reopened), when its writer's claim is lost, or when it is closed or
 *     read-only
 * @param failure why it is not writable, in one line without secrets; empty when writable
 * @param sizeBytes the bytes the log's segments hold, as far as the log knows
 * @param segments how many segments it holds (1 for a log that is not segmented)
 * @param lastSyncLatency how long the most recent sync (fsync, or the store's equivalent) took; empty before the
 *     first, or for a log that does not sync
 */
public record LogStats(boolean writable, Optional<String> failure, long sizeBytes, int segments,
    Optional<Duration> lastSyncLatency) {

  /**
   * Checks that no component is null and no count negative.
   *
   * @param writable whether the log accepts appends now
   * @param failure why it is not writable; empty when writable
   * @param sizeBytes the bytes the log holds
   * @param segments how many segments it holds
   * @param lastSyncLatency how long the most recent sync took, or empty
   * @throws NullPointerException naming the component that is null
   * @throws IllegalArgumentException when {@code sizeBytes} or {@code segments} is negative
   */
  public LogStats {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(lastSyncLatency, "lastSyncLatency");
    if (sizeBytes < 0 || segments < 0) {
      throw new IllegalArgumentException("sizeBytes and segments cannot be negative; got " + sizeBytes + ", " + segments);
    }
  }
}
