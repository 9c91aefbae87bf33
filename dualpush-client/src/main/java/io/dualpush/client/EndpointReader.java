package io.dualpush.client;

import java.util.concurrent.CompletableFuture;

/** Reads objects from one endpoint. Thread-safe. Failures complete the future exceptionally, free of secrets. */
interface EndpointReader {
  /**
   * Reads {@code key} on the calling thread; an interrupt abandons the read.
   *
   * @param needStoredMd5 whether the caller has no MD5 of its own and needs the one stored with the object
   */
  Fetched fetchBlocking(String key, FetchLimits limits, boolean needStoredMd5) throws Exception;

  /**
   * Reads {@code key} on the client's read pool. Cancelling the future abandons the read and releases what it
   * holds.
   */
  CompletableFuture<Fetched> fetch(String key, FetchLimits limits, boolean needStoredMd5);

  /** A cheap reachability check; completes exceptionally when the endpoint is unreachable. */
  CompletableFuture<Void> check();

  /** A failure's description without secrets. */
  String describeFailure(Throwable failure);

  /**
   * Whether an interrupt always ends {@link #fetchBlocking} promptly, so that a caller's own thread may make a try:
   * true for java.net.http, false for a destination, whose SDK may ignore interrupts.
   */
  default boolean interruptible() {
    return false;
  }

  /** Releases what the reader owns. */
  default void close() {}
}
