package io.dualpush.client;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Reads objects from the healthiest, fastest of several endpoints, blocking: a thin wrapper of {@link
 * FailoverReadAsyncClient}, which describes what a read does. The calling thread makes each read's first try itself
 * (hedges and failovers run on the client's read pool); when another try wins or the first times out, the call is
 * interrupted and the interrupt cleared again. Thread-safe.
 *
 * <pre>{@code
 * ReadResult result = reader.read(ReadRequest.of(key).after(receipt)).orElseThrow();
 * log.info("{} bytes from {} in {}", result.size(), result.endpointId(), result.latency());
 * }</pre>
 */
public final class FailoverReadClient implements AutoCloseable {
  private final FailoverReadAsyncClient async;

  FailoverReadClient(FailoverReadAsyncClient async) {
    this.async = async;
  }

  /**
   * Reads {@code key} whole, checked against the MD5 stored with it.
   *
   * @param key the object's key
   * @return the object, or empty when every endpoint answered that it has none
   * @throws AllEndpointsFailedException when no endpoint returned a good copy and none could be served from the cache
   */
  public Optional<ReadResult> read(String key) {
    return join(async.readOnCallingThread(ReadRequest.of(key)));
  }

  /**
   * Reads an object whole.
   *
   * @param request the key and what the answer must be
   * @return the object, or empty when every endpoint answered that it has none
   * @throws AllEndpointsFailedException when no endpoint returned a good copy and none could be served from the cache
   * @throws ObjectTooLargeException when the object is larger than the buffer limit
   */
  public Optional<ReadResult> read(ReadRequest request) {
    return join(async.readOnCallingThread(request));
  }

  /**
   * Opens an object as a stream, with memory bounded whatever its size; see {@link ReadStream}.
   *
   * @param request the key and what the answer must be
   * @return the open stream, or empty when every endpoint answered that it has none
   * @throws AllEndpointsFailedException when no endpoint could open a good copy
   */
  public Optional<ReadStream> openStream(ReadRequest request) {
    return join(async.openStreamOnCallingThread(request));
  }

  /**
   * Every endpoint's health.
   *
   * @return one snapshot per endpoint, by priority then id
   */
  public List<EndpointHealth> health() {
    return async.health();
  }

  /**
   * The endpoints, in the order they were added.
   *
   * @return the endpoints
   */
  public List<ReadEndpoint> endpoints() {
    return async.endpoints();
  }

  /**
   * Lets reads use an endpoint again.
   *
   * @param endpointId the endpoint's id
   */
  public void activate(String endpointId) {
    async.activate(endpointId);
  }

  /**
   * Stops reads from using an endpoint until it is activated again.
   *
   * @param endpointId the endpoint's id
   */
  public void deactivate(String endpointId) {
    async.deactivate(endpointId);
  }

  /**
   * The asynchronous client this one wraps.
   *
   * @return the asynchronous client
   */
  public FailoverReadAsyncClient async() {
    return async;
  }

  /** Closes the asynchronous client. */
  @Override
  public void close() {
    async.close();
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw new io.dualpush.DualPushException("Interrupted while reading", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new CompletionException(cause);
    }
  }
}
