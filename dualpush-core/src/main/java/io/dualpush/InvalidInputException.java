package io.dualpush;

/**
 * Bad configuration or a bad request, refused before anything is written. {@link #field()} names
 * the offending field, as the message does.
 */
public class InvalidInputException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The refused field's name, as {@link #field()} returns it. */
  private final String field;

  /**
   * A refusal of one field.
   *
   * @param field the name of the field, option or argument refused, e.g. {@code key}
   * @param message what is wrong and what was given, naming the field
   */
  public InvalidInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  /**
   * The name of the field, option or argument that was refused, e.g. {@code key}.
   *
   * @return the field's name
   */
  public String field() {
    return field;
  }

  /**
   * Throws when {@code value} is null, naming the field the way the Azure SDK does.
   *
   * @param <T> the value's type
   * @param value the value to check
   * @param field the name to put in the error
   * @return {@code value}, when it is not null
   * @throws InvalidInputException naming {@code field} when {@code value} is null
   */
  public static <T> T requireNonNull(T value, String field) {
    if (value == null) {
      throw new InvalidInputException(field, "'" + field + "' cannot be null.");
    }
    return value;
  }

  /**
   * Throws when {@code value} is negative, naming the field and the value.
   *
   * @param value the value to check
   * @param field the name to put in the error
   * @return {@code value}, when it is 0 or more
   * @throws InvalidInputException naming {@code field} when {@code value} is negative
   */
  public static int requireNonNegative(int value, String field) {
    if (value < 0) {
      throw new InvalidInputException(field, "'" + field + "' must not be negative; got " + value);
    }
    return value;
  }
}
