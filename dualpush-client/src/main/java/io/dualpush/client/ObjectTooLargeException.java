package io.dualpush.client;

import io.dualpush.DualPushException;

/**
 * Thrown by a buffered read of an object larger than the client's buffer limit: read it with {@code openStream}
 * instead, which keeps memory bounded.
 */
public class ObjectTooLargeException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The object's key, as {@link #key()} returns it. */
  private final String key;
  /** The limit it exceeded, in bytes, as {@link #limit()} returns it. */
  private final long limit;

  /**
   * An object too large to buffer.
   *
   * @param key the object's key
   * @param size its size, or -1 when only known to exceed the limit
   * @param limit the buffer limit in bytes
   */
  public ObjectTooLargeException(String key, long size, long limit) {
    super("Object '" + key + "' is " + (size < 0 ? "larger than" : size + " bytes, over") + " the read buffer limit of "
        + limit + " bytes: read it with openStream");
    this.key = key;
    this.limit = limit;
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
   * The buffer limit in bytes.
   *
   * @return the limit
   */
  public long limit() {
    return limit;
  }
}
