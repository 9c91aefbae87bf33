package io.dualpush;

/**
 * A destination refused or failed an operation. {@link #isTransient()} tells the router whether a
 * retry may help (throttling, timeouts, connection errors) or not (bad credentials, a missing
 * container). Messages never carry secrets.
 */
public class DestinationException extends DualPushException {
  private static final long serialVersionUID = 1L;
  private final String destinationId;
  private final boolean transientFailure;

  public DestinationException(String destinationId, boolean transientFailure, String message) {
    super(message);
    this.destinationId = destinationId;
    this.transientFailure = transientFailure;
  }

  public DestinationException(
      String destinationId, boolean transientFailure, String message, Throwable cause) {
    super(message, cause);
    this.destinationId = destinationId;
    this.transientFailure = transientFailure;
  }

  public static DestinationException transientFailure(String destinationId, String message, Throwable cause) {
    return new DestinationException(destinationId, true, message, cause);
  }

  public static DestinationException permanentFailure(String destinationId, String message, Throwable cause) {
    return new DestinationException(destinationId, false, message, cause);
  }

  /** The id (or, for an adapter that does not know its id, the name) of the destination. */
  public String destinationId() {
    return destinationId;
  }

  /** Whether a retry of the same operation may succeed. */
  public boolean isTransient() {
    return transientFailure;
  }
}
