package io.dualpush.spi;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One object to store at a destination: its key, size, the source MD5 (base64, as Azure's
 * Content-MD5), content type, user metadata, the transaction and dataset it belongs to, and the
 * fencing token of the lease it was written under, if any. The payload is re-openable so a retry
 * can read it again.
 *
 * @param key the object's key
 * @param size the payload's size in bytes
 * @param md5 the source MD5, base64
 * @param contentType the MIME type to store
 * @param metadata user metadata to store
 * @param transactionId the transaction the write belongs to
 * @param datasetId the dataset id, or the empty string when the push named none
 * @param fencingToken the lease's fencing token, or empty when the write is not fenced
 * @param content opens the payload from its first byte
 * @param replaceIdentical write even when the destination reports holding the same MD5: set when a copy was
 *     found to differ from what its reported digest claims (changed behind its back)
 */
public record WriteRequest(
    String key,
    long size,
    String md5,
    String contentType,
    Map<String, String> metadata,
    String transactionId,
    String datasetId,
    OptionalLong fencingToken,
    ContentOpener content,
    boolean replaceIdentical) {

  /**
   * A write that is skipped when the destination already holds the same MD5.
   *
   * @param key the object's key
   * @param size the payload's size in bytes
   * @param md5 the source MD5, base64
   * @param contentType the MIME type to store
   * @param metadata user metadata to store
   * @param transactionId the transaction the write belongs to
   * @param datasetId the dataset id, or empty
   * @param fencingToken the lease's fencing token, or empty when the write is not fenced
   * @param content opens the payload from its first byte
   */
  public WriteRequest(String key, long size, String md5, String contentType, Map<String, String> metadata,
      String transactionId, String datasetId, OptionalLong fencingToken, ContentOpener content) {
    this(key, size, md5, contentType, metadata, transactionId, datasetId, fencingToken, content, false);
  }

  /**
   * Checks that every component is non-null and copies the metadata.
   *
   * @param key the object's key
   * @param size the payload's size in bytes
   * @param md5 the source MD5, base64
   * @param contentType the MIME type to store
   * @param metadata user metadata to store
   * @param transactionId the transaction the write belongs to
   * @param datasetId the dataset id, or the empty string when the push named none
   * @param fencingToken the lease's fencing token, or empty when the write is not fenced
   * @param content opens the payload from its first byte
   * @param replaceIdentical write even when the destination reports holding the same MD5: set when a copy was
   *     found to differ from what its reported digest claims (changed behind its back)
   */
  public WriteRequest {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(md5, "md5");
    Objects.requireNonNull(contentType, "contentType");
    metadata = Map.copyOf(metadata);
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(datasetId, "datasetId");
    Objects.requireNonNull(fencingToken, "fencingToken");
    Objects.requireNonNull(content, "content");
  }

  /**
   * A fresh stream of the payload.
   *
   * @return a new stream from the first byte; the caller closes it
   * @throws IOException when the payload cannot be opened
   */
  public InputStream open() throws IOException {
    return content.open();
  }

  /**
   * A copy with another payload opener (used by wrappers that alter the bytes in flight).
   *
   * @param other the new opener
   * @return the same request reading its payload through {@code other}
   */
  public WriteRequest withContent(ContentOpener other) {
    return new WriteRequest(key, size, md5, contentType, metadata, transactionId, datasetId, fencingToken, other, replaceIdentical);
  }

  /**
   * A copy that is written even when the destination reports the same MD5.
   *
   * @return the same request with {@code replaceIdentical} set
   */
  public WriteRequest replacingIdentical() {
    return new WriteRequest(key, size, md5, contentType, metadata, transactionId, datasetId, fencingToken, content, true);
  }
}
