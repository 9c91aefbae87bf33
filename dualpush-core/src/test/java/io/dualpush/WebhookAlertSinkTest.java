package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dualpush.spi.Alert;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("WebhookAlertSink")
class WebhookAlertSinkTest {
  private static final Duration BOUND = Duration.ofSeconds(20);

  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;
  private ExecutorService serverThreads;
  private WebhookAlertSink sink;

  /** What the server answers to the n-th request (1-based); -1 holds the request until {@link #release}. */
  private interface Script {
    int status(int n);
  }

  private URI serve(Script script) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serverThreads = Executors.newCachedThreadPool();
    server.setExecutor(serverThreads);
    server.createContext("/hook", exchange -> answer(exchange, script));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?token=s3cret-token");
  }

  private void answer(HttpExchange exchange, Script script) throws IOException {
    int n = requests.incrementAndGet();
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    int status = script.status(n);
    if (status == -1) {
      try {
        release.await(BOUND.toSeconds(), TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      status = 200;
    }
    if (status / 100 == 2) {
      bodies.add(body);
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      authorizations.add(auth == null ? "" : auth);
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (sink != null) {
      sink.close();
    }
    if (server != null) {
      server.stop(0);
      serverThreads.shutdownNow();
    }
  }

  private static Alert alert(String message) {
    return new Alert(Alert.Type.DATA_INCONSISTENCY, Alert.Severity.CRITICAL, message, "tx-1", "east",
        Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Test
  @DisplayName("POSTs the alert as escaped JSON with the configured headers")
  void deliversJson() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> 204)).header("Authorization", "Bearer abc").build();
    sink.raise(alert("digest \"x\" differs\\\n\tat\u0001 caf\u00e9"));
    await().atMost(BOUND).until(() -> sink.delivered() == 1);
    assertThat(bodies).containsExactly("{\"type\":\"DATA_INCONSISTENCY\",\"severity\":\"CRITICAL\","
        + "\"message\":\"digest \\\"x\\\" differs\\\\\\n\\tat\\u0001 caf\u00e9\",\"transactionId\":\"tx-1\","
        + "\"destinationId\":\"east\",\"at\":\"2026-01-01T00:00:00Z\"}");
    assertThat(authorizations).containsExactly("Bearer abc");
    assertThat(sink.dropped()).isZero();
  }

  @Test
  @DisplayName("POSTs a resolve as the alert's JSON with \"phase\":\"resolved\"")
  void deliversResolve() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> 200)).build();
    sink.resolve(new Alert(Alert.Type.CONNECTION_FAILURE, Alert.Severity.HIGH, "Destination east is back after 3.0 s",
        "", "east", Instant.parse("2026-01-01T00:00:00Z")));
    await().atMost(BOUND).until(() -> sink.delivered() == 1);
    assertThat(bodies).containsExactly("{\"type\":\"CONNECTION_FAILURE\",\"severity\":\"HIGH\","
        + "\"message\":\"Destination east is back after 3.0 s\",\"transactionId\":\"\",\"destinationId\":\"east\","
        + "\"at\":\"2026-01-01T00:00:00Z\",\"phase\":\"resolved\"}");
  }

  @Test
  @DisplayName("a 500 then a 200 delivers the alert once")
  void retriesServerError() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> n == 1 ? 500 : 200)).backoff(Duration.ofMillis(10)).build();
    sink.raise(alert("one"));
    await().atMost(BOUND).until(() -> sink.delivered() == 1);
    assertThat(requests).hasValue(2);
    assertThat(bodies).hasSize(1);
    assertThat(sink.dropped()).isZero();
  }

  @Test
  @DisplayName("a 4xx answer is not retried and counts as dropped")
  void clientErrorNotRetried() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> 400)).backoff(Duration.ofMillis(10)).build();
    sink.raise(alert("one"));
    await().atMost(BOUND).until(() -> sink.dropped() == 1);
    assertThat(requests).hasValue(1);
  }

  @Test
  @DisplayName("a server slower than the timeout is timed out and retried")
  void slowServer() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> n == 1 ? -1 : 200))
        .timeout(Duration.ofMillis(300)).backoff(Duration.ofMillis(10)).build();
    sink.raise(alert("one"));
    await().atMost(BOUND).until(() -> sink.delivered() == 1);
    assertThat(sink.attemptsMade()).isEqualTo(2);
    assertThat(sink.dropped()).isZero();
  }

  @Nested
  @DisplayName("with the server down")
  class Down {
    @Test
    @DisplayName("retries every attempt, then drops and counts the alert, and never logs the URL's query")
    void refused() throws IOException {
      int port;
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = free.getLocalPort();
      }
      PrintStream original = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        sink = WebhookAlertSink.builder().url(URI.create("http://127.0.0.1:" + port + "/hook?token=s3cret-token"))
            .header("Authorization", "Bearer hidden-value").backoff(Duration.ofMillis(10)).build();
        sink.raise(alert("one"));
        // raise only queued it: nothing was sent or dropped on the caller's thread.
        await().atMost(BOUND).until(() -> sink.dropped() == 1);
      } finally {
        System.setErr(original);
      }
      assertThat(sink.attemptsMade()).isEqualTo(3);
      assertThat(sink.delivered()).isZero();
      String log = captured.toString(StandardCharsets.UTF_8);
      assertThat(log).contains("http://127.0.0.1:" + port + "/hook").contains("dropped");
      assertThat(log).doesNotContain("s3cret-token").doesNotContain("hidden-value");
      assertThat(sink.toString()).doesNotContain("s3cret-token");
    }
  }

  @Test
  @DisplayName("a full queue drops the oldest alert and counts it; raise does not wait for the server")
  void queueBound() throws IOException {
    sink = WebhookAlertSink.builder().url(serve(n -> n == 1 ? -1 : 200)).timeout(BOUND.multipliedBy(2))
        .queueCapacity(3).build();
    sink.raise(alert("a0"));
    await().atMost(BOUND).until(() -> requests.get() == 1);
    // The sender is held by the server; these return while it waits.
    for (int i = 1; i <= 5; i++) {
      sink.raise(alert("a" + i));
    }
    assertThat(sink.dropped()).isEqualTo(2);
    release.countDown();
    await().atMost(BOUND).until(() -> sink.delivered() == 4);
    assertThat(bodies).extracting(b -> b.replaceAll(".*\"message\":\"(a\\d)\".*", "$1"))
        .containsExactly("a0", "a3", "a4", "a5");
  }

  @Test
  @DisplayName("the builder refuses a missing URL, user info in the URL without echoing it, and a setting twice")
  void builderRefusals() {
    assertThatThrownBy(() -> WebhookAlertSink.builder().build()).hasMessageContaining("url");
    assertThatThrownBy(() -> WebhookAlertSink.builder().url(URI.create("http://user:pw-secret@host/x")))
        .hasMessageContaining("user info").hasMessageNotContaining("pw-secret");
    assertThatThrownBy(() -> WebhookAlertSink.builder().url(URI.create("ftp://host/x"))).hasMessageContaining("url");
    assertThatThrownBy(() -> WebhookAlertSink.builder().attempts(2).attempts(3))
        .hasMessageContaining("attempts was already set");
    assertThatThrownBy(() -> WebhookAlertSink.builder().header("Host", "x")).hasMessageContaining("header");
  }
}
