package io.dualpush.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.dualpush.ClientClosedException;
import io.dualpush.CopyStatus;
import io.dualpush.InvalidInputException;
import io.dualpush.PushReceipt;
import io.dualpush.TransactionNotFoundException;
import io.dualpush.spi.CopyRecord;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the read clients share: the endpoints' states, the timers, the read pool and the caches. Thread-safe. */
final class ReadEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ReadEngine.class);

  /** A last-known-good copy. */
  private record Cached(byte[] bytes, String md5, String endpointId, Instant readAt) {}

  final LongSupplier ticker = System::nanoTime;
  final Duration attemptTimeout;
  final HedgeOptions hedging;
  final HedgeBudget hedgeBudget;
  final boolean requireDigest;
  final ScheduledExecutorService scheduler;
  private final ExecutorService pool;
  private final Map<String, EndpointState> endpoints;
  private final EndpointState[] states;
  private final long bufferLimit;
  private final long verifyBufferSize;
  private final @Nullable Function<String, Optional<PushReceipt>> receiptLookup;
  private final @Nullable Cache<String, Cached> staleCache;
  private final Cache<String, Boolean> badCopies;
  private final Set<ReadOperation> running = ConcurrentHashMap.newKeySet();
  private final List<ScheduledFuture<?>> checks = new ArrayList<>();
  private volatile boolean closed;

  ReadEngine(FailoverReadClientBuilder b) {
    this.attemptTimeout = b.attemptTimeout;
    this.hedging = b.hedging;
    this.hedgeBudget = new HedgeBudget(b.hedging);
    this.requireDigest = b.requireDigest;
    this.bufferLimit = b.bufferLimit;
    this.verifyBufferSize = b.verifyBufferSize;
    this.receiptLookup = b.receiptLookup;
    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, threads("dualpush-read-timer"));
    timers.setRemoveOnCancelPolicy(true);
    this.scheduler = timers;
    this.pool = new ThreadPoolExecutor(b.readThreads, b.readThreads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(b.readThreads * 64), threads("dualpush-read"));
    ((ThreadPoolExecutor) pool).allowCoreThreadTimeOut(true);
    HttpClient http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder().connectTimeout(b.connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    Clock clock = b.clock;
    Map<String, EndpointState> map = new LinkedHashMap<>();
    for (ReadEndpoint e : b.endpoints.values()) {
      EndpointReader reader = e.kind() == ReadEndpoint.Kind.HTTP ? new HttpReader(http, e, b.attemptTimeout, pool)
          : new DestinationReader(e.destination().orElseThrow(), pool);
      map.put(e.id(), new EndpointState(e, reader, b.circuitBreaker, clock, ticker));
    }
    this.endpoints = java.util.Collections.unmodifiableMap(map);
    this.states = map.values().toArray(new EndpointState[0]);
    this.staleCache = b.staleCacheBytes > 0
        // Evicts on the thread that adds a copy: with Caffeine's default executor (the common pool) the byte bound
        // held only once a pool thread got round to it, and a loaded machine served copies past it.
        ? Caffeine.newBuilder().executor(Runnable::run).maximumWeight(b.staleCacheBytes)
            .<String, Cached>weigher((k, v) -> v.bytes.length + 2 * k.length() + 64)
            .expireAfterWrite(b.staleCacheMaxAge).build()
        : null;
    this.badCopies = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(b.badCopyTtl).build();
    if (!b.healthCheckInterval.isZero()) {
      for (EndpointState s : map.values()) {
        long period = b.healthCheckInterval.toNanos();
        checks.add(scheduler.scheduleWithFixedDelay(() -> check(s), period, period, TimeUnit.NANOSECONDS));
      }
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private void check(EndpointState s) {
    if (!s.isActive() || closed) {
      return;
    }
    try {
      s.reader.check().orTimeout(attemptTimeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((v, e) -> {
        if (e == null) {
          s.onCheckPassed();
        } else {
          Throwable cause = e.getCause() != null && e instanceof java.util.concurrent.CompletionException
              ? e.getCause() : e;
          s.onCheckFailed(s.reader.describeFailure(cause));
        }
      });
    } catch (RuntimeException e) {
      s.onCheckFailed(s.reader.describeFailure(e));
    }
  }

  void markBad(EndpointState endpoint, String key) {
    badCopies.put(endpoint.id() + '\u0000' + key, Boolean.TRUE);
  }

  private boolean isBad(EndpointState endpoint, String key) {
    return badCopies.getIfPresent(endpoint.id() + '\u0000' + key) != null;
  }

  CompletableFuture<Optional<ReadResult>> read(ReadRequest request, boolean callerRuns) {
    return run(request, false, callerRuns).thenApply(answer -> {
      if (answer.fromCache != null) {
        Cached c = answer.fromCache;
        return Optional.of(new ReadResult(request.key(), c.bytes, c.md5, DigestSource.STORED, c.endpointId,
            answer.op.latency(), answer.op.attempts(), true));
      }
      ReadOperation.Answer a = answer.op;
      if (a.endpoint() == null) {
        return Optional.empty();
      }
      byte[] bytes = a.fetched().bytes;
      cache(request.key(), bytes, a);
      return Optional.of(new ReadResult(request.key(), bytes, a.md5(), a.digestSource(), a.endpoint().id(),
          a.latency(), a.attempts(), false));
    });
  }

  CompletableFuture<Optional<ReadStream>> openStream(ReadRequest request, boolean callerRuns) {
    return run(request, true, callerRuns).thenApply(answer -> {
      if (answer.fromCache != null) {
        Cached c = answer.fromCache;
        return Optional.of(new ReadStream(new ByteArrayInputStream(c.bytes), request.key(), c.endpointId,
            OptionalLong.of(c.bytes.length), DigestSource.STORED, true, answer.op.latency(), answer.op.attempts(),
            true));
      }
      ReadOperation.Answer a = answer.op;
      if (a.endpoint() == null) {
        return Optional.empty();
      }
      Fetched f = a.fetched();
      EndpointState endpoint = a.endpoint();
      if (f.bytes != null) {
        cache(request.key(), f.bytes, a);
        return Optional.of(new ReadStream(new ByteArrayInputStream(f.bytes), request.key(), endpoint.id(),
            OptionalLong.of(f.bytes.length), a.digestSource(), true, a.latency(), a.attempts(), false));
      }
      VerifyingInputStream verifying = new VerifyingInputStream(f.stream, request.key(), endpoint.id(), a.md5(),
          f.size, detail -> {
            endpoint.onFailure("corrupt copy of " + request.key() + ": " + detail, EndpointState.Permit.NORMAL);
            markBad(endpoint, request.key());
          });
      return Optional.of(new ReadStream(verifying, request.key(), endpoint.id(), f.size, a.digestSource(), false,
          a.latency(), a.attempts(), false));
    });
  }

  private void cache(String key, byte[] bytes, ReadOperation.Answer a) {
    if (staleCache != null && a.digestSource() != DigestSource.NONE) {
      staleCache.put(key, new Cached(bytes, a.md5(), a.endpoint().id(), Instant.now()));
    }
  }

  /** An operation's answer, or a stale copy served because it failed everywhere. */
  private record Outcome(ReadOperation.Answer op, @Nullable Cached fromCache) {}

  /**
   * Starts a read. With {@code callerRuns} (a blocking read) the calling thread makes the first try itself before
   * this returns, while hedges and failovers run on the read pool.
   */
  private CompletableFuture<Outcome> run(ReadRequest request, boolean stream, boolean callerRuns) {
    if (closed) {
      return CompletableFuture.failedFuture(new ClientClosedException("read of '" + request.key() + "'"));
    }
    String expected = request.expectedMd5().orElse(null);
    DigestSource source = DigestSource.CALLER;
    Set<String> allowedCopies = null;
    if (request.transactionId().isPresent()) {
      PushReceipt receipt = receiptFor(request);
      expected = receipt.md5();
      source = DigestSource.RECEIPT;
      allowedCopies = receipt.copies().stream().filter(c -> c.status() == CopyStatus.VERIFIED)
          .map(CopyRecord::destinationId).collect(Collectors.toSet());
    }
    String key = request.key();
    Set<String> allowed = allowedCopies;
    List<EndpointState> order = order(key, allowed);
    hedgeBudget.onRead();
    FetchLimits limits = new FetchLimits(stream, stream ? verifyBufferSize : bufferLimit);
    ReadOperation op = new ReadOperation(this, key, limits, order, expected, source, allowed != null, callerRuns);
    running.add(op);
    op.result.whenComplete((a, e) -> running.remove(op));
    if (order.isEmpty()) {
      op.abort(new AllEndpointsFailedException(key, allowed == null ? "no endpoint is active"
          : "no active endpoint holds a copy verified for transaction " + request.transactionId().get()
              + " (verified: " + (allowed.isEmpty() ? "none yet" : String.join(", ", allowed)) + ")"));
    } else {
      op.start();
      if (callerRuns) {
        op.runInline();
      }
    }
    String expectedMd5 = expected;
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    op.result.whenComplete((answer, error) -> {
      if (error == null) {
        outcome.complete(new Outcome(answer, null));
        return;
      }
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof AllEndpointsFailedException failed && staleCache != null && request.allowsStale()) {
        Cached c = staleCache.getIfPresent(key);
        if (c != null && (expectedMd5 == null || expectedMd5.equals(c.md5))) {
          LOG.debug("Serving a stale copy of {} from the cache: {}", key, failed.getMessage());
          ReadOperation.Answer a = new ReadOperation.Answer(null, null, c.md5, DigestSource.STORED,
              failed.attempts(), Duration.ZERO);
          outcome.complete(new Outcome(a, c));
          return;
        }
      }
      outcome.completeExceptionally(cause);
    });
    return outcome;
  }

  /**
   * The order in which a read tries the endpoints: not known bad for the key, then not failed or slow recently
   * (or ready for a probe), then by priority, then the fastest. Sorted by hand: this runs on every read.
   */
  private List<EndpointState> order(String key, @Nullable Set<String> allowed) {
    boolean anyBad = badCopies.estimatedSize() > 0;
    int n = states.length;
    EndpointState[] picked = new EndpointState[n];
    long[] sortKey = new long[n];
    int count = 0;
    for (EndpointState s : states) {
      if (!s.isActive() || allowed != null && !allowed.contains(s.endpoint.copyOf())) {
        continue;
      }
      int bad = anyBad && isBad(s, key) ? 1 : 0;
      // bad (1 bit), rank (2 bits), priority (clamped to 16 bits) in the high bits; the EWMA breaks ties below.
      long high = ((long) bad << 18) | ((long) s.rank() << 16) | Math.min(s.endpoint.priority(), 0xffff);
      picked[count] = s;
      sortKey[count] = high;
      count++;
    }
    long[] ewma = new long[count];
    for (int i = 0; i < count; i++) {
      ewma[i] = picked[i].ewmaNanos();
    }
    // Insertion sort: a handful of endpoints.
    for (int i = 1; i < count; i++) {
      EndpointState s = picked[i];
      long k = sortKey[i];
      long e = ewma[i];
      int j = i - 1;
      while (j >= 0 && (sortKey[j] > k || sortKey[j] == k && ewma[j] > e)) {
        picked[j + 1] = picked[j];
        sortKey[j + 1] = sortKey[j];
        ewma[j + 1] = ewma[j];
        j--;
      }
      picked[j + 1] = s;
      sortKey[j + 1] = k;
      ewma[j + 1] = e;
    }
    return java.util.Arrays.asList(picked).subList(0, count);
  }

  private PushReceipt receiptFor(ReadRequest request) {
    String txn = request.transactionId().orElseThrow();
    Optional<PushReceipt> given = request.receipt();
    if (given.isPresent() && (given.get().isVerified() || receiptLookup == null)) {
      return given.get();
    }
    if (receiptLookup == null) {
      throw new InvalidInputException("transactionId", "A read after transaction " + txn
          + " needs the client's receiptLookup (for example dualPushClient::receipt), or a receipt: ReadRequest.after"
          + "(receipt)");
    }
    Optional<PushReceipt> looked = receiptLookup.apply(txn);
    if (looked.isEmpty()) {
      if (given.isPresent()) {
        return given.get();
      }
      throw new TransactionNotFoundException(txn);
    }
    if (!looked.get().key().equals(request.key())) {
      throw new InvalidInputException("transactionId", "Transaction " + txn + " pushed '" + looked.get().key()
          + "', not '" + request.key() + "'");
    }
    return looked.get();
  }

  List<EndpointHealth> health() {
    return endpoints.values().stream().map(EndpointState::health)
        .sorted(Comparator.comparingInt(EndpointHealth::priority).thenComparing(EndpointHealth::endpointId))
        .collect(Collectors.toList());
  }

  List<ReadEndpoint> endpoints() {
    return endpoints.values().stream().map(s -> s.endpoint).collect(Collectors.toList());
  }

  void setActive(String endpointId, boolean active) {
    InvalidInputException.requireNonNull(endpointId, "endpointId");
    EndpointState s = endpoints.get(endpointId);
    if (s == null) {
      throw new InvalidInputException("endpointId", "No read endpoint '" + endpointId + "'; the endpoints are "
          + endpoints.keySet());
    }
    s.setActive(active);
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    checks.forEach(c -> c.cancel(false));
    for (ReadOperation op : running) {
      op.abort(new ClientClosedException("read"));
    }
    scheduler.shutdownNow();
    pool.shutdownNow();
    endpoints.values().forEach(s -> s.reader.close());
  }
}
