package io.dualpush;

/**
 * Bad configuration or a bad request, refused before anything is written. {@link #field()} names
 * the offending field, as the message does.
 */
public class InvalidInputException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The name of the field, option or argument that was refused, e.g. {@code key}. */
  public String field() {
    return field;
  }

  /** Throws when {@code value} is null, naming the field the way the Azure SDK does. */
  public static <T> T requireNonNull(T value, String field) {
    if (value == null) {
      throw new InvalidInputException(field, "'" + field + "' cannot be null.");
    }
    return value;
  }

  /** Throws when {@code value} is negative, naming the field and the value. */
  public static int requireNonNegative(int value, String field) {
    if (value < 0) {
      throw new InvalidInputException(field, "'" + field + "' must not be negative; got " + value);
    }
    return value;
  }
}
