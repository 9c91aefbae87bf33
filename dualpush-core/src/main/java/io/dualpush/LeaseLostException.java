package io.dualpush;

import java.util.Objects;

/**
 * A lease this process held is no longer known to be held: a renewal failed or came back too late,
 * or storage reported another holder. What depended on the lease stops acting before another holder
 * can gain it (guarantee G6); work refused with this exception was not done. Taking the lease again
 * gives a new, larger fencing token.
 *
 * <pre>{@code
 * catch (LeaseLostException e) { log.warn("lost {}: standing down", e.lease()); }
 * }</pre>
 *
 * <p>Immutable, so safe to share between threads.
 */
public class LeaseLostException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The lease's name, as {@link #lease()} returns it. */
  private final String lease;

  /**
   * @param message what was lost and why, naming the lease
   * @param lease the lease's name (for a log's writer lease, the log's description)
   */
  public LeaseLostException(String message, String lease) {
    super(message);
    this.lease = Objects.requireNonNull(lease, "lease");
  }

  /**
   * @param message what was lost and why, naming the lease
   * @param lease the lease's name
   * @param cause the failure that made it lost (a renewal's error), kept as the first cause
   */
  public LeaseLostException(String message, String lease, Throwable cause) {
    super(message, Objects.requireNonNull(cause, "cause"));
    this.lease = Objects.requireNonNull(lease, "lease");
  }

  /**
   * The lease that was lost: its name, or for a transaction log's writer lease the log's description.
   *
   * @return the lease's name
   */
  public String lease() {
    return lease;
  }
}
