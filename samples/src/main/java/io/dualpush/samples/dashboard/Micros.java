package io.dualpush.samples.dashboard;

import java.time.Instant;

/** Wall-clock instants as epoch microseconds, the unit of every {@code at} the dashboard sends. */
final class Micros {
  private Micros() {}

  /** Now, by the system's wall clock, in microseconds since the epoch. */
  static long now() {
    return of(Instant.now());
  }

  /** {@code instant} in microseconds since the epoch. */
  static long of(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }
}
