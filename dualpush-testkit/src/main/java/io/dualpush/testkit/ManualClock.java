package io.dualpush.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A {@link Clock} that moves only when told to. Thread-safe: readers on other threads see every
 * {@link #advance}.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * clock.advance(Duration.ofMinutes(5));
 * }</pre>
 */
public final class ManualClock extends Clock {
  private final ZoneId zone;
  private volatile Instant now;

  /** Starts at 2026-01-01T00:00:00Z. */
  public ManualClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /**
   * A clock at {@code start}, in UTC, that moves only when told to.
   *
   * @param start the first instant it reads
   */
  public ManualClock(Instant start) {
    this(start, ZoneOffset.UTC);
  }

  private ManualClock(Instant start, ZoneId zone) {
    this.now = Objects.requireNonNull(start, "start");
    this.zone = zone;
  }

  /**
   * Moves time forward (or back, for a negative span) and returns the new instant.
   *
   * @param by the span to move; negative moves back
   * @return the new instant
   */
  public synchronized Instant advance(Duration by) {
    now = now.plus(by);
    return now;
  }

  /**
   * Sets the time, forward or back.
   *
   * @param instant the instant the clock reads from now on
   */
  public synchronized void set(Instant instant) {
    now = Objects.requireNonNull(instant, "instant");
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return new ManualClock(now, zone);
  }
}
