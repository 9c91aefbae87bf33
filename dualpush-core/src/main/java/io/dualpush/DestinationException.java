package io.dualpush;

/**
 * A destination refused or failed an operation. {@link #isTransient()} tells the router whether a
 * retry may help (throttling, timeouts, connection errors) or not (bad credentials, a missing
 * container). Messages never carry secrets.
 */
public class DestinationException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The id of the destination that failed, as {@link #destinationId()} returns it. */
  private final String destinationId;
  /** Whether a retry may succeed, as {@link #isTransient()} returns it. */
  private final boolean transientFailure;

  /**
   * A failure without an underlying cause.
   *
   * @param destinationId the destination's id, or its name when the adapter does not know its id
   * @param transientFailure whether a retry of the same operation may succeed
   * @param message what failed, without secrets
   */
  public DestinationException(String destinationId, boolean transientFailure, String message) {
    super(message);
    this.destinationId = destinationId;
    this.transientFailure = transientFailure;
  }

  /**
   * A failure caused by another exception, such as an SDK or I/O error.
   *
   * @param destinationId the destination's id, or its name when the adapter does not know its id
   * @param transientFailure whether a retry of the same operation may succeed
   * @param message what failed, without secrets
   * @param cause the underlying failure, already scrubbed of secrets
   */
  public DestinationException(
      String destinationId, boolean transientFailure, String message, Throwable cause) {
    super(message, cause);
    this.destinationId = destinationId;
    this.transientFailure = transientFailure;
  }

  /**
   * A failure a retry may cure: throttling, a timeout, a dropped connection.
   *
   * @param destinationId the destination's id or name
   * @param message what failed, without secrets
   * @param cause the underlying failure
   * @return a transient failure
   */
  public static DestinationException transientFailure(String destinationId, String message, Throwable cause) {
    return new DestinationException(destinationId, true, message, cause);
  }

  /**
   * A failure a retry cannot cure: bad credentials, a missing container, a refused key.
   *
   * @param destinationId the destination's id or name
   * @param message what failed, without secrets
   * @param cause the underlying failure
   * @return a permanent failure
   */
  public static DestinationException permanentFailure(String destinationId, String message, Throwable cause) {
    return new DestinationException(destinationId, false, message, cause);
  }

  /**
   * The id (or, for an adapter that does not know its id, the name) of the destination.
   *
   * @return the destination's id or name
   */
  public String destinationId() {
    return destinationId;
  }

  /**
   * Whether a retry of the same operation may succeed.
   *
   * @return true when the router may retry the operation
   */
  public boolean isTransient() {
    return transientFailure;
  }
}
