package io.dualpush.client;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.InvalidInputException;
import io.dualpush.PushReceipt;
import io.dualpush.spi.Destination;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link FailoverReadClient} or {@link FailoverReadAsyncClient}. Setters check their argument at once and
 * name the field; a setting given twice fails at once. Not thread-safe; each {@code build} snapshots the settings.
 *
 * <pre>{@code
 * FailoverReadClient reader = new FailoverReadClientBuilder()
 *     .endpoint(ReadEndpoint.of("primary", primary))
 *     .endpoint(ReadEndpoint.http("edge", URI.create("https://cdn.example.org/data/")).withCopyOf("primary"))
 *     .staleCache(64 * 1024 * 1024)
 *     .buildClient();
 * }</pre>
 *
 * <p>Defaults: a 5 s attempt timeout, a 2 s connect timeout for HTTP endpoints, a circuit breaker that opens after 3
 * failures in a row for 5 s, hedging per {@link HedgeOptions#ofDefaults()}, no background health checks, no
 * stale-if-error cache, buffered reads up to 64 MiB, streamed objects up to 1 MiB checked before they are handed
 * over, and a copy required to have an MD5 to be checked against.
 */
public final class FailoverReadClientBuilder {
  final Map<String, ReadEndpoint> endpoints = new LinkedHashMap<>();
  Duration attemptTimeout = Duration.ofSeconds(5);
  Duration connectTimeout = Duration.ofSeconds(2);
  @Nullable HttpClient httpClient;
  CircuitBreakerOptions circuitBreaker = CircuitBreakerOptions.builder().failureThreshold(3)
      .openDelay(Duration.ofSeconds(5)).build();
  HedgeOptions hedging = HedgeOptions.ofDefaults();
  Duration healthCheckInterval = Duration.ZERO;
  long staleCacheBytes;
  Duration staleCacheMaxAge = Duration.ofHours(1);
  long bufferLimit = 64L * 1024 * 1024;
  long verifyBufferSize = 1024L * 1024;
  boolean requireDigest = true;
  Duration badCopyTtl = Duration.ofMinutes(5);
  @Nullable Function<String, Optional<PushReceipt>> receiptLookup;
  int readThreads = 32;
  Clock clock = Clock.systemUTC();
  private final Map<String, Object> given = new LinkedHashMap<>();

  /** A builder with no endpoints and the defaults above. */
  public FailoverReadClientBuilder() {}

  private void once(String field, Object value) {
    Object earlier = given.putIfAbsent(field, value);
    if (earlier != null) {
      throw new InvalidInputException(field, field + " was already set to " + earlier);
    }
  }

  /**
   * Adds an endpoint.
   *
   * @param endpoint a destination or HTTP endpoint whose id no other endpoint has
   * @return this builder
   */
  public FailoverReadClientBuilder endpoint(ReadEndpoint endpoint) {
    InvalidInputException.requireNonNull(endpoint, "endpoint");
    if (endpoints.putIfAbsent(endpoint.id(), endpoint) != null) {
      throw new InvalidInputException("endpoint", "Read endpoint id '" + endpoint.id() + "' is used twice");
    }
    return this;
  }

  /**
   * Adds a destination endpoint: {@code endpoint(ReadEndpoint.of(id, destination))}.
   *
   * @param id the endpoint's id, also its copies' destination id in push receipts
   * @param destination where to read
   * @return this builder
   */
  public FailoverReadClientBuilder endpoint(String id, Destination destination) {
    return endpoint(ReadEndpoint.of(id, destination));
  }

  /**
   * Adds an HTTP endpoint: {@code endpoint(ReadEndpoint.http(id, baseUri))}.
   *
   * @param id the endpoint's id, also its copies' destination id in push receipts
   * @param baseUri an http or https base URL
   * @return this builder
   */
  public FailoverReadClientBuilder httpEndpoint(String id, URI baseUri) {
    return endpoint(ReadEndpoint.http(id, baseUri));
  }

  /**
   * How long one try of one endpoint may take, up to the last byte of a buffered read (or the first of a stream)
   * before it counts as failed and the read moves on.
   *
   * @param attemptTimeout more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder attemptTimeout(Duration attemptTimeout) {
    Duration checked = positive(attemptTimeout, "attemptTimeout");
    once("attemptTimeout", checked);
    this.attemptTimeout = checked;
    return this;
  }

  /**
   * How long the built-in HTTP client may take to connect. Conflicts with {@link #httpClient}, which has its own.
   *
   * @param connectTimeout more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder connectTimeout(Duration connectTimeout) {
    Duration checked = positive(connectTimeout, "connectTimeout");
    if (httpClient != null) {
      throw new InvalidInputException("connectTimeout", "connectTimeout conflicts with httpClient: set the "
          + "timeout on the HttpClient you pass");
    }
    once("connectTimeout", checked);
    this.connectTimeout = checked;
    return this;
  }

  /**
   * The HTTP client for HTTP endpoints (proxy, TLS, executor of your own). It must not follow redirects to another
   * host if its base URLs carry SAS tokens.
   *
   * @param httpClient the client; it is not closed by {@code close()}
   * @return this builder
   */
  public FailoverReadClientBuilder httpClient(HttpClient httpClient) {
    InvalidInputException.requireNonNull(httpClient, "httpClient");
    if (given.containsKey("connectTimeout")) {
      throw new InvalidInputException("httpClient", "httpClient conflicts with connectTimeout: set the timeout on "
          + "the HttpClient you pass");
    }
    once("httpClient", httpClient);
    this.httpClient = httpClient;
    return this;
  }

  /**
   * Each endpoint's circuit breaker: how many failures in a row open it, and how long it stays open before one read
   * is let through as a probe.
   *
   * @param circuitBreaker the breaker's options
   * @return this builder
   */
  public FailoverReadClientBuilder circuitBreaker(CircuitBreakerOptions circuitBreaker) {
    InvalidInputException.requireNonNull(circuitBreaker, "circuitBreaker");
    once("circuitBreaker", circuitBreaker);
    this.circuitBreaker = circuitBreaker;
    return this;
  }

  /**
   * When reads are hedged; {@link HedgeOptions#disabled()} turns hedging off.
   *
   * @param hedging the hedging options
   * @return this builder
   */
  public FailoverReadClientBuilder hedging(HedgeOptions hedging) {
    InvalidInputException.requireNonNull(hedging, "hedging");
    once("hedging", hedging);
    this.hedging = hedging;
    return this;
  }

  /**
   * Checks every endpoint in the background at this interval (a destination's {@code probe()}, an HTTP endpoint's
   * HEAD of its base URL or health path). A passed check lets an open breaker probe at once; a failed one counts as a
   * failure. Off by default.
   *
   * @param interval more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder healthCheckInterval(Duration interval) {
    Duration checked = positive(interval, "healthCheckInterval");
    once("healthCheckInterval", checked);
    this.healthCheckInterval = checked;
    return this;
  }

  /**
   * Keeps the last good copy of each object read, up to this many bytes in all, and serves it, flagged as from the
   * cache, when every endpoint fails. Off by default.
   *
   * @param maxBytes more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder staleCache(long maxBytes) {
    if (maxBytes <= 0) {
      throw new InvalidInputException("staleCache", "'staleCache' must be positive; got " + maxBytes);
    }
    once("staleCache", maxBytes);
    this.staleCacheBytes = maxBytes;
    return this;
  }

  /**
   * How long a cached copy may be served after it was read; 1 hour by default.
   *
   * @param maxAge more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder staleCacheMaxAge(Duration maxAge) {
    Duration checked = positive(maxAge, "staleCacheMaxAge");
    once("staleCacheMaxAge", checked);
    this.staleCacheMaxAge = checked;
    return this;
  }

  /**
   * The largest object a buffered {@code read} takes; larger ones fail with {@link ObjectTooLargeException}.
   *
   * @param bytes more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder bufferLimit(long bytes) {
    if (bytes <= 0 || bytes > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("bufferLimit", "'bufferLimit' must be between 1 and " + (Integer.MAX_VALUE - 8)
          + " bytes; got " + bytes);
    }
    once("bufferLimit", bytes);
    this.bufferLimit = bytes;
    return this;
  }

  /**
   * The largest streamed object that is read whole and checked before it is handed over (and can still fail over);
   * larger ones are checked at their end.
   *
   * @param bytes 0 or more
   * @return this builder
   */
  public FailoverReadClientBuilder verifyBufferSize(long bytes) {
    if (bytes < 0 || bytes > Integer.MAX_VALUE - 8) {
      throw new InvalidInputException("verifyBufferSize", "'verifyBufferSize' must be between 0 and "
          + (Integer.MAX_VALUE - 8) + " bytes; got " + bytes);
    }
    once("verifyBufferSize", bytes);
    this.verifyBufferSize = bytes;
    return this;
  }

  /**
   * Whether a copy with no MD5 to check it against (none from the caller or a receipt, none stored with it) is
   * refused; true by default. With false such a copy is returned with {@link DigestSource#NONE}.
   *
   * @param requireDigest false to accept unchecked copies
   * @return this builder
   */
  public FailoverReadClientBuilder requireDigest(boolean requireDigest) {
    once("requireDigest", requireDigest);
    this.requireDigest = requireDigest;
    return this;
  }

  /**
   * How long an endpoint that returned a corrupt copy of a key is tried last for that key; 5 minutes by default.
   *
   * @param ttl more than 0
   * @return this builder
   */
  public FailoverReadClientBuilder badCopyTtl(Duration ttl) {
    Duration checked = positive(ttl, "badCopyTtl");
    once("badCopyTtl", checked);
    this.badCopyTtl = checked;
    return this;
  }

  /**
   * Where read-your-writes reads look a transaction up, typically {@code dualPushClient::receipt}.
   *
   * @param receiptLookup from a transaction id to its current receipt
   * @return this builder
   */
  public FailoverReadClientBuilder receiptLookup(Function<String, Optional<PushReceipt>> receiptLookup) {
    InvalidInputException.requireNonNull(receiptLookup, "receiptLookup");
    once("receiptLookup", receiptLookup);
    this.receiptLookup = receiptLookup;
    return this;
  }

  /**
   * How many threads make the reads (every endpoint call blocks one, hedges included); 32 by default. Reads beyond
   * these wait in a queue of 64 per thread; past that a try fails at once as the pool being full.
   *
   * @param threads 1 or more
   * @return this builder
   */
  public FailoverReadClientBuilder readThreads(int threads) {
    if (threads < 1) {
      throw new InvalidInputException("readThreads", "'readThreads' must be at least 1; got " + threads);
    }
    once("readThreads", threads);
    this.readThreads = threads;
    return this;
  }

  /**
   * The clock for the timestamps in health snapshots.
   *
   * @param clock the clock
   * @return this builder
   */
  public FailoverReadClientBuilder clock(Clock clock) {
    InvalidInputException.requireNonNull(clock, "clock");
    once("clock", clock);
    this.clock = clock;
    return this;
  }

  /**
   * Builds the asynchronous client.
   *
   * @return a new client; close it
   * @throws InvalidInputException when no endpoint was added
   */
  public FailoverReadAsyncClient buildAsyncClient() {
    if (endpoints.isEmpty()) {
      throw new InvalidInputException("endpoint", "A read client needs at least one endpoint");
    }
    return new FailoverReadAsyncClient(new ReadEngine(this));
  }

  /**
   * Builds the synchronous client, a thin wrapper of the asynchronous one.
   *
   * @return a new client; close it
   * @throws InvalidInputException when no endpoint was added
   */
  public FailoverReadClient buildClient() {
    return new FailoverReadClient(buildAsyncClient());
  }

  private static Duration positive(Duration value, String field) {
    InvalidInputException.requireNonNull(value, field);
    if (value.isNegative() || value.isZero()) {
      throw new InvalidInputException(field, "'" + field + "' must be positive; got " + value);
    }
    return value;
  }
}
