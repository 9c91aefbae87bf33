package io.dualpush.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How many transactions a {@link TransactionLog} holds open, and when the oldest of them started.
 *
 * @param count the number of open transactions, 0 or more
 * @param oldestStart when the oldest open transaction started; empty when none is open
 */
public record OpenSummary(long count, Optional<Instant> oldestStart) {
  /**
   * A summary.
   *
   * @param count the number of open transactions, 0 or more
   * @param oldestStart when the oldest open transaction started; empty when none is open
   */
  public OpenSummary {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative");
    }
    Objects.requireNonNull(oldestStart, "oldestStart");
  }
}
