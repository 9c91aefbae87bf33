package io.dualpush.log;

import java.io.IOException;

/**
 * A {@link WriterClaim} is lost, or may have run out, so this writer must not write or delete
 * anything more. Thrown by {@link WriterClaim#ensureHeld()} and by store operations that find it
 * (an append fenced off by another writer's lease). The log refuses every further write until it
 * is reopened.
 */
public class ClaimLostException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * A lost claim, explained for people.
   *
   * @param message what was lost and why, naming the store
   * @param cause what showed it, or null
   */
  public ClaimLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
