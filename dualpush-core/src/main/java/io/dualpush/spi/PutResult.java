package io.dualpush.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Destination#put} did.
 *
 * @param written false when the key already held the same content and nothing was written
 * @param md5 base64 MD5 of the bytes the destination holds under the key after the call
 * @param etag the destination's version tag, when it has one
 */
public record PutResult(boolean written, String md5, Optional<String> etag) {
  /**
   * Checks that every component is non-null.
   *
   * @param written false when the key already held the same content and nothing was written
   * @param md5 base64 MD5 of the bytes the destination holds under the key after the call
   * @param etag the destination's version tag, when it has one
   */
  public PutResult {
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(etag, "etag");
  }
}
