package io.dualpush;

/**
 * A write carried a fencing token older than the one the destination already holds for that
 * object: a former lease holder is still acting. Permanent for that write.
 */
public class StaleFencingTokenException extends DestinationException {
  private static final long serialVersionUID = 1L;
  private final long presented;
  private final long current;

  public StaleFencingTokenException(String destinationId, String key, long presented, long current) {
    super(destinationId, false, "Write to '" + key + "' on destination '" + destinationId
        + "' carried fencing token " + presented + " but the object holds token " + current);
    this.presented = presented;
    this.current = current;
  }

  public long presentedToken() {
    return presented;
  }

  public long currentToken() {
    return current;
  }
}
