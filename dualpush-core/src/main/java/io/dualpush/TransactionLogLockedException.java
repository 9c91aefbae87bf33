package io.dualpush;

import java.util.Objects;

/**
 * The transaction log is held for writing by another process or client: a directory whose lock
 * file another process holds, or an Azure log whose writer lease another client holds. Nothing was
 * written. Usually a second job started on the same log; stop one, or open the log read-only to
 * look at it.
 *
 * <pre>{@code
 * catch (TransactionLogLockedException e) { log.warn("{} is in use; another job is running", e.log()); }
 * }</pre>
 *
 * <p>Immutable, so safe to share between threads.
 */
public class TransactionLogLockedException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The log's description, as {@link #log()} returns it. */
  private final String log;

  /**
   * @param message what is held and what to do, naming the log
   * @param log the log, as its implementation describes it (a directory, {@code azure:ACCOUNT/CONTAINER/PREFIX})
   */
  public TransactionLogLockedException(String message, String log) {
    super(message);
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * @param message what is held and what to do, naming the log
   * @param log the log, as its implementation describes it
   * @param cause what reported the lock as held (the storage's own error), kept as the first cause
   */
  public TransactionLogLockedException(String message, String log, Throwable cause) {
    super(message, Objects.requireNonNull(cause, "cause"));
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * The log that is held, as its implementation describes it: a directory, or
   * {@code azure:ACCOUNT/CONTAINER/PREFIX}.
   *
   * @return the log's description
   */
  public String log() {
    return log;
  }
}
