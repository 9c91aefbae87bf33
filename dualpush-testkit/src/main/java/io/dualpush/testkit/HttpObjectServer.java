package io.dualpush.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dualpush.spi.Destination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local HTTP server that serves objects the way a blob store's read endpoint does, with faults
 * that can be switched on and off while it runs: {@code GET <base>/<key>} answers 200 with the
 * bytes, {@code Content-Length}, a base64 {@code Content-MD5} (as Azure sends it) and an
 * {@code ETag}; 404 when there is no such object. {@code HEAD} answers the same headers without
 * the body. {@code GET} or {@code HEAD} of the base itself answers 200 with an empty body, so it can
 * serve as a health-check target. Query strings are ignored, so a base URL carrying a SAS-style
 * query works. Keys may contain {@code /}; percent-escapes in the path are decoded.
 *
 * <p>Faults: {@link #refuseConnections()} (the port really refuses connections), {@link
 * #latency(Duration)} on every request or on a seeded random fraction of them, {@link
 * #failNext(int, int)} and {@link #failAtRate(double, long)}, {@link #corruptNext(int)} (one byte
 * flipped, original {@code Content-MD5}), {@link #truncateNext(int)} (full {@code Content-Length},
 * half the bytes, then the connection closes), {@link #hang()} (the request is accepted and never
 * answered until released) and {@link #omitMd5()}. Refusal, hanging, latency and failures apply to
 * every request, the base included; corruption and truncation apply only to a {@code GET} that
 * finds a non-empty object. Each fault has its own way to clear it, and {@link #heal()} clears them
 * all.
 *
 * <p>It binds 127.0.0.1 on a free port and handles each request on its own daemon thread, so hung
 * requests never hold up others. Thread-safe: faults may be set while requests run. {@link
 * #close()} releases hung requests and frees the port.
 *
 * <pre>{@code
 * try (HttpObjectServer server = HttpObjectServer.start()) {
 *   server.put("a/b.bin", bytes);
 *   server.latency(Duration.ofMillis(200), 0.1, 42);   // 200 ms on 10% of requests
 *   URI object = server.baseUri().resolve("a/b.bin");
 * }
 * }</pre>
 */
public final class HttpObjectServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpObjectServer.class);
  private static final Duration REBIND_BOUND = Duration.ofSeconds(10);
  private static final Duration REBIND_PAUSE = Duration.ofMillis(50);
  private static final String NO_DELAY = "sun.net.httpserver.nodelay";

  static {
    // The JDK server writes a response's headers and its body in separate segments; with Nagle's
    // algorithm on, the body then waits for the client's delayed ACK, adding about 40 ms to every
    // request, which would swamp the latency a benchmark injects. The JDK reads this property once,
    // when its first server starts; a value set on the command line is left alone.
    if (System.getProperty(NO_DELAY) == null) {
      System.setProperty(NO_DELAY, "true");
    }
  }

  private final @Nullable Destination source;
  private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  private final ExecutorService handlers;
  private final Object lifecycle = new Object();
  private final int port;
  private @Nullable HttpServer server;
  private volatile boolean closed;
  private volatile String pathPrefix = "";

  private final AtomicLong requests = new AtomicLong();
  private final Map<String, AtomicLong> requestsPerKey = new ConcurrentHashMap<>();
  private final AtomicLong delayedRequests = new AtomicLong();
  private final AtomicInteger hungRequests = new AtomicInteger();

  /** Counted down, and replaced, whenever hung and delayed requests are to be let go. */
  private volatile CountDownLatch release = new CountDownLatch(1);
  private volatile boolean hanging;
  private volatile Duration latency = Duration.ZERO;
  private volatile double latencyFraction = 1.0;
  private volatile Random latencyRandom = new Random(0);
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile int failNextStatus = 500;
  private volatile double failureRate;
  private volatile Random failureRandom = new Random(0);
  private final AtomicInteger corruptNext = new AtomicInteger();
  private volatile boolean corruptAll;
  private final AtomicInteger truncateNext = new AtomicInteger();
  private volatile boolean truncateAll;
  private volatile boolean omitMd5;

  private HttpObjectServer(@Nullable Destination source) {
    this.source = source;
    this.handlers = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "http-object-server");
      thread.setDaemon(true);
      return thread;
    });
    try {
      HttpServer started = bind(0);
      this.server = started;
      this.port = started.getAddress().getPort();
    } catch (IOException e) {
      handlers.shutdownNow();
      throw new UncheckedIOException("could not bind 127.0.0.1 on a free port", e);
    }
  }

  /**
   * Starts a server on 127.0.0.1 and a free port that serves the objects given to {@link #put}.
   *
   * @return the running server
   */
  public static HttpObjectServer start() {
    return new HttpObjectServer(null);
  }

  /**
   * Starts a server on 127.0.0.1 and a free port that serves the objects of {@code source}, read
   * through its {@code get} and {@code head} on every request.
   *
   * @param source the destination whose objects are served
   * @return the running server
   */
  public static HttpObjectServer start(Destination source) {
    return new HttpObjectServer(Objects.requireNonNull(source, "'source' cannot be null."));
  }

  /**
   * Serves under {@code prefix}: the base becomes {@code http://127.0.0.1:PORT/prefix/}, as a
   * container's URL is, and paths outside it answer 404.
   *
   * @param prefix one or more path segments, without the surrounding slashes mattering
   * @return this server
   */
  public HttpObjectServer withPathPrefix(String prefix) {
    Objects.requireNonNull(prefix, "'prefix' cannot be null.");
    String trimmed = prefix.replaceAll("^/+|/+$", "");
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("'prefix' cannot be empty or only slashes.");
    }
    this.pathPrefix = trimmed;
    return this;
  }

  /**
   * Stores {@code bytes} under {@code key}, replacing what was there. Only for a server started
   * without a source destination.
   *
   * @param key the object's key, which may contain {@code /}
   * @param bytes the object's bytes, copied
   * @return this server
   */
  public HttpObjectServer put(String key, byte[] bytes) {
    Objects.requireNonNull(key, "'key' cannot be null.");
    Objects.requireNonNull(bytes, "'bytes' cannot be null.");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("'key' cannot be empty.");
    }
    if (source != null) {
      throw new IllegalStateException("this server serves a Destination; put the object there.");
    }
    byte[] copy = bytes.clone();
    String md5 = Md5.of(copy);
    objects.put(key, new StoredObject(copy, md5, etagOf(md5)));
    return this;
  }

  /**
   * The base URL, {@code http://127.0.0.1:PORT/} followed by the path prefix and a slash when one
   * is set; an object's URL is the base resolved against its key.
   *
   * @return the base URL, ending in a slash
   */
  public URI baseUri() {
    String prefix = pathPrefix;
    return URI.create("http://127.0.0.1:" + port + "/" + (prefix.isEmpty() ? "" : prefix + "/"));
  }

  /**
   * The port, which stays the same across {@link #refuseConnections()} and {@link
   * #acceptConnections()}.
   *
   * @return the TCP port
   */
  public int port() {
    return port;
  }

  /**
   * How many requests arrived, whatever their answer (faulted, hung and base requests included).
   *
   * @return the count since start
   */
  public long requests() {
    return requests.get();
  }

  /**
   * How many requests arrived for {@code key}; the empty key counts requests for the base.
   *
   * @param key the object's key
   * @return the count since start
   */
  public long requestsFor(String key) {
    Objects.requireNonNull(key, "'key' cannot be null.");
    AtomicLong count = requestsPerKey.get(key);
    return count == null ? 0 : count.get();
  }

  /**
   * How many requests were given injected latency.
   *
   * @return the count since start
   */
  public long delayedRequests() {
    return delayedRequests.get();
  }

  /**
   * How many requests are hung right now by {@link #hang()}.
   *
   * @return the number of requests waiting to be released
   */
  public int hungRequests() {
    return hungRequests.get();
  }

  /**
   * Stops listening: the port refuses connections and open connections are closed, until {@link
   * #acceptConnections()} or {@link #heal()}. Hung requests stay hung.
   *
   * @return this server
   */
  public HttpObjectServer refuseConnections() {
    synchronized (lifecycle) {
      HttpServer running = server;
      if (running != null) {
        server = null;
        running.stop(0);
        LOG.debug("127.0.0.1:{} now refuses connections", port);
      }
    }
    return this;
  }

  /**
   * Listens again on the same port after {@link #refuseConnections()}; retries the bind for a few
   * seconds if the port is still held (a socket in TIME_WAIT). Does nothing when already listening.
   *
   * @return this server
   * @throws UncheckedIOException when the port cannot be bound again
   * @throws IllegalStateException when the server was closed
   */
  public HttpObjectServer acceptConnections() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the server on port " + port + " is closed.");
      }
      if (server == null) {
        server = rebind();
        LOG.debug("127.0.0.1:{} accepts connections again", port);
      }
    }
    return this;
  }

  /**
   * Every request waits {@code latency} before it is handled.
   *
   * @param latency the added delay, zero to clear it
   * @return this server
   */
  public HttpObjectServer latency(Duration latency) {
    return latency(latency, 1.0, 0);
  }

  /**
   * A seeded random {@code fraction} of requests wait {@code latency} before they are handled, as
   * in "200 ms on 10% of requests". The draws are made in the order requests arrive, so sequential
   * requests see the same delays for the same seed. {@link #delayedRequests()} counts them.
   *
   * @param latency the added delay, zero to clear it
   * @param fraction the share of requests delayed, from 0 to 1
   * @param seed seeds the draws
   * @return this server
   */
  public HttpObjectServer latency(Duration latency, double fraction, long seed) {
    Objects.requireNonNull(latency, "'latency' cannot be null.");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("'latency' cannot be negative: " + latency);
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("'fraction' must be within [0, 1]: " + fraction);
    }
    this.latencyRandom = new Random(seed);
    this.latencyFraction = fraction;
    this.latency = latency;
    return this;
  }

  /**
   * The next {@code n} requests answer {@code status} with a short text body.
   *
   * @param n how many requests fail, counted from now; zero to clear
   * @param status the HTTP status, from 400 to 599
   * @return this server
   */
  public HttpObjectServer failNext(int n, int status) {
    if (n < 0) {
      throw new IllegalArgumentException("'n' cannot be negative: " + n);
    }
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("'status' must be an error status from 400 to 599: " + status);
    }
    this.failNextStatus = status;
    failNext.set(n);
    return this;
  }

  /**
   * Each request answers 500 with probability {@code rate}, drawn from a seeded generator in the
   * order requests arrive.
   *
   * @param rate the probability from 0 to 1; zero to clear
   * @param seed seeds the draws
   * @return this server
   */
  public HttpObjectServer failAtRate(double rate, long seed) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("'rate' must be within [0, 1]: " + rate);
    }
    this.failureRandom = new Random(seed);
    this.failureRate = rate;
    return this;
  }

  /**
   * The next {@code n} GETs of a non-empty object answer 200 with the right length and the original
   * {@code Content-MD5}, but one byte of the body flipped. Zero clears this and {@link
   * #corruptAll()}.
   *
   * @param n how many responses are corrupted, counted from now
   * @return this server
   */
  public HttpObjectServer corruptNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("'n' cannot be negative: " + n);
    }
    corruptAll = false;
    corruptNext.set(n);
    return this;
  }

  /**
   * Every GET of a non-empty object is corrupted as {@link #corruptNext(int)} describes, until
   * {@code corruptNext(0)} or {@link #heal()}.
   *
   * @return this server
   */
  public HttpObjectServer corruptAll() {
    corruptAll = true;
    return this;
  }

  /**
   * The next {@code n} GETs of a non-empty object declare the full {@code Content-Length} and the
   * right {@code Content-MD5}, send only the first half of the bytes, and close the connection.
   * Zero clears this and {@link #truncateAll()}.
   *
   * @param n how many responses are truncated, counted from now
   * @return this server
   */
  public HttpObjectServer truncateNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("'n' cannot be negative: " + n);
    }
    truncateAll = false;
    truncateNext.set(n);
    return this;
  }

  /**
   * Every GET of a non-empty object is truncated as {@link #truncateNext(int)} describes, until
   * {@code truncateNext(0)} or {@link #heal()}.
   *
   * @return this server
   */
  public HttpObjectServer truncateAll() {
    truncateAll = true;
    return this;
  }

  /**
   * Requests are accepted and never answered, until {@link #release()}, {@link #heal()} or {@link
   * #close()}; released requests are then answered normally (or dropped when closing).
   *
   * @return this server
   */
  public HttpObjectServer hang() {
    hanging = true;
    return this;
  }

  /**
   * Stops hanging and lets hung and delayed requests go on at once.
   *
   * @return this server
   */
  public HttpObjectServer release() {
    hanging = false;
    CountDownLatch previous = release;
    release = new CountDownLatch(1);
    previous.countDown();
    return this;
  }

  /**
   * Responses carry no {@code Content-MD5} header, until {@link #includeMd5()} or {@link #heal()}.
   *
   * @return this server
   */
  public HttpObjectServer omitMd5() {
    omitMd5 = true;
    return this;
  }

  /**
   * Responses carry {@code Content-MD5} again.
   *
   * @return this server
   */
  public HttpObjectServer includeMd5() {
    omitMd5 = false;
    return this;
  }

  /**
   * Clears every fault: listens again if refusing, releases hung and delayed requests, and ends
   * latency, failures, corruption, truncation and the omitted MD5. Counters are kept.
   *
   * @return this server
   */
  public HttpObjectServer heal() {
    latency = Duration.ZERO;
    failNext.set(0);
    failureRate = 0;
    corruptNext(0);
    truncateNext(0);
    omitMd5 = false;
    release();
    acceptConnections();
    return this;
  }

  /** Stops the server, releases hung requests and frees the port. Idempotent. */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      hanging = false;
      release.countDown();
      HttpServer running = server;
      server = null;
      if (running != null) {
        running.stop(0);
      }
      handlers.shutdownNow();
    }
  }

  private HttpServer bind(int wanted) throws IOException {
    HttpServer created = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 0);
    created.createContext("/", this::handle);
    created.setExecutor(handlers);
    created.start();
    return created;
  }

  private HttpServer rebind() {
    long deadline = System.nanoTime() + REBIND_BOUND.toNanos();
    while (true) {
      try {
        return bind(port);
      } catch (BindException e) {
        if (System.nanoTime() - deadline > 0) {
          throw new UncheckedIOException("port " + port + " stayed taken for " + REBIND_BOUND, e);
        }
        // The port may linger in TIME_WAIT for a moment after stop(); this is a retry pause.
        try {
          Thread.sleep(REBIND_PAUSE.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while binding port " + port, interrupted);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not bind port " + port, e);
      }
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    boolean truncated = false;
    try {
      Optional<String> key = keyOf(exchange.getRequestURI().getPath());
      requests.incrementAndGet();
      key.ifPresent(k -> requestsPerKey.computeIfAbsent(k, unused -> new AtomicLong()).incrementAndGet());
      if (!awaitFaults() || closed) {
        return;
      }
      Optional<Integer> failure = injectedFailure();
      if (failure.isPresent()) {
        respondText(exchange, failure.get(), "injected fault: status " + failure.get() + "\n");
        return;
      }
      String method = exchange.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respondText(exchange, 405, "only GET and HEAD\n");
        return;
      }
      if (key.isEmpty()) {
        respondText(exchange, 404, "outside the base path\n");
        return;
      }
      if (key.get().isEmpty()) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      Optional<StoredObject> found;
      try {
        found = lookup(key.get());
      } catch (RuntimeException e) {
        LOG.debug("reading {} from the source failed", key.get(), e);
        respondText(exchange, 500, "the source failed\n");
        return;
      }
      if (found.isEmpty()) {
        respondText(exchange, 404, "no such object\n");
        return;
      }
      serve(exchange, found.get(), head);
    } catch (TruncatedOnPurpose e) {
      truncated = true;
      throw e;
    } finally {
      // A truncated response must not be closed cleanly: serve() threw, and the server drops the
      // connection mid-body when a handler throws.
      if (!truncated) {
        exchange.close();
      }
    }
  }

  /** Returns false when the request is to be dropped unanswered (the server is closing). */
  private boolean awaitFaults() {
    CountDownLatch latch = release;
    if (hanging) {
      hungRequests.incrementAndGet();
      try {
        while (hanging && !closed) {
          latch.await();
          latch = release;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        hungRequests.decrementAndGet();
      }
    }
    Duration delay = latency;
    if (!delay.isZero() && draw(latencyRandom, latencyFraction)) {
      delayedRequests.incrementAndGet();
      try {
        // Injected latency, cut short by release(), heal() or close().
        latch.await(delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private Optional<Integer> injectedFailure() {
    if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      return Optional.of(failNextStatus);
    }
    double rate = failureRate;
    if (rate > 0 && draw(failureRandom, rate)) {
      return Optional.of(500);
    }
    return Optional.empty();
  }

  private static boolean draw(Random random, double probability) {
    if (probability >= 1) {
      return true;
    }
    // Draws in arrival order, so a seed gives the same sequence to sequential requests.
    synchronized (random) {
      return random.nextDouble() < probability;
    }
  }

  /** Throws {@link TruncatedOnPurpose} when it truncated the response. */
  private void serve(HttpExchange exchange, StoredObject object, boolean head) throws IOException {
    Headers headers = exchange.getResponseHeaders();
    headers.set("Content-Type", "application/octet-stream");
    headers.set("ETag", object.etag());
    if (!omitMd5) {
      headers.set("Content-MD5", object.md5());
    }
    byte[] bytes = object.bytes();
    if (head) {
      headers.set("Content-Length", Long.toString(bytes.length));
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    if (bytes.length == 0) {
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    if (truncateAll || truncateNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      exchange.sendResponseHeaders(200, bytes.length);
      OutputStream body = exchange.getResponseBody();
      body.write(bytes, 0, bytes.length / 2);
      body.flush();
      LOG.debug("truncating a response after {} of {} bytes", bytes.length / 2, bytes.length);
      throw new TruncatedOnPurpose();
    }
    if (corruptAll || corruptNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      bytes = bytes.clone();
      bytes[bytes.length / 2] ^= (byte) 0xFF;
    }
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream body = exchange.getResponseBody()) {
      body.write(bytes);
    }
  }

  private static void respondText(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (exchange.getRequestMethod().equals("HEAD")) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  /**
   * The key a decoded request path names: empty for the base itself, absent for a path outside the
   * base.
   */
  private Optional<String> keyOf(String path) {
    String prefix = pathPrefix;
    String rest = path.startsWith("/") ? path.substring(1) : path;
    if (prefix.isEmpty()) {
      return Optional.of(rest);
    }
    if (rest.equals(prefix)) {
      return Optional.of("");
    }
    if (rest.startsWith(prefix + "/")) {
      return Optional.of(rest.substring(prefix.length() + 1));
    }
    return Optional.empty();
  }

  private Optional<StoredObject> lookup(String key) {
    Destination from = source;
    if (from == null) {
      return Optional.ofNullable(objects.get(key));
    }
    Optional<InputStream> stream = from.get(key);
    if (stream.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes;
    try (InputStream in = stream.get()) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + key + " from " + from.describe() + " failed", e);
    }
    String md5 = Md5.of(bytes);
    String etag = from.head(key).flatMap(ObjectInfo::etag).map(HttpObjectServer::quoted).orElse(etagOf(md5));
    return Optional.of(new StoredObject(bytes, md5, etag));
  }

  private static String etagOf(String md5) {
    return quoted(Md5.toHex(md5));
  }

  private static String quoted(String etag) {
    return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
  }

  private record StoredObject(byte[] bytes, String md5, String etag) {}

  /** Thrown out of the handler so the server drops the connection in the middle of the body. */
  private static final class TruncatedOnPurpose extends IOException {
    private static final long serialVersionUID = 1L;

    TruncatedOnPurpose() {
      super("response truncated on purpose");
    }
  }
}
