package io.dualpush.samples.dashboard;

import java.util.Optional;

/**
 * A request the dashboard refuses: answered with {@code status} and a JSON body {@code {"error": message,
 * "field": field}} (the field only when one input is to blame). Immutable; its message never holds a secret.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String field;

  private ApiError(int status, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  /** A 400 naming the field at fault. */
  static ApiError badField(String field, String message) {
    return new ApiError(400, message, field);
  }

  /** An error with a status and no field. */
  static ApiError of(int status, String message) {
    return new ApiError(status, message, null);
  }

  int status() {
    return status;
  }

  Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
