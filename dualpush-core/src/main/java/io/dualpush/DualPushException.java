package io.dualpush;

/** Base type of every exception dualpush throws. Unchecked. */
public class DualPushException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An error with a message and no cause.
   *
   * @param message what went wrong, without secrets
   */
  public DualPushException(String message) {
    super(message);
  }

  /**
   * An error caused by another exception.
   *
   * @param message what went wrong, without secrets
   * @param cause the underlying failure
   */
  public DualPushException(String message, Throwable cause) {
    super(message, cause);
  }
}
