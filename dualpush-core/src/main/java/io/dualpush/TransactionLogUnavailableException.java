package io.dualpush;

import java.util.Objects;

/**
 * The transaction log's storage failed under it: a write, fsync or read returned an I/O error (disk
 * full, a file system remounted read-only, a failing disk). An environment failure, not bad input
 * and not damaged data: retrying after the environment is fixed may succeed. After a failed append
 * the log refuses further appends until reopened, since what reached the disk is unknown; every
 * such refusal throws this type too.
 *
 * <p>{@link #getCause()} is the first failure (the {@link java.io.IOException}), and the message
 * names it.
 *
 * <pre>{@code
 * catch (TransactionLogUnavailableException e) { System.exit(EXIT_ENVIRONMENT); }
 * }</pre>
 *
 * <p>Immutable, so safe to share between threads.
 */
public class TransactionLogUnavailableException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The log's description, as {@link #log()} returns it. */
  private final String log;

  /**
   * @param message what failed, naming the log and the cause
   * @param log the log, as its implementation describes it (a directory, {@code azure:ACCOUNT/CONTAINER/PREFIX})
   * @param cause the first failure
   */
  public TransactionLogUnavailableException(String message, String log, Throwable cause) {
    super(message, Objects.requireNonNull(cause, "cause"));
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * The log, as its implementation describes it: a directory, or {@code azure:ACCOUNT/CONTAINER/PREFIX}.
   *
   * @return the log's description
   */
  public String log() {
    return log;
  }
}
