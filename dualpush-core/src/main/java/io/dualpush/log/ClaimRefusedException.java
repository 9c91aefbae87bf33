package io.dualpush.log;

import java.io.IOException;

/**
 * {@link SegmentStore#claim(boolean)} could not take the claim: another writer (this process or
 * another) holds the log. The open fails with this message; nothing was changed.
 */
public class ClaimRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * A refused claim, explained for people.
   *
   * @param message who holds the log, as far as the store can tell, and what to do
   */
  public ClaimRefusedException(String message) {
    super(message);
  }
}
