package io.dualpush;

import io.dualpush.internal.PushEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Pushes objects to every configured destination at once, durably and verified; the
 * {@code CompletableFuture} flavour. Build one with {@link DualPushClientBuilder#buildAsyncClient()}.
 *
 * <p>A push is written to the transaction log (and durable there) before any destination is
 * touched, goes to every destination in parallel, and completes when the ack policy is decided:
 * with a {@link PushReceipt} when it holds, or exceptionally with {@link PushFailedException}
 * (carrying the receipt) when it does not. Either way the transaction is in the log and copies that
 * failed are repaired in the background.
 *
 * <p>Thread-safe; one client per process is the intended use. {@link #close()} drains.
 *
 * <pre>{@code
 * client.push(PushRequest.of("gold/sales.csv", PushContent.ofFile(file)))
 *     .thenAccept(r -> log.info("{} {}", r.key(), r.state()));
 * }</pre>
 */
public final class DualPushAsyncClient implements AutoCloseable {
  private final PushEngine engine;
  private final @Nullable AlertCoalescer ownAlerts;
  private final EventHistory history;

  DualPushAsyncClient(PushEngine engine) {
    this(engine, null, new EventHistory(0, java.time.Clock.systemUTC()));
  }

  /**
   * With the default alert coalescer the builder made (closed after the engine, whose close may still alert) and
   * the history the builder wired into the engine's listeners and alert sink.
   */
  DualPushAsyncClient(PushEngine engine, @Nullable AlertCoalescer ownAlerts, EventHistory history) {
    this.engine = engine;
    this.ownAlerts = ownAlerts;
    this.history = history;
  }

  /**
   * Pushes one object. Never blocks: when the client already has its maximum of pushes in flight,
   * the push waits in a bounded queue for a place; hashing and writing happen on the client's
   * threads, so the call is safe from any thread, including a callback of another push.
   *
   * @param request the key, content and metadata to push; validated before anything is written
   * @return completes with the receipt when the ack policy holds, or exceptionally with {@link
   *     PushFailedException} carrying the receipt when it does not, {@link InvalidInputException} for
   *     a bad request, {@link PushQueueFullException} when the queue of waiting pushes is full, or
   *     {@link ClientClosedException} when the client closed before the push was decided; with a
   *     {@linkplain DualPushClientBuilder#coordinator coordinator}, exceptionally with {@link NotActiveException}
   *     when the lease was lost while the copies were written (they stay pending for repair)
   * @throws NotActiveException at once, before anything is logged or claimed, when a coordinator is configured
   *     and this process is not the active holder of its lease
   */
  public CompletableFuture<PushReceipt> push(PushRequest request) {
    InvalidInputException.requireNonNull(request, "request");
    return engine.push(request, false);
  }

  /**
   * {@link #push} for {@link DualPushClient}, whose caller blocks on the result anyway: when a place
   * in flight is free, the push is hashed and logged in the calling thread (one hand-off fewer).
   */
  CompletableFuture<PushReceipt> pushBlocking(PushRequest request) {
    InvalidInputException.requireNonNull(request, "request");
    return engine.push(request, true);
  }

  /**
   * Checks every copy of a transaction against the source MD5 in the log and records the result.
   *
   * @param transactionId the transaction to verify, as in {@link PushReceipt#transactionId()}
   * @param mode how deeply to check: the stored digest only, or every byte re-read and re-hashed
   * @return completes with the receipt after the check, each copy VERIFIED or FAILED; exceptionally with
   *     {@link TransactionNotFoundException} when the log does not hold the transaction
   */
  public CompletableFuture<PushReceipt> verify(String transactionId, VerifyMode mode) {
    InvalidInputException.requireNonNull(transactionId, "transactionId");
    InvalidInputException.requireNonNull(mode, "mode");
    return engine.verify(transactionId, mode);
  }

  /**
   * Repairs the failed copies of a transaction now, reviving it if it was dead-lettered.
   *
   * @param transactionId the transaction whose failed copies to write again
   * @return completes with the receipt once the repair round has settled; never blocks the caller
   */
  public CompletableFuture<PushReceipt> retryFailed(String transactionId) {
    InvalidInputException.requireNonNull(transactionId, "transactionId");
    return engine.retryFailed(transactionId);
  }

  /**
   * Retries every open or dead-lettered transaction now, a few rounds at a time. Never blocks the
   * caller.
   *
   * @return completes with one receipt per transaction that was retried
   */
  public CompletableFuture<List<PushReceipt>> repairAll() {
    return engine.repairAll();
  }

  /**
   * Where a transaction stands now, if the log still holds it.
   *
   * @param transactionId the transaction to look up
   * @return its receipt, or empty when the log does not hold it (never pushed, or compacted away)
   */
  public Optional<PushReceipt> receipt(String transactionId) {
    InvalidInputException.requireNonNull(transactionId, "transactionId");
    return engine.receipt(transactionId);
  }

  /**
   * Up to {@code limit} transactions, newest first.
   *
   * @param limit the most receipts to return, 0 or more
   * @return the receipts, newest first
   * @throws InvalidInputException naming {@code limit} when it is negative
   */
  public List<PushReceipt> recent(int limit) {
    if (limit < 0) {
      throw new InvalidInputException("limit", "'limit' cannot be negative; got " + limit + ".");
    }
    return engine.recent(limit);
  }

  /**
   * Backlog, lag and abandoned counts.
   *
   * @return a snapshot of the counters, consistent as of this call
   */
  public DualPushStats stats() {
    return engine.stats();
  }

  /**
   * How far behind each destination is: backlog, its bytes and oldest age, completion latency, and the copies
   * given up on; see {@link DestinationLag}. Read from the engine's own counts: cheap, never blocks, never
   * touches the network. Thread-safe.
   *
   * @return each destination's lag, by destination id in the order they were added; unmodifiable
   */
  public Map<String, DestinationLag> lag() {
    return engine.lag();
  }

  /**
   * The recent events and alerts of this client, to query by transaction, key, destination, kind and time; see
   * {@link EventHistory}. In memory: reading it never blocks and never touches the network; it stays readable
   * after {@link #close()}. Thread-safe.
   *
   * @return this client's history; records nothing when {@link DualPushClientBuilder#historyCapacity} is 0
   */
  public EventHistory history() {
    return history;
  }

  /**
   * Probes every destination now, in parallel, and reports each one's health by destination id
   * (in the order they were added): the probe's outcome, its circuit breaker's state (since when,
   * and the failure that opened it), and the calls stuck there. Does not block: the future
   * completes within the longest destination {@code timeout}, as a probe that does not finish
   * within its destination's timeout, queued or running, is reported unhealthy. The map is
   * unmodifiable. Thread-safe.
   *
   * @return completes with each destination's health, by destination id
   */
  public CompletableFuture<Map<String, DestinationHealth>> health() {
    return engine.health();
  }

  /**
   * Takes a {@link HealthSnapshot} of the whole client, waiting at most {@link HealthSnapshot#DEFAULT_MAX_WAIT}
   * for its checks; see {@link #healthSnapshot(Duration)}.
   *
   * @return completes within about {@link HealthSnapshot#DEFAULT_MAX_WAIT} with the snapshot
   * @throws ClientClosedException when the client is closed
   */
  public CompletableFuture<HealthSnapshot> healthSnapshot() {
    return healthSnapshot(HealthSnapshot.DEFAULT_MAX_WAIT);
  }

  /**
   * Takes a {@link HealthSnapshot} of the whole client: each destination probed now (in parallel, each bounded by
   * its own {@code timeout}) with its circuit breaker, stuck calls and last copy outcomes; the transaction log's
   * figures; the coordinator's lease, when one is configured; the repair backlog; the dedupe store's probe; an
   * overall status; and the recent counts of pushes. Never waits on the network longer than {@code maxWait}: a
   * check not finished by then is reported DOWN, saying so (the check itself runs on, and a dedupe probe that
   * hangs is not started again until it returns). Nothing in the snapshot is a secret. Does not block;
   * thread-safe.
   *
   * <pre>{@code
   * client.healthSnapshot(Duration.ofSeconds(2)).thenAccept(h -> respond(h.overall(), h.toMap()));
   * }</pre>
   *
   * @param maxWait the longest the checks may take, positive
   * @return completes within about {@code maxWait} with the snapshot; never exceptionally but when the client
   *     closes meanwhile
   * @throws InvalidInputException naming {@code maxWait} when it is null, zero or negative
   * @throws ClientClosedException when the client is closed
   */
  public CompletableFuture<HealthSnapshot> healthSnapshot(Duration maxWait) {
    InvalidInputException.requireNonNull(maxWait, "maxWait");
    if (maxWait.isZero() || maxWait.isNegative()) {
      throw new InvalidInputException("maxWait", "'maxWait' must be positive; got " + maxWait + ".");
    }
    return engine.healthSnapshot(maxWait);
  }

  /**
   * Closes the circuit breaker of one destination now, whatever its state, forgetting the failures
   * it counted: the next write there goes through, and repairs waiting on the breaker are due at
   * the repair scheduler's next scan ({@link RepairOptions#scanInterval()}), whatever their
   * backoff. Use it when the destination is known to be back before the breaker's open delay has
   * passed. Thread-safe; does not block.
   *
   * @param destinationId the id of the destination, as given to the builder
   * @throws InvalidInputException naming {@code destinationId} when it is null or no destination
   *     of this client has that id
   */
  public void resetCircuitBreaker(String destinationId) {
    InvalidInputException.requireNonNull(destinationId, "destinationId");
    engine.resetCircuitBreaker(destinationId);
  }

  /**
   * Stops accepting pushes, waits for those in flight (bounded by the close timeout), stops repair
   * and releases every thread. Every future this client returned completes by the time this
   * returns: pushes still waiting for a place, and whatever did not finish within the close
   * timeout, fail with {@link ClientClosedException}. Closes the transaction log only if the
   * builder opened it.
   */
  @Override
  public void close() {
    engine.close();
    if (ownAlerts != null) {
      ownAlerts.close();
    }
  }
}
