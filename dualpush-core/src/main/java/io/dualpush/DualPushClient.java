package io.dualpush;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The blocking flavour of {@link DualPushAsyncClient}, which it wraps, so the two cannot drift.
 * Thread-safe.
 *
 * <pre>{@code
 * try (DualPushClient client = new DualPushClientBuilder()
 *     .destination(DestinationOptions.of("primary"), new FileSystemDestination(primaryDir))
 *     .destination(DestinationOptions.of("secondary"), new FileSystemDestination(secondaryDir))
 *     .transactionLog(logDir)
 *     .buildClient()) {
 *   PushReceipt receipt = client.push(PushRequest.of("gold/sales.csv", PushContent.ofFile(file)));
 * }
 * }</pre>
 */
public final class DualPushClient implements AutoCloseable {
  private final DualPushAsyncClient async;

  DualPushClient(DualPushAsyncClient async) {
    this.async = async;
  }

  /**
   * Pushes one object and waits until the ack policy is decided.
   *
   * @param request the key, content and metadata to push
   * @return the receipt: every copy's status, the MD5 and the transaction id
   * @throws PushFailedException when it does not hold; the receipt says which copies exist, and
   *     the failed ones are repaired in the background
   * @throws InvalidInputException for a bad request, before anything is written
   * @throws NotActiveException with a {@linkplain DualPushClientBuilder#coordinator coordinator}, when this
   *     process is not the active holder of its lease: before anything is logged, or when the lease was lost
   *     while the copies were written (they stay pending for repair)
   */
  public PushReceipt push(PushRequest request) {
    return join(async.pushBlocking(request));
  }

  /**
   * Pushes {@code bytes} under {@code key} with no metadata and waits until the ack policy is decided; the
   * bytes are not copied, so do not change them while the push runs.
   *
   * @param key the object's key, such as {@code gold/sales.csv} (relative, {@code /}-separated)
   * @param bytes the object's content
   * @return the receipt: every copy's status, the MD5 and the transaction id
   * @throws PushFailedException when the ack policy does not hold; the failed copies are repaired in the
   *     background
   * @throws InvalidInputException for a bad key, before anything is written
   */
  public PushReceipt push(String key, byte[] bytes) {
    return push(PushRequest.of(key, bytes));
  }

  /**
   * Pushes the file's content under {@code key} and waits until the ack policy is decided. The file's path is
   * recorded in the log, so a repair after a restart can re-read it.
   *
   * @param key the object's key, such as {@code gold/sales.csv} (relative, {@code /}-separated)
   * @param file a regular file; it should not change until its copies are verified
   * @return the receipt: every copy's status, the MD5 and the transaction id
   * @throws PushFailedException when the ack policy does not hold; the failed copies are repaired in the
   *     background
   * @throws InvalidInputException for a bad key or a missing file, before anything is written
   */
  public PushReceipt push(String key, java.nio.file.Path file) {
    return push(PushRequest.of(key, PushContent.ofFile(file)));
  }

  /**
   * See {@link DualPushAsyncClient#verify}.
   *
   * @param transactionId the transaction to verify
   * @param mode how deeply to check
   * @return the receipt after the check
   */
  public PushReceipt verify(String transactionId, VerifyMode mode) {
    return join(async.verify(transactionId, mode));
  }

  /**
   * See {@link DualPushAsyncClient#retryFailed}.
   *
   * @param transactionId the transaction whose failed copies to write again
   * @return the receipt once the repair round has settled
   */
  public PushReceipt retryFailed(String transactionId) {
    return join(async.retryFailed(transactionId));
  }

  /**
   * See {@link DualPushAsyncClient#repairAll}.
   *
   * @return one receipt per transaction that was retried
   */
  public List<PushReceipt> repairAll() {
    return join(async.repairAll());
  }

  /**
   * Where a transaction stands now, if the log still holds it. Does not block on the destinations.
   *
   * @param transactionId the transaction to look up
   * @return its receipt, or empty when the log does not hold it
   */
  public Optional<PushReceipt> receipt(String transactionId) {
    return async.receipt(transactionId);
  }

  /**
   * The most recent transactions from the log, newest first; what {@code status} tools list.
   *
   * @param limit the most receipts to return, 0 or more
   * @return the receipts, newest first
   * @throws InvalidInputException naming {@code limit} when it is negative
   */
  public List<PushReceipt> recent(int limit) {
    return async.recent(limit);
  }

  /**
   * Counters for monitoring: backlog of open transactions, repair lag, dead-lettered and abandoned copies
   * (guarantee G5).
   *
   * @return a snapshot of the counters
   */
  public DualPushStats stats() {
    return async.stats();
  }

  /**
   * How far behind each destination is; see {@link DualPushAsyncClient#lag()}. Never blocks. Thread-safe.
   *
   * @return each destination's lag, by destination id; unmodifiable
   */
  public Map<String, DestinationLag> lag() {
    return async.lag();
  }

  /**
   * The recent events and alerts of this client, to query by transaction, key, destination, kind and time; see
   * {@link EventHistory}. Never blocks; stays readable after {@link #close()}. Thread-safe.
   *
   * <pre>{@code
   * client.history().query(HistoryQuery.builder().transactionId(receipt.transactionId()).build());
   * }</pre>
   *
   * @return this client's history; records nothing when {@link DualPushClientBuilder#historyCapacity} is 0
   */
  public EventHistory history() {
    return async.history();
  }

  /**
   * Probes every destination now, in parallel; see {@link DualPushAsyncClient#health()}. Blocks for
   * at most the longest destination timeout. Thread-safe.
   *
   * @return each destination's health (probe, circuit breaker, stuck calls), by destination id;
   *     unmodifiable
   */
  public Map<String, DestinationHealth> health() {
    return join(async.health());
  }

  /**
   * Takes a {@link HealthSnapshot} of the whole client; see {@link DualPushAsyncClient#healthSnapshot(Duration)}.
   * Blocks for at most about {@link HealthSnapshot#DEFAULT_MAX_WAIT}. Thread-safe.
   *
   * <pre>{@code
   * String json = objectMapper.writeValueAsString(client.healthSnapshot().toMap());
   * }</pre>
   *
   * @return the snapshot: every component's status, details and when it was checked, the overall status and the
   *     recent counts of pushes
   * @throws ClientClosedException when the client is closed
   */
  public HealthSnapshot healthSnapshot() {
    return join(async.healthSnapshot());
  }

  /**
   * Takes a {@link HealthSnapshot} of the whole client, waiting at most {@code maxWait} for its checks (one not
   * finished by then is reported DOWN); see {@link DualPushAsyncClient#healthSnapshot(Duration)}. Thread-safe.
   *
   * @param maxWait the longest the checks may take, positive
   * @return the snapshot
   * @throws InvalidInputException naming {@code maxWait} when it is null, zero or negative
   * @throws ClientClosedException when the client is closed
   */
  public HealthSnapshot healthSnapshot(java.time.Duration maxWait) {
    return join(async.healthSnapshot(maxWait));
  }

  /**
   * Closes one destination's circuit breaker now and lets the repairs waiting on it go; see
   * {@link DualPushAsyncClient#resetCircuitBreaker(String)}. Thread-safe; does not block.
   *
   * @param destinationId the id of the destination, as given to the builder
   * @throws InvalidInputException naming {@code destinationId} when it is null or no destination
   *     of this client has that id
   */
  public void resetCircuitBreaker(String destinationId) {
    async.resetCircuitBreaker(destinationId);
  }

  /**
   * The async client this one wraps; both share one engine, so a push through either is the same.
   *
   * @return the wrapped async client
   */
  public DualPushAsyncClient async() {
    return async;
  }

  @Override
  public void close() {
    async.close();
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new DualPushException(String.valueOf(cause), cause);
    }
  }
}
