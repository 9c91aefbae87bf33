package io.dualpush;

import java.time.Duration;

/** Validation of {@link Duration} settings. */
final class Durations {
  private Durations() {}

  static Duration positive(Duration value, String field) {
    InvalidInputException.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidInputException(field, "'" + field + "' must be positive; got " + value + ".");
    }
    return value;
  }
}
