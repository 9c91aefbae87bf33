package io.dualpush;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each alert as a JSON object to an HTTP(S) URL: a chat webhook, an incident tool, a relay.
 *
 * <p>The body is {@code {"type":"PUSH_FAILURE","severity":"HIGH","message":"…","transactionId":"…",
 * "destinationId":"…","at":"2026-01-01T00:00:00Z"}} with {@code Content-Type: application/json}; a
 * {@linkplain #resolve resolve} (a condition that cleared) is the same object with {@code "phase":"resolved"} added. Each alert is
 * tried up to {@link Builder#attempts(int)} times (default 3), each attempt bounded by
 * {@link Builder#timeout(Duration)} (default 5 s), with a doubling backoff, on connection errors, timeouts and
 * 5xx answers; a 2xx answer delivers it, any other answer drops it. Alerts wait in a bounded queue (default
 * 1,000): when it is full the oldest is dropped. {@link #dropped()} counts every alert not delivered, for
 * whatever reason.
 *
 * <p>{@link #raise} never blocks and never throws: one daemon thread sends. {@link #close()} lets it drain the
 * queue for up to {@link Builder#closeTimeout(Duration)} (default 5 s), then stops it. The URL may carry a token:
 * only its scheme, host, port and path are ever logged or put in a message, never its user info or query; header
 * values (such as {@code Authorization}) are never logged.
 *
 * <p>Thread-safe. Wrap it in an {@link AlertCoalescer} to send a storm as three requests, not thousands:
 *
 * <pre>{@code
 * AlertSink sink = AlertCoalescer.builder()
 *     .sink(WebhookAlertSink.builder().url(URI.create("https://hooks.example.com/alerts")).build()).build();
 * }</pre>
 */
public final class WebhookAlertSink implements AlertSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookAlertSink.class);

  private final URI url;
  private final String safeUrl;
  private final Duration timeout;
  private final int attempts;
  private final Duration backoff;
  private final int capacity;
  private final Duration closeTimeout;
  private final Map<String, String> headers;
  private final HttpClient http;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong tries = new AtomicLong();
  private final Thread sender;
  private boolean closed;

  private WebhookAlertSink(Builder b, URI url) {
    this.url = url;
    this.safeUrl = redact(url);
    this.timeout = b.timeout;
    this.attempts = b.attempts;
    this.backoff = b.backoff;
    this.capacity = b.queueCapacity;
    this.closeTimeout = b.closeTimeout;
    this.headers = Map.copyOf(b.headers);
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.sender = new Thread(this::run, "dualpush-alert-webhook");
    sender.setDaemon(true);
    sender.start();
  }

  /**
   * Starts a builder; {@link Builder#url(URI)} is required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Queues the alert and returns at once; when the queue is full, the oldest alert is dropped. */
  @Override
  public void raise(Alert alert) {
    enqueue(new Item(alert, false));
  }

  /**
   * Queues the resolve and returns at once, like {@link #raise}: it is posted as the alert's JSON object with
   * {@code "phase":"resolved"} added, under the same retries, timeout and queue bound.
   */
  @Override
  public void resolve(Alert resolved) {
    enqueue(new Item(resolved, true));
  }

  /** An alert or a resolve waiting to be sent. */
  private record Item(Alert alert, boolean resolved) { }

  private void enqueue(Item alert) {
    lock.lock();
    try {
      if (closed) {
        dropped.incrementAndGet();
        return;
      }
      if (queue.size() >= capacity) {
        queue.pollFirst();
        dropped.incrementAndGet();
      }
      queue.addLast(alert);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * How many alerts were not delivered: dropped from a full queue, given up after the last attempt, refused
   * by the server (a non-2xx, non-5xx answer), raised after close or left in the queue when close gave up.
   *
   * @return the count since this sink was built
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * How many alerts a server accepted with a 2xx answer.
   *
   * @return the count since this sink was built
   */
  public long delivered() {
    return delivered.get();
  }

  /** How many HTTP attempts were made, for tests. */
  long attemptsMade() {
    return tries.get();
  }

  /**
   * Sends what is queued for up to the close timeout, then stops the sender thread; what is left is counted as
   * dropped. Later alerts are dropped. Idempotent.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      sender.join(closeTimeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (sender.isAlive()) {
      sender.interrupt();
    }
    lock.lock();
    try {
      if (!queue.isEmpty()) {
        LOG.warn("Webhook alert sink to {} closed with {} alert(s) unsent", safeUrl, queue.size());
        dropped.addAndGet(queue.size());
        queue.clear();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "WebhookAlertSink[" + safeUrl + "]";
  }

  private void run() {
    while (true) {
      Item next;
      lock.lock();
      try {
        while (queue.isEmpty() && !closed) {
          changed.awaitUninterruptibly();
        }
        if (queue.isEmpty()) {
          return;
        }
        next = queue.pollFirst();
      } finally {
        lock.unlock();
      }
      if (!send(next)) {
        dropped.incrementAndGet();
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }

  /** One alert or resolve, every attempt; true when a server accepted it. */
  private boolean send(Item item) {
    Alert alert = item.alert();
    String body = item.resolved() ? toResolvedJson(alert) : toJson(alert);
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    HttpRequest built = request.build();
    String lastFailure = "";
    long pause = backoff.toMillis();
    for (int attempt = 1; attempt <= attempts; attempt++) {
      tries.incrementAndGet();
      try {
        int status = http.send(built, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status / 100 == 2) {
          delivered.incrementAndGet();
          return true;
        }
        if (status / 100 != 5) {
          LOG.warn("Webhook {} refused alert {} with HTTP {}; not retried", safeUrl, alert.type(), status);
          return false;
        }
        lastFailure = "HTTP " + status;
      } catch (IOException e) {
        // The exception's class only: its message may one day carry the URL, and the URL may carry a token.
        lastFailure = e.getClass().getSimpleName();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      if (attempt < attempts) {
        try {
          TimeUnit.MILLISECONDS.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        pause *= 2;
      }
    }
    LOG.warn("Webhook {} did not take alert {} after {} attempt(s) (last: {}); dropped", safeUrl, alert.type(),
        attempts, lastFailure);
    return false;
  }

  /** The alert as one JSON object, its strings escaped by hand (no JSON library in core). */
  static String toJson(Alert a) {
    StringBuilder sb = new StringBuilder(128 + a.message().length());
    sb.append('{');
    field(sb, "type", a.type().name()).append(',');
    field(sb, "severity", a.severity().name()).append(',');
    field(sb, "message", a.message()).append(',');
    field(sb, "transactionId", a.transactionId()).append(',');
    field(sb, "destinationId", a.destinationId()).append(',');
    field(sb, "at", a.at().toString());
    return sb.append('}').toString();
  }

  /** A resolve: the alert's object with {@code "phase":"resolved"} added. */
  static String toResolvedJson(Alert a) {
    String json = toJson(a);
    return json.substring(0, json.length() - 1) + ",\"phase\":\"resolved\"}";
  }

  private static StringBuilder field(StringBuilder sb, String name, String value) {
    return quote(quote(sb, name).append(':'), value);
  }

  private static StringBuilder quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          // Control characters, and the two line separators that break JavaScript consumers.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  /** Scheme, host, port and path: never the user info or query, which may carry a token. */
  static String redact(URI url) {
    try {
      return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getPath(), null, null).toString();
    } catch (URISyntaxException e) {
      return url.getScheme() + "://" + url.getHost();
    }
  }

  /** Builds a {@link WebhookAlertSink}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private @Nullable URI url;
    private Duration timeout = Duration.ofSeconds(5);
    private int attempts = 3;
    private Duration backoff = Duration.ofMillis(500);
    private int queueCapacity = 1000;
    private Duration closeTimeout = Duration.ofSeconds(5);
    private final Map<String, String> headers = new LinkedHashMap<>();
    private boolean timeoutSet;
    private boolean attemptsSet;
    private boolean backoffSet;
    private boolean queueCapacitySet;
    private boolean closeTimeoutSet;

    private Builder() { }

    /**
     * Where to POST. Required; http or https, without user info (put credentials in a
     * {@link #header(String, String)}). A token in the query is sent but never logged.
     *
     * @param url the webhook URL
     * @return this builder
     * @throws InvalidInputException naming {@code url} when it is null, already set, not http(s) or carries
     *     user info; the message never holds the user info or query
     */
    public Builder url(URI url) {
      InvalidInputException.requireNonNull(url, "url");
      unset(this.url == null, "url", this.url == null ? null : redact(this.url));
      String scheme = url.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || url.getHost() == null) {
        throw new InvalidInputException("url", "url must be an absolute http(s) URL with a host");
      }
      if (url.getRawUserInfo() != null) {
        throw new InvalidInputException("url", "url must not carry user info; send credentials in a header: "
            + redact(url));
      }
      this.url = url;
      return this;
    }

    /**
     * A header sent with every request, such as {@code Authorization}; its value is never logged.
     *
     * @param name the header name, once per name
     * @param value the header value
     * @return this builder
     * @throws InvalidInputException naming {@code header} when either is null, the name is already set or the
     *     header is one HTTP clients may not set (such as {@code Host})
     */
    public Builder header(String name, String value) {
      InvalidInputException.requireNonNull(name, "header");
      InvalidInputException.requireNonNull(value, "header");
      if (headers.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
        throw new InvalidInputException("header", "header " + name + " was already set");
      }
      try {
        HttpRequest.newBuilder().header(name, value);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("header", "header " + name + " cannot be set or has an invalid value");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * How long one attempt may take, connecting included. Default: 5 seconds.
     *
     * @param timeout a positive span
     * @return this builder
     * @throws InvalidInputException naming {@code timeout} when it is null, not positive or already set
     */
    public Builder timeout(Duration timeout) {
      unset(!timeoutSet, "timeout", this.timeout);
      this.timeout = positive(timeout, "timeout");
      timeoutSet = true;
      return this;
    }

    /**
     * How many times an alert is tried on connection errors, timeouts and 5xx answers. Default: 3.
     *
     * @param attempts one or more
     * @return this builder
     * @throws InvalidInputException naming {@code attempts} when below one or already set
     */
    public Builder attempts(int attempts) {
      unset(!attemptsSet, "attempts", this.attempts);
      if (attempts < 1) {
        throw new InvalidInputException("attempts", "attempts must be at least 1, was " + attempts);
      }
      this.attempts = attempts;
      attemptsSet = true;
      return this;
    }

    /**
     * The pause before the second attempt, doubled before each later one. Default: 500 ms.
     *
     * @param backoff a positive span
     * @return this builder
     * @throws InvalidInputException naming {@code backoff} when it is null, not positive or already set
     */
    public Builder backoff(Duration backoff) {
      unset(!backoffSet, "backoff", this.backoff);
      this.backoff = positive(backoff, "backoff");
      backoffSet = true;
      return this;
    }

    /**
     * How many alerts may wait; when full, the oldest is dropped. Default: 1,000.
     *
     * @param queueCapacity one or more
     * @return this builder
     * @throws InvalidInputException naming {@code queueCapacity} when below one or already set
     */
    public Builder queueCapacity(int queueCapacity) {
      unset(!queueCapacitySet, "queueCapacity", this.queueCapacity);
      if (queueCapacity < 1) {
        throw new InvalidInputException("queueCapacity", "queueCapacity must be at least 1, was " + queueCapacity);
      }
      this.queueCapacity = queueCapacity;
      queueCapacitySet = true;
      return this;
    }

    /**
     * How long {@link WebhookAlertSink#close()} lets the queue drain. Default: 5 seconds.
     *
     * @param closeTimeout a positive span
     * @return this builder
     * @throws InvalidInputException naming {@code closeTimeout} when it is null, not positive or already set
     */
    public Builder closeTimeout(Duration closeTimeout) {
      unset(!closeTimeoutSet, "closeTimeout", this.closeTimeout);
      this.closeTimeout = positive(closeTimeout, "closeTimeout");
      closeTimeoutSet = true;
      return this;
    }

    /**
     * Builds the sink and starts its sender thread.
     *
     * @return a new sink
     * @throws InvalidInputException naming {@code url} when no URL was given
     */
    public WebhookAlertSink build() {
      if (url == null) {
        throw new InvalidInputException("url", "url is required");
      }
      return new WebhookAlertSink(this, url);
    }

    private static Duration positive(Duration d, String field) {
      InvalidInputException.requireNonNull(d, field);
      if (d.isNegative() || d.isZero()) {
        throw new InvalidInputException(field, field + " must be positive, was " + d);
      }
      return d;
    }

    private static void unset(boolean unset, String field, @Nullable Object current) {
      if (!unset) {
        throw new InvalidInputException(field, field + " was already set to " + current);
      }
    }
  }
}
