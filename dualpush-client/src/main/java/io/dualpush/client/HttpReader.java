package io.dualpush.client;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;

/**
 * Reads {@code GET <base>/<key>} with {@code java.net.http}. The base URL's query string (a SAS token) is sent with
 * every request and scrubbed from every failure's description.
 */
final class HttpReader implements EndpointReader {
  private final HttpClient http;
  private final URI base;
  private final String basePath;
  private final URI healthUri;
  private final Duration timeout;
  private final ExecutorService pool;

  HttpReader(HttpClient http, ReadEndpoint endpoint, Duration timeout, ExecutorService pool) {
    this.http = http;
    this.pool = pool;
    this.base = endpoint.baseUri().orElseThrow();
    String path = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
    this.basePath = path.endsWith("/") ? path : path + "/";
    this.healthUri = resolve(endpoint.healthPath());
    this.timeout = timeout;
  }

  /** {@code <base>/<key>}, each segment of the key percent-encoded, with the base's query string. */
  URI resolve(String rawKeyOrPath) {
    StringBuilder sb = new StringBuilder(base.getScheme()).append("://").append(base.getRawAuthority())
        .append(basePath);
    encodePath(rawKeyOrPath, sb);
    if (base.getRawQuery() != null) {
      sb.append('?').append(base.getRawQuery());
    }
    return URI.create(sb.toString());
  }

  private static void encodePath(String path, StringBuilder sb) {
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~' || c == '/') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
  }

  @Override
  public CompletableFuture<Fetched> fetch(String key, FetchLimits limits, boolean needStoredMd5) {
    // The blocking send on the client's read pool, not sendAsync: sendAsync hands every response to
    // CompletableFuture's default executor, which on a machine of one or two CPUs starts a thread per response
    // (measured: a third of the plain client's reads/s). send completes on the calling thread, and an interrupt
    // (a cancelled read) aborts its exchange.
    return BlockingCalls.submit(pool, () -> fetchBlocking(key, limits, needStoredMd5));
  }

  @Override
  public boolean interruptible() {
    // HttpClient.send cancels its exchange when its thread is interrupted.
    return true;
  }

  @Override
  public Fetched fetchBlocking(String key, FetchLimits limits, boolean needStoredMd5) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(resolve(key)).timeout(timeout).GET().build();
    return http.send(request, info -> handle(info, key, limits)).body();
  }

  private BodySubscriber<Fetched> handle(ResponseInfo info, String key, FetchLimits limits) {
    int status = info.statusCode();
    if (status == 404 || status == 410) {
      return BodySubscribers.replacing(Fetched.notFound());
    }
    if (status != 200) {
      return new Failing<>(new HttpStatusException(status));
    }
    OptionalLong length = info.headers().firstValueAsLong("Content-Length");
    Optional<String> md5 = info.headers().firstValue("Content-MD5")
        .or(() -> info.headers().firstValue("x-ms-blob-content-md5"));
    boolean fits = length.isPresent() && length.getAsLong() <= limits.bufferLimit();
    if (limits.stream() && !fits) {
      return BodySubscribers.mapping(BodySubscribers.ofInputStream(),
          (InputStream in) -> Fetched.stream(in, length, md5));
    }
    if (!limits.stream() && length.isPresent() && !fits) {
      return new Failing<>(new ObjectTooLargeException(key, length.getAsLong(), limits.bufferLimit()));
    }
    return BodySubscribers.mapping(new Capped(key, limits.bufferLimit(), length), bytes -> Fetched.bytes(bytes, md5));
  }

  @Override
  public CompletableFuture<Void> check() {
    HttpRequest request = HttpRequest.newBuilder(healthUri).timeout(timeout)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
    // On the read pool, like the reads: sendAsync would start a thread per response on a small machine.
    return BlockingCalls.submit(pool, () -> {
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status >= 500) {
        throw new HttpStatusException(status);
      }
      return null;
    });
  }

  @Override
  public String describeFailure(Throwable failure) {
    String message = failure.getMessage();
    String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    String query = base.getRawQuery();
    if (query != null && !query.isEmpty()) {
      text = text.replace(query, "<redacted>");
      String decoded = base.getQuery();
      if (decoded != null && !decoded.isEmpty()) {
        text = text.replace(decoded, "<redacted>");
      }
    }
    return text;
  }

  /** An answer other than 200, 404 or 410. */
  static final class HttpStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HttpStatusException(int status) {
      super("HTTP " + status, null, false, false);
    }
  }

  /** Discards the body and fails the response. */
  private static final class Failing<T> implements BodySubscriber<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();

    Failing(RuntimeException failure) {
      result.completeExceptionally(failure);
    }

    @Override
    public CompletionStage<T> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  /**
   * Collects the body into one array, failing once it passes the limit, so that a body of unannounced length cannot
   * take unbounded memory.
   */
  private static final class Capped implements BodySubscriber<byte[]> {
    private final String key;
    private final long limit;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out;
    private Flow.Subscription subscription;

    Capped(String key, long limit, OptionalLong length) {
      this.key = key;
      this.limit = limit;
      this.out = new ByteArrayOutputStream((int) Math.min(Math.max(length.orElse(8192), 32), limit));
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (out.size() + (long) buffer.remaining() > limit) {
          subscription.cancel();
          result.completeExceptionally(new ObjectTooLargeException(key, -1, limit));
          return;
        }
        if (buffer.hasArray()) {
          out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        } else {
          byte[] copy = new byte[buffer.remaining()];
          buffer.get(copy);
          out.write(copy, 0, copy.length);
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
