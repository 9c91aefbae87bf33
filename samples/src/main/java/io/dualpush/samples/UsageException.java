package io.dualpush.samples;

/** Bad usage or bad input: the CLI prints the message on one line and exits with 1. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
