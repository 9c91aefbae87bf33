package io.dualpush.spi;

import io.dualpush.DestinationException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A place that stores objects under keys: a local directory, an Azure container, an edge store.
 *
 * <p>Contract (checked by {@code DestinationContract} in the testkit):
 * <ul>
 *   <li>{@link #put} streams the payload (memory bounded whatever its size), never leaves a torn
 *       object visible under the key, and returns the MD5 of the bytes it now holds. When the key
 *       already holds an object with the request's MD5 it writes nothing and says so.</li>
 *   <li>Failures are {@link DestinationException}s that say whether a retry may help.</li>
 *   <li>Messages and {@link #describe()} never contain secrets.</li>
 * </ul>
 * Implementations are thread-safe: the engine calls them from several threads at once.
 */
public interface Destination {

  /**
   * Stores the object, or does nothing when the key already holds the same MD5.
   *
   * @param request the key, payload, source MD5, metadata and fencing token of the write
   * @return the MD5 the destination now holds and whether it wrote anything
   */
  PutResult put(WriteRequest request);

  /**
   * Size, MD5 and metadata of the object under {@code key}, or empty when there is none.
   *
   * @param key the object's key
   * @return the object's size, MD5, ETag and metadata, or empty when there is none
   */
  Optional<ObjectInfo> head(String key);

  /**
   * A stream of the object's bytes, or empty when there is none. The caller closes it.
   *
   * @param key the object's key
   * @return an open stream, or empty when there is no object
   */
  Optional<InputStream> get(String key);

  /**
   * Deletes the object; returns whether there was one.
   *
   * @param key the object's key
   * @return true when an object was deleted, false when there was none
   */
  boolean delete(String key);

  /**
   * A cheap check that the destination is reachable and writable. Never throws.
   *
   * @return healthy with the probe's latency, or unhealthy with a detail free of secrets
   */
  HealthStatus probe();

  /**
   * Where this destination stores, for logs and health output; never a secret.
   *
   * @return a description such as a directory or {@code azure:ACCOUNT/CONTAINER}
   */
  String describe();

  /**
   * Whether {@link #list} is implemented.
   *
   * @return true when this destination can list its objects
   */
  default boolean supportsListing() {
    return false;
  }

  /**
   * A page of the objects whose keys start with {@code prefix}, in ascending order of key (compared
   * as UTF-8 bytes), beginning after {@code startAfter}. A caller pages by passing the last key of
   * one page as the next page's {@code startAfter}; a page shorter than {@code limit} is the last.
   * An object written or deleted while a caller pages may or may not be seen; every object present
   * throughout is seen exactly once. An entry's {@code md5} is present only when the destination
   * knows it without re-reading the bytes, and its metadata is what {@link #head} would return, or empty
   * when the destination cannot vouch for it without re-reading (then {@link #head} can).
   *
   * @param prefix the start every listed key has; empty for all
   * @param startAfter list only keys after this one; null to start at the first
   * @param limit the most entries returned, at least 1
   * @return at most {@code limit} objects, in ascending order of key
   * @throws UnsupportedOperationException when the destination cannot list ({@link #supportsListing()} is false)
   * @throws IllegalArgumentException when {@code limit} is less than 1
   */
  default List<ObjectInfo> list(String prefix, @Nullable String startAfter, int limit) {
    throw new UnsupportedOperationException(describe() + " cannot list its objects");
  }

  /**
   * Whether writes carrying a fencing token older than the stored one are refused with
   * {@link io.dualpush.StaleFencingTokenException}.
   *
   * @return true when the destination enforces fencing tokens
   */
  default boolean supportsFencing() {
    return false;
  }

  /**
   * Whether writes to this destination could land in {@code other}'s storage, or the reverse: the
   * same instance, the same directory or container reached under another name, or one nested in
   * the other. Two such destinations are not independent copies (a push to both races with itself,
   * and losing one loses both), so {@code DualPushClientBuilder} refuses them when it builds.
   *
   * <p>The builder asks both ways round ({@code a.overlaps(b) || b.overlaps(a)}), so an
   * implementation need only recognise the kinds of destination it knows; a wrapper asks what it
   * wraps. The default recognises only the same instance. Implementations answer from their
   * configuration and local file metadata, never from a network call, never throw, and are
   * thread-safe.
   *
   * @param other another destination
   * @return true when the two could share storage
   */
  default boolean overlaps(Destination other) {
    return this == other;
  }
}
