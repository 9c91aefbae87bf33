package io.dualpush.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a destination knows of a stored object without reading it.
 *
 * @param md5 base64 MD5 of the stored bytes, when the destination can tell without re-reading
 */
public record ObjectInfo(
    String key,
    long size,
    Optional<String> md5,
    Optional<String> etag,
    Instant lastModified,
    Map<String, String> metadata) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    metadata = Map.copyOf(metadata);
  }
}
