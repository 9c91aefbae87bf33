package io.dualpush.client;

import java.util.concurrent.CompletableFuture;

/** Reads objects from one endpoint. Thread-safe. Failures complete the future exceptionally, free of secrets. */
interface EndpointReader {
  /**
   * Reads {@code key}. Cancelling the future abandons the read and releases what it holds.
   *
   * @param needStoredMd5 whether the caller has no MD5 of its own and needs the one stored with the object
   */
  CompletableFuture<Fetched> fetch(String key, FetchLimits limits, boolean needStoredMd5);

  /** A cheap reachability check; completes exceptionally when the endpoint is unreachable. */
  CompletableFuture<Void> check();

  /** A failure's description without secrets. */
  String describeFailure(Throwable failure);

  /** Releases what the reader owns. */
  default void close() {}
}
