package io.dualpush.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a destination knows of a stored object without reading it.
 *
 * @param key the object's key
 * @param size its size in bytes
 * @param md5 base64 MD5 of the stored bytes, when the destination can tell without re-reading
 * @param etag the destination's version tag, when it has one
 * @param lastModified when it was last written
 * @param metadata user metadata stored with it, without dualpush's reserved entries
 */
public record ObjectInfo(
    String key,
    long size,
    Optional<String> md5,
    Optional<String> etag,
    Instant lastModified,
    Map<String, String> metadata) {
  /**
   * Checks the components and copies the metadata.
   *
   * @param key the object's key
   * @param size its size in bytes
   * @param md5 base64 MD5 of the stored bytes, when the destination can tell without re-reading
   * @param etag the destination's version tag, when it has one
   * @param lastModified when it was last written
   * @param metadata user metadata stored with it, without dualpush's reserved entries
   */
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    metadata = Map.copyOf(metadata);
  }
}
