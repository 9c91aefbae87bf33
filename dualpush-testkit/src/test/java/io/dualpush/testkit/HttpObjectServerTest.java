package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.spi.Md5;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("HttpObjectServer serves objects over HTTP and injects each fault it offers")
class HttpObjectServerTest {
  private static final Duration BOUND = Duration.ofSeconds(10);
  private static final byte[] CONTENT = "the quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8);

  private final HttpObjectServer server = HttpObjectServer.start().put("a.txt", CONTENT);
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(BOUND).build();

  @AfterEach
  void tearDown() {
    server.close();
  }

  private URI uri(String relative) {
    return server.baseUri().resolve(relative);
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri).timeout(BOUND).build(), BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> head(URI uri) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri).timeout(BOUND).method("HEAD", HttpRequest.BodyPublishers.noBody())
        .build(), BodyHandlers.ofByteArray());
  }

  private static Optional<String> header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name);
  }

  @Nested
  @DisplayName("without faults")
  class Serving {
    @Test
    @DisplayName("a GET answers 200 with the bytes, Content-Length, the base64 Content-MD5 and an ETag")
    void servesAnObjectWithItsHeaders() throws Exception {
      HttpResponse<byte[]> response = get(uri("a.txt"));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(CONTENT);
      assertThat(header(response, "Content-Length")).contains(Integer.toString(CONTENT.length));
      assertThat(header(response, "Content-MD5")).contains(Md5.of(CONTENT));
      assertThat(header(response, "ETag")).hasValueSatisfying(etag -> assertThat(etag).startsWith("\""));
      assertThat(server.requests()).isEqualTo(1);
      assertThat(server.requestsFor("a.txt")).isEqualTo(1);
    }

    @Test
    @DisplayName("a HEAD answers the same headers and no body")
    void headAnswersHeadersOnly() throws Exception {
      HttpResponse<byte[]> response = head(uri("a.txt"));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEmpty();
      assertThat(header(response, "Content-Length")).contains(Integer.toString(CONTENT.length));
      assertThat(header(response, "Content-MD5")).contains(Md5.of(CONTENT));
      assertThat(header(response, "ETag")).isEqualTo(header(get(uri("a.txt")), "ETag"));
    }

    @Test
    @DisplayName("a key with slashes and escapes is served under a base URL that carries a SAS-style query")
    void keyWithSlashesAndQueryString() throws Exception {
      String key = "dir/sub dir/file+1.bin";
      server.put(key, CONTENT);

      HttpResponse<byte[]> response =
          get(URI.create(server.baseUri() + "dir/sub%20dir/file%2B1.bin?sv=2021-08-06&sig=abc%3D"));

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(CONTENT);
      assertThat(server.requestsFor(key)).isEqualTo(1);
    }

    @Test
    @DisplayName("a missing object answers 404")
    void missingObjectIs404() throws Exception {
      assertThat(get(uri("missing")).statusCode()).isEqualTo(404);
      assertThat(head(uri("missing")).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("the base answers 200 with an empty body to GET and HEAD, with or without a query")
    void baseIsAHealthCheckTarget() throws Exception {
      HttpResponse<byte[]> plain = get(server.baseUri());
      HttpResponse<byte[]> withQuery = get(URI.create(server.baseUri() + "?sv=2021-08-06&sig=abc"));
      HttpResponse<byte[]> headed = head(server.baseUri());

      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.body()).isEmpty();
      assertThat(withQuery.statusCode()).isEqualTo(200);
      assertThat(headed.statusCode()).isEqualTo(200);
      assertThat(server.requestsFor("")).isEqualTo(3);
    }

    @Test
    @DisplayName("with a path prefix, objects live under the prefix and other paths answer 404")
    void pathPrefix() throws Exception {
      server.withPathPrefix("/container/");

      assertThat(server.baseUri().toString()).endsWith(":" + server.port() + "/container/");
      assertThat(get(uri("a.txt")).body()).isEqualTo(CONTENT);
      assertThat(get(server.baseUri()).statusCode()).isEqualTo(200);
      assertThat(get(URI.create("http://127.0.0.1:" + server.port() + "/a.txt")).statusCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("a server started on a Destination serves that destination's objects")
    void servesADestination() throws Exception {
      InMemoryDestination destination = new InMemoryDestination("source", new ManualClock());
      destination.put(new WriteRequest("x/y.bin", CONTENT.length, Md5.of(CONTENT), "application/octet-stream",
          Map.of(), "txn-1", "", OptionalLong.empty(), () -> new ByteArrayInputStream(CONTENT)));

      try (HttpObjectServer fromDestination = HttpObjectServer.start(destination)) {
        HttpResponse<byte[]> response = get(fromDestination.baseUri().resolve("x/y.bin"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(CONTENT);
        assertThat(header(response, "Content-MD5")).contains(Md5.of(CONTENT));
        assertThat(header(response, "ETag")).isPresent();
        assertThat(get(fromDestination.baseUri().resolve("absent")).statusCode()).isEqualTo(404);
        assertThatThrownBy(() -> fromDestination.put("k", CONTENT)).isInstanceOf(IllegalStateException.class);
      }
    }

    @Test
    @DisplayName("settings are checked on entry and name the field")
    void validatesSettings() {
      assertThatThrownBy(() -> server.failNext(-1, 500)).hasMessageContaining("'n'");
      assertThatThrownBy(() -> server.failNext(1, 200)).hasMessageContaining("'status'");
      assertThatThrownBy(() -> server.failAtRate(1.5, 1)).hasMessageContaining("'rate'");
      assertThatThrownBy(() -> server.latency(Duration.ofMillis(1), -0.1, 1)).hasMessageContaining("'fraction'");
      assertThatThrownBy(() -> server.latency(Duration.ofMillis(-1))).hasMessageContaining("'latency'");
      assertThatThrownBy(() -> server.put("", CONTENT)).hasMessageContaining("'key'");
      assertThatThrownBy(() -> server.withPathPrefix("/")).hasMessageContaining("'prefix'");
    }
  }

  @Nested
  @DisplayName("faults")
  class Faults {
    @Test
    @DisplayName("refuseConnections makes the port refuse connections; acceptConnections listens again on the same port")
    void refuseAndAcceptConnections() throws Exception {
      int port = server.port();
      server.refuseConnections();

      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
          .isInstanceOf(ConnectException.class);
      HttpClient fresh = HttpClient.newBuilder().connectTimeout(BOUND).build();
      assertThatThrownBy(() -> fresh.send(HttpRequest.newBuilder(uri("a.txt")).build(), BodyHandlers.ofByteArray()))
          .isInstanceOf(ConnectException.class);

      server.acceptConnections();

      assertThat(server.port()).isEqualTo(port);
      assertThat(get(uri("a.txt")).body()).isEqualTo(CONTENT);
    }

    @Test
    @DisplayName("a refused port listens again after heal(), and after a refuse and accept cycle repeated")
    void refuseCyclesAndHeal() throws Exception {
      for (int i = 0; i < 3; i++) {
        assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
        server.refuseConnections();
        server.heal();
      }
      assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("failNext answers the status given to the next N requests, then serves again")
    void failNext() throws Exception {
      server.failNext(2, 503);

      HttpResponse<byte[]> first = get(uri("a.txt"));
      assertThat(first.statusCode()).isEqualTo(503);
      assertThat(first.body()).isNotEmpty();
      assertThat(get(uri("a.txt")).statusCode()).isEqualTo(503);
      assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("failAtRate answers 500 to about that share of requests, the same ones for the same seed")
    void failAtRate() throws Exception {
      int first = countFailures(0.3, 7);
      int second = countFailures(0.3, 7);

      assertThat(first).isBetween(30, 90).isEqualTo(second);
      server.failAtRate(0, 7);
      assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
    }

    private int countFailures(double rate, long seed) throws Exception {
      server.failAtRate(rate, seed);
      int failures = 0;
      for (int i = 0; i < 200; i++) {
        int status = get(uri("a.txt")).statusCode();
        assertThat(status).isIn(200, 500);
        failures += status == 500 ? 1 : 0;
      }
      return failures;
    }

    @Test
    @DisplayName("corruptNext flips one byte of the body and keeps the length and the original Content-MD5")
    void corruptNext() throws Exception {
      server.corruptNext(1);

      HttpResponse<byte[]> corrupt = get(uri("a.txt"));
      assertThat(corrupt.statusCode()).isEqualTo(200);
      assertThat(corrupt.body()).hasSameSizeAs(CONTENT).isNotEqualTo(CONTENT);
      assertThat(header(corrupt, "Content-MD5")).contains(Md5.of(CONTENT));
      assertThat(Md5.of(corrupt.body())).isNotEqualTo(Md5.of(CONTENT));
      assertThat(differingBytes(corrupt.body(), CONTENT)).isEqualTo(1);

      assertThat(get(uri("a.txt")).body()).isEqualTo(CONTENT);
    }

    @Test
    @DisplayName("corruptAll corrupts every GET until healed")
    void corruptAll() throws Exception {
      server.corruptAll();

      assertThat(get(uri("a.txt")).body()).isNotEqualTo(CONTENT);
      assertThat(get(uri("a.txt")).body()).isNotEqualTo(CONTENT);
      server.heal();
      assertThat(get(uri("a.txt")).body()).isEqualTo(CONTENT);
    }

    private int differingBytes(byte[] a, byte[] b) {
      int count = 0;
      for (int i = 0; i < a.length; i++) {
        count += a[i] != b[i] ? 1 : 0;
      }
      return count;
    }

    @Test
    @DisplayName("truncateNext declares the full length, sends half and drops the connection: never a complete body")
    void truncateNext() throws Exception {
      byte[] big = new byte[64 * 1024];
      for (int i = 0; i < big.length; i++) {
        big[i] = (byte) i;
      }
      server.put("big.bin", big);
      server.truncateNext(1);

      assertTruncated(uri("big.bin"), big.length);
      assertThat(get(uri("big.bin")).body()).isEqualTo(big);
    }

    @Test
    @DisplayName("truncateAll truncates every GET, small objects included, until cleared")
    void truncateAll() throws Exception {
      server.truncateAll();

      assertTruncated(uri("a.txt"), CONTENT.length);
      assertTruncated(uri("a.txt"), CONTENT.length);
      server.truncateNext(0);
      assertThat(get(uri("a.txt")).body()).isEqualTo(CONTENT);
    }

    private void assertTruncated(URI uri, int length) throws InterruptedException {
      try {
        HttpResponse<byte[]> response = get(uri);
        assertThat(response.body().length).as("a truncated body").isLessThan(length);
      } catch (IOException expected) {
        // The client noticed the connection closing before Content-Length bytes: what we want.
      }
    }

    @Test
    @DisplayName("hang accepts the request and never answers until heal() releases it")
    void hangUntilHealed() throws Exception {
      server.hang();
      CompletableFuture<HttpResponse<byte[]>> pending =
          client.sendAsync(HttpRequest.newBuilder(uri("a.txt")).build(), BodyHandlers.ofByteArray());

      await().atMost(BOUND).until(() -> server.hungRequests() == 1);
      assertThat(pending).isNotDone();
      assertThat(server.requests()).isEqualTo(1);

      server.heal();

      await().atMost(BOUND).until(pending::isDone);
      assertThat(pending.get().statusCode()).isEqualTo(200);
      assertThat(pending.get().body()).isEqualTo(CONTENT);
      assertThat(server.hungRequests()).isZero();
    }

    @Test
    @DisplayName("hung requests do not hold up others once released, and close() with requests hung returns")
    void closeReleasesHungRequests() throws Exception {
      server.hang();
      CompletableFuture<HttpResponse<byte[]>> first =
          client.sendAsync(HttpRequest.newBuilder(uri("a.txt")).build(), BodyHandlers.ofByteArray());
      CompletableFuture<HttpResponse<byte[]>> second =
          client.sendAsync(HttpRequest.newBuilder(uri("a.txt")).build(), BodyHandlers.ofByteArray());
      await().atMost(BOUND).until(() -> server.hungRequests() == 2);

      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);

      await().atMost(BOUND).until(closing::isDone);
      closing.get();
      await().atMost(BOUND).until(() -> first.isDone() && second.isDone());
      assertThatThrownBy(first::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    }

    @Test
    @DisplayName("latency on a seeded fraction delays about that share of requests, counted by delayedRequests")
    void latencyOnAFraction() throws Exception {
      server.latency(Duration.ofMillis(1), 0.1, 42);

      for (int i = 0; i < 200; i++) {
        assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
      }

      assertThat(server.requests()).isEqualTo(200);
      assertThat(server.delayedRequests()).isBetween(8L, 35L);
    }

    @Test
    @DisplayName("latency on every request delays each of them")
    void latencyOnEveryRequest() throws Exception {
      server.latency(Duration.ofMillis(1));

      for (int i = 0; i < 5; i++) {
        get(uri("a.txt"));
      }
      server.latency(Duration.ZERO);
      get(uri("a.txt"));

      assertThat(server.delayedRequests()).isEqualTo(5);
    }

    @Test
    @DisplayName("omitMd5 drops the Content-MD5 header until includeMd5")
    void omitMd5() throws Exception {
      server.omitMd5();

      HttpResponse<byte[]> response = get(uri("a.txt"));
      assertThat(response.body()).isEqualTo(CONTENT);
      assertThat(header(response, "Content-MD5")).isEmpty();
      assertThat(header(head(uri("a.txt")), "Content-MD5")).isEmpty();

      server.includeMd5();
      assertThat(header(get(uri("a.txt")), "Content-MD5")).contains(Md5.of(CONTENT));
    }

    @Test
    @DisplayName("heal clears every fault at once")
    void healClearsEverything() throws Exception {
      server.failAtRate(1, 1).corruptAll().truncateAll().omitMd5().latency(Duration.ofMillis(1));
      server.refuseConnections();

      server.heal();

      HttpResponse<byte[]> response = get(uri("a.txt"));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(CONTENT);
      assertThat(header(response, "Content-MD5")).contains(Md5.of(CONTENT));
      assertThat(server.delayedRequests()).isZero();
    }
  }

  @Test
  @DisplayName("close() stops the server and frees its port")
  void closeFreesThePort() throws Exception {
    assertThat(get(uri("a.txt")).statusCode()).isEqualTo(200);
    int port = server.port();

    server.close();

    assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
        .isInstanceOf(ConnectException.class);
    try (ServerSocket rebound = new ServerSocket()) {
      rebound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(rebound.getLocalPort()).isEqualTo(port);
    }
  }
}
