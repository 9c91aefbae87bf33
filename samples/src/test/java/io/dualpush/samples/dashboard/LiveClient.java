package io.dualpush.samples.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A WebSocket client of {@code /api/live} for tests: keeps every batch it received, with when it arrived. */
final class LiveClient implements WebSocket.Listener, AutoCloseable {
  /** A batch and its arrival, in epoch microseconds. */
  record Received(JsonNode batch, long receivedMicros) {}

  final List<Received> batches = new CopyOnWriteArrayList<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final WebSocket socket;

  private LiveClient(URI uri, String origin) throws Exception {
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    if (origin != null) {
      builder.header("Origin", origin);
    }
    this.socket = builder.buildAsync(uri, this).get(30, TimeUnit.SECONDS);
  }

  /** Connects to {@code base}'s live feed, with {@code query} (such as {@code ?token=...}) or "". */
  static LiveClient connect(String base, String query) throws Exception {
    return connect(base, query, null);
  }

  /** Connects as a browser page of {@code origin} would. */
  static LiveClient connect(String base, String query, String origin) throws Exception {
    return new LiveClient(URI.create(base.replaceFirst("^http", "ws") + "api/live" + query), origin);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      long now = Micros.now();
      try {
        batches.add(new Received(Api.JSON.readTree(partial.toString()), now));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(-1);
  }

  /** Every event received so far of {@code type}, in arrival order. */
  List<JsonNode> events(String type) {
    return batches.stream().flatMap(r -> stream(r.batch().get("events"))).filter(e -> e.get("type").asText().equals(type))
        .toList();
  }

  private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false);
  }

  @Override
  public void close() {
    socket.abort();
  }
}
