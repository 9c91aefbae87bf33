package io.dualpush;

/**
 * A write carried a fencing token older than the one the destination already holds for that
 * object: a former lease holder is still acting. Permanent for that write.
 */
public class StaleFencingTokenException extends DestinationException {
  private static final long serialVersionUID = 1L;
  /** The token the refused write carried. */
  private final long presented;
  /** The token the object already held. */
  private final long current;

  /**
   * A write refused for its stale fencing token.
   *
   * @param destinationId the destination that refused the write
   * @param key the object's key
   * @param presented the token the write carried
   * @param current the newer token the object already holds
   */
  public StaleFencingTokenException(String destinationId, String key, long presented, long current) {
    super(destinationId, false, "Write to '" + key + "' on destination '" + destinationId
        + "' carried fencing token " + presented + " but the object holds token " + current);
    this.presented = presented;
    this.current = current;
  }

  /**
   * The fencing token the refused write carried, from a lease that has since been superseded.
   *
   * @return the stale token
   */
  public long presentedToken() {
    return presented;
  }

  /**
   * The token the object already holds, from the lease acquired after the writer's.
   *
   * @return the current token, greater than {@link #presentedToken()}
   */
  public long currentToken() {
    return current;
  }
}
