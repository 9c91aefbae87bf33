package io.dualpush.client;

import java.io.IOException;

/**
 * Thrown by a {@link ReadStream}'s last read when the bytes streamed do not match the expected MD5 or are fewer
 * than the endpoint announced: the bytes already read must be discarded. The endpoint is marked bad for the key, so a
 * new read goes to another copy.
 */
public class CorruptCopyException extends IOException {
  private static final long serialVersionUID = 1L;
  /** The object's key, as {@link #key()} returns it. */
  private final String key;
  /** The endpoint that served the corrupt copy, as {@link #endpointId()} returns it. */
  private final String endpointId;

  /**
   * A corrupt copy.
   *
   * @param key the object's key
   * @param endpointId the endpoint that served it
   * @param message what differed
   */
  public CorruptCopyException(String key, String endpointId, String message) {
    super(message);
    this.key = key;
    this.endpointId = endpointId;
  }

  /**
   * The object's key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The endpoint that served the corrupt copy.
   *
   * @return its id
   */
  public String endpointId() {
    return endpointId;
  }
}
