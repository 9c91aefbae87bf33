package io.dualpush.samples;

/**
 * The environment stopped a run (exit code {@value Main#EXIT_ENVIRONMENT}): the transaction log
 * cannot be written or read, an I/O failure outside any one destination copy. Not bad input: the
 * same command may succeed once the environment is mended.
 */
final class EnvironmentFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  EnvironmentFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * {@code e}'s message followed by its first cause's, when the cause says something the message
   * does not (a wrapper's "cannot append" over the file system's "No space left on device").
   */
  static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e) {
      String cause = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
      if (root.getMessage() == null || !message.contains(root.getMessage())) {
        message += " (cause: " + cause + ")";
      }
    }
    return message;
  }
}
