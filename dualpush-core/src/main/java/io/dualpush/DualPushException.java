package io.dualpush;

/** Base type of every exception dualpush throws. Unchecked. */
public class DualPushException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DualPushException(String message) {
    super(message);
  }

  public DualPushException(String message, Throwable cause) {
    super(message, cause);
  }
}
