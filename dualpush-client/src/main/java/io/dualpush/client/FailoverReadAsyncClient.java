package io.dualpush.client;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Reads objects from the healthiest, fastest of several endpoints, asynchronously. Each read tries the endpoints in
 * order — those that have not failed recently first, then by priority, then the fastest — fails over at once on a
 * connection error, a timeout, an HTTP 5xx, a truncated body or a copy whose MD5 differs from the expected one, and
 * is hedged to the next endpoint when the first is slower than its recent 95th percentile (within the hedge budget).
 * A copy is handed over only once its MD5 matched the caller's, the push receipt's, or the one stored with it.
 *
 * <p>Thread-safe; one client serves any number of concurrent reads and shares the endpoints' health between them.
 * Built by {@link FailoverReadClientBuilder}; close it to stop its timers and threads.
 *
 * <pre>{@code
 * reader.read("daily/2026-12-01.parquet").thenAccept(r -> r.ifPresent(result -> use(result.toByteArray())));
 * }</pre>
 */
public final class FailoverReadAsyncClient implements AutoCloseable {
  private final ReadEngine engine;

  FailoverReadAsyncClient(ReadEngine engine) {
    this.engine = engine;
  }

  /** For the blocking client: the same reads, with the calling thread making each first try itself. */
  CompletableFuture<Optional<ReadResult>> readOnCallingThread(ReadRequest request) {
    try {
      return engine.read(request, true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  CompletableFuture<Optional<ReadStream>> openStreamOnCallingThread(ReadRequest request) {
    try {
      return engine.openStream(request, true);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Reads {@code key} whole, checked against the MD5 stored with it.
   *
   * @param key the object's key
   * @return the object, or empty when every endpoint answered that it has none; fails with {@link
   *     AllEndpointsFailedException} when no endpoint returned a good copy and none could be served from the cache
   */
  public CompletableFuture<Optional<ReadResult>> read(String key) {
    return read(ReadRequest.of(key));
  }

  /**
   * Reads an object whole.
   *
   * @param request the key and what the answer must be
   * @return the object, or empty when every endpoint answered that it has none (never for a read-your-writes read,
   *     whose copies must exist); fails with {@link AllEndpointsFailedException} when no endpoint returned a good copy
   *     and none could be served from the cache, or {@link ObjectTooLargeException} past the buffer limit
   */
  public CompletableFuture<Optional<ReadResult>> read(ReadRequest request) {
    try {
      return engine.read(request, false);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Opens an object as a stream, with memory bounded whatever its size. A small object is checked before the stream
   * is handed over; a large one as it is read (see {@link ReadStream}).
   *
   * @param request the key and what the answer must be
   * @return the open stream, or empty when every endpoint answered that it has none
   */
  public CompletableFuture<Optional<ReadStream>> openStream(ReadRequest request) {
    try {
      return engine.openStream(request, false);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Every endpoint's health, as the reads so far and the background checks have found it.
   *
   * @return one snapshot per endpoint, by priority then id
   */
  public List<EndpointHealth> health() {
    return engine.health();
  }

  /**
   * The endpoints, in the order they were added.
   *
   * @return the endpoints
   */
  public List<ReadEndpoint> endpoints() {
    return engine.endpoints();
  }

  /**
   * Lets reads use an endpoint again.
   *
   * @param endpointId the endpoint's id
   */
  public void activate(String endpointId) {
    engine.setActive(endpointId, true);
  }

  /**
   * Stops reads from using an endpoint (maintenance, a region taken out) until it is activated again.
   *
   * @param endpointId the endpoint's id
   */
  public void deactivate(String endpointId) {
    engine.setActive(endpointId, false);
  }

  /**
   * Stops the timers and the read threads; reads still running fail with {@link io.dualpush.ClientClosedException}.
   * An {@code HttpClient} passed to the builder is left open.
   */
  @Override
  public void close() {
    engine.close();
  }
}
