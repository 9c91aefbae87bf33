package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CircuitBreakerState;
import io.dualpush.client.ReadAttempt.Outcome;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.HttpObjectServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The read client against two real HTTP endpoints on loopback ({@link HttpObjectServer}), with a fault on the first:
 * every read must return exactly the source bytes, from the second endpoint, and say what happened to the first.
 */
@DisplayName("FailoverReadClient over two HTTP endpoints with faults")
class HttpEndpointFaultsTest {
  private static final String KEY = "datasets/q4/part-0001.bin";
  private static final String LARGE = "datasets/q4/large.bin";
  private static final byte[] SOURCE = bytes(20_000, 13);
  private static final byte[] LARGE_SOURCE = bytes(256 * 1024, 14);
  private static final String SOURCE_MD5 = Md5.of(SOURCE);
  // Long enough for a healthy loopback endpoint on a loaded machine, short enough to keep the tests quick.
  private static final Duration SHORT_TIMEOUT = Duration.ofSeconds(1);
  private static final String WARM_UP = "warm-up/only-on-second.bin";

  private HttpObjectServer first;
  private HttpObjectServer second;
  private FailoverReadClient reader;

  @BeforeEach
  void startServers() {
    first = HttpObjectServer.start().put(KEY, SOURCE).put(LARGE, LARGE_SOURCE);
    second = HttpObjectServer.start().put(KEY, SOURCE).put(LARGE, LARGE_SOURCE);
  }

  @AfterEach
  void stopServers() {
    if (reader != null) {
      reader.close();
    }
    first.close();
    second.close();
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private FailoverReadClientBuilder builder() {
    return builder(first.baseUri(), second.baseUri());
  }

  private static FailoverReadClientBuilder builder(URI firstBase, URI secondBase) {
    return new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.http("first", firstBase))
        .endpoint(ReadEndpoint.http("second", secondBase).withPriority(1));
  }

  /**
   * Hedging off and a short attempt timeout: a slow or hung first endpoint can only be left by timing out. Its HTTP
   * client's connections to both endpoints are opened first, by another reader with the default timeout, so that on
   * a loaded machine the healthy endpoint's first request is not the one the short timeout has to bound.
   */
  private FailoverReadClient timingOutClient() {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(2)).build();
    second.put(WARM_UP, SOURCE);
    try (FailoverReadClient warmUp = builder().httpClient(http).buildClient()) {
      assertThat(warmUp.read(WARM_UP)).hasValueSatisfying(r -> assertThat(r.endpointId()).isEqualTo("second"));
    }
    return builder().httpClient(http).attemptTimeout(SHORT_TIMEOUT).hedging(HedgeOptions.disabled()).buildClient();
  }

  /** A long attempt timeout and a hedge after 50 ms that the first read may already spend. */
  private FailoverReadClient hedgingClient() {
    return builder().attemptTimeout(Duration.ofMinutes(2))
        .hedging(HedgeOptions.builder().minDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(50)).budget(1)
            .burst(5).build())
        .buildClient();
  }

  private static void assertSourceFrom(ReadResult result, String endpointId) {
    assertThat(Md5.of(result.toByteArray())).as("MD5 of the bytes returned").isEqualTo(SOURCE_MD5);
    assertThat(result.md5()).isEqualTo(SOURCE_MD5);
    assertThat(result.size()).isEqualTo(SOURCE.length);
    assertThat(result.endpointId()).isEqualTo(endpointId);
    assertThat(result.fromCache()).isFalse();
  }

  private static void assertFailedOver(ReadResult result, Outcome firstOutcome) {
    assertSourceFrom(result, "second");
    assertThat(result.attempts()).extracting(ReadAttempt::endpointId, ReadAttempt::outcome)
        .containsExactly(tuple("first", firstOutcome), tuple("second", Outcome.SUCCEEDED));
  }

  /** Reads a stream to its end; returns the bytes only when it ended cleanly. */
  private static byte[] drain(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Nested
  @DisplayName("a fault on the first endpoint")
  class FirstEndpointFaulty {
    @Test
    @DisplayName("refused connection: the first read that discovers it fails over within the same read")
    void refusedConnection() {
      first.refuseConnections();
      reader = builder().buildClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.FAILED);
      EndpointHealth health = reader.health().get(0);
      assertThat(health.endpointId()).isEqualTo("first");
      assertThat(health.failures()).isEqualTo(1);
      assertThat(health.status()).isNotEqualTo(EndpointHealth.Status.UP);
    }

    @Test
    @DisplayName("latency beyond the attempt timeout: the try times out and the read fails over")
    void latencyBeyondTimeout() {
      reader = timingOutClient();
      first.latency(Duration.ofSeconds(30));

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.TIMED_OUT);
      assertThat(first.delayedRequests()).isEqualTo(1);
    }

    @Test
    @DisplayName("latency under hedging: a hedge to the second endpoint wins and the slow try is cancelled")
    void latencyHedged() {
      first.latency(Duration.ofSeconds(30));
      reader = hedgingClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.CANCELLED);
      assertThat(result.hedges()).isEqualTo(1);
      assertThat(result.attempts().get(1).hedge()).isTrue();
    }

    @Test
    @DisplayName("HTTP 500 once (failNext): the read fails over")
    void serverErrorOnce() {
      first.failNext(1, 500);
      reader = builder().buildClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.FAILED);
      assertThat(result.attempts().get(0).detail()).contains("500");
    }

    @Test
    @DisplayName("HTTP 500 at a rate: every read returns the source bytes, whichever endpoint served it")
    void serverErrorsAtRate() {
      first.failAtRate(0.5, 7);
      // A 1 ms open delay and a high threshold keep the first endpoint first in line, so the rate keeps biting;
      // no hedging, so every failover is the 500's doing.
      reader = builder().circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1000)
          .openDelay(Duration.ofMillis(1)).build()).hedging(HedgeOptions.disabled()).buildClient();

      int failedOver = 0;
      int fromFirst = 0;
      for (int i = 0; i < 40; i++) {
        ReadResult result = reader.read(KEY).orElseThrow();
        assertThat(Md5.of(result.toByteArray())).isEqualTo(SOURCE_MD5);
        assertThat(result.attempts()).allSatisfy(a -> assertThat(a.outcome()).isIn(Outcome.FAILED, Outcome.SUCCEEDED));
        if (result.endpointId().equals("first")) {
          fromFirst++;
        } else if (result.attempts().get(0).endpointId().equals("first")) {
          assertFailedOver(result, Outcome.FAILED);
          failedOver++;
        }
      }
      assertThat(failedOver).as("reads that failed over from a 500").isPositive();
      assertThat(fromFirst).as("reads the first endpoint served").isPositive();
    }

    @Test
    @DisplayName("corrupt bytes under the original Content-MD5: the copy is refused and the read fails over")
    void corruptBytes() {
      first.corruptNext(1);
      reader = builder().buildClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.CORRUPT);
    }

    @Test
    @DisplayName("an endpoint that accepts and hangs: the try times out and the read fails over")
    void hangTimesOut() {
      reader = timingOutClient();
      first.hang();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.TIMED_OUT);
    }

    @Test
    @DisplayName("an endpoint that accepts and hangs, with hedging: the hedge wins and the hung try is cancelled")
    void hangHedged() {
      first.hang();
      reader = hedgingClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.CANCELLED);
      assertThat(first.requestsFor(KEY)).isEqualTo(1);
    }

    @Test
    @DisplayName("a truncated body (full Content-Length, half the bytes, connection closed): the read fails over")
    void truncatedBody() {
      first.truncateNext(1);
      reader = builder().buildClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.FAILED);
    }

    @Test
    @DisplayName("no Content-MD5 while a digest is required: the copy is refused and the read fails over")
    void missingContentMd5() {
      first.omitMd5();
      reader = builder().buildClient();

      ReadResult result = reader.read(KEY).orElseThrow();

      assertFailedOver(result, Outcome.FAILED);
      assertThat(result.attempts().get(0).detail()).contains("no MD5");
      assertThat(result.digestSource()).isEqualTo(DigestSource.STORED);
    }
  }

  @Nested
  @DisplayName("answers from both endpoints")
  class BothEndpoints {
    @Test
    @DisplayName("both faulty: AllEndpointsFailedException lists both endpoints' outcomes")
    void bothFaulty() {
      first.failNext(1, 503);
      second.corruptNext(1);
      reader = builder().buildClient();

      AllEndpointsFailedException e = catchThrowableOfType(AllEndpointsFailedException.class, () -> reader.read(KEY));

      assertThat(e).isNotNull();
      assertThat(e.attempts()).extracting(ReadAttempt::endpointId, ReadAttempt::outcome)
          .containsExactly(tuple("first", Outcome.FAILED), tuple("second", Outcome.CORRUPT));
      assertThat(e.getMessage()).contains("first=FAILED", "503", "second=CORRUPT");
    }

    @Test
    @DisplayName("both answer 404: the read is empty")
    void bothNotFound() {
      reader = builder().buildClient();

      assertThat(reader.read("datasets/q4/never-pushed.bin")).isEmpty();
      assertThat(first.requestsFor("datasets/q4/never-pushed.bin")).isEqualTo(1);
      assertThat(second.requestsFor("datasets/q4/never-pushed.bin")).isEqualTo(1);
    }

    @Test
    @DisplayName("keys with spaces, unicode and slashes are encoded, served, and failed over")
    void awkwardKeys() {
      String key = "reports/2026 Q4/ünïcødé ✓/summary (final)+v2 #1.bin";
      first.put(key, SOURCE);
      second.put(key, SOURCE);
      reader = builder().buildClient();

      assertSourceFrom(reader.read(key).orElseThrow(), "first");
      assertThat(first.requestsFor(key)).isEqualTo(1);

      first.failNext(1, 500);
      assertFailedOver(reader.read(key).orElseThrow(), Outcome.FAILED);
      assertThat(second.requestsFor(key)).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("a SAS-style base URL")
  class Secrets {
    private static final String SECRET = "SECRETSIG";
    private static final String QUERY = "sv=2024&sig=" + SECRET;

    @Test
    @DisplayName("never shows its query in exceptions, endpoint descriptions, health output or logs")
    void queryNeverLeaks() throws Exception {
      PrintStream originalErr = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      List<String> seen = new ArrayList<>();
      // slf4j-simple writes to whatever System.err is when it logs.
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        URI firstBase = URI.create(first.baseUri() + "?" + QUERY);
        URI secondBase = URI.create(second.baseUri() + "?" + QUERY);
        reader = builder(firstBase, secondBase).attemptTimeout(Duration.ofSeconds(2)).hedging(HedgeOptions.disabled())
            .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1).openDelay(Duration.ofMillis(1))
                .build())
            .healthCheckInterval(Duration.ofMillis(20))
            .buildClient();

        // The SAS URL really is used: a read succeeds.
        assertSourceFrom(reader.read(KEY).orElseThrow(), "first");

        first.failNext(1, 500);
        seen.add(reader.read(KEY).orElseThrow().toString());
        first.truncateNext(1);
        seen.add(reader.read(KEY).orElseThrow().toString());

        first.refuseConnections();
        second.hang();
        AllEndpointsFailedException e = catchThrowableOfType(AllEndpointsFailedException.class,
            () -> reader.read(KEY));
        assertThat(e).isNotNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        seen.add(trace.toString());
        seen.add(e.attempts().toString());
        second.release();

        // The background checks fail against the refused endpoint too, and say why.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(reader.health().get(0).lastFailureCause()).hasValueSatisfying(c ->
                assertThat(c).startsWith("health check")));

        for (ReadEndpoint endpoint : reader.endpoints()) {
          seen.add(endpoint.describe());
          seen.add(endpoint.toString());
          assertThat(endpoint.describe()).contains("?<redacted>");
        }
        seen.add(reader.health().toString());
      } finally {
        System.err.flush();
        System.setErr(originalErr);
      }
      String logs = captured.toString(StandardCharsets.UTF_8);
      originalErr.print(logs);
      // The capture worked: the breaker's warning names the endpoint and where it reads.
      assertThat(logs).contains("Read endpoint first (" + ReadEndpoint.safeDescription(URI.create(
          first.baseUri() + "?" + QUERY)) + ")");
      seen.add(logs);
      for (String text : seen) {
        assertThat(text).doesNotContain(SECRET).doesNotContain(QUERY).doesNotContain("sig=");
      }
    }
  }

  @Nested
  @DisplayName("streamed reads of an object larger than the verify buffer")
  class Streams {
    private FailoverReadClient streamingClient() {
      return builder().verifyBufferSize(4096).buildClient();
    }

    @Test
    @DisplayName("from an endpoint that corrupts every copy throw CorruptCopyException at the end, never a clean EOF; "
        + "the next openStream goes to the other endpoint")
    void corruptStream() throws IOException {
      first.corruptAll();
      reader = streamingClient();
      assertCorruptThenOther();
    }

    @Test
    @DisplayName("from an endpoint that truncates every body throw CorruptCopyException, never a clean EOF; "
        + "the next openStream goes to the other endpoint")
    void truncatedStream() throws IOException {
      first.truncateAll();
      reader = streamingClient();
      assertCorruptThenOther();
    }

    private void assertCorruptThenOther() throws IOException {
      try (ReadStream stream = reader.openStream(ReadRequest.of(LARGE)).orElseThrow()) {
        assertThat(stream.endpointId()).isEqualTo("first");
        assertThat(stream.verifiedUpFront()).isFalse();
        assertThatThrownBy(() -> drain(stream)).as("reading a bad copy to its end")
            .isInstanceOf(CorruptCopyException.class)
            .satisfies(e -> assertThat(((CorruptCopyException) e).endpointId()).isEqualTo("first"));
        // Once failed it keeps failing.
        assertThatThrownBy(() -> stream.read()).isInstanceOf(CorruptCopyException.class);
      }

      try (ReadStream stream = reader.openStream(ReadRequest.of(LARGE)).orElseThrow()) {
        assertThat(stream.endpointId()).isEqualTo("second");
        assertThat(Md5.of(drain(stream))).isEqualTo(Md5.of(LARGE_SOURCE));
      }
    }
  }

  @Nested
  @DisplayName("the circuit breaker")
  class Breaker {
    @Test
    @DisplayName("regression: a half-open probe must actually reach the endpoint — none before the open delay, "
        + "exactly one after")
    void halfOpenProbeMustReachTheEndpoint() {
      Duration openDelay = Duration.ofMillis(700);
      reader = builder().hedging(HedgeOptions.disabled())
          .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1).openDelay(openDelay).build())
          .buildClient();
      first.failNext(1, 500);

      assertFailedOver(reader.read(KEY).orElseThrow(), Outcome.FAILED);
      long openedAt = System.nanoTime();
      long before = first.requestsFor(KEY);
      assertThat(before).isEqualTo(1);
      assertThat(reader.health().get(0).breaker().state()).isEqualTo(CircuitBreakerState.State.OPEN);

      for (int i = 0; i < 5; i++) {
        ReadResult result = reader.read(KEY).orElseThrow();
        // Only reads that ended within the open delay can be held to it; a slow machine may pass it mid-loop.
        if (System.nanoTime() - openedAt < openDelay.toNanos()) {
          assertSourceFrom(result, "second");
          assertThat(first.requestsFor(KEY)).as("requests reaching the open endpoint").isEqualTo(before);
        }
      }

      List<ReadResult> probes = new ArrayList<>();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
        probes.add(reader.read(KEY).orElseThrow());
        return first.requestsFor(KEY) > before;
      });

      assertThat(first.requestsFor(KEY)).as("one probe, and only one").isEqualTo(before + 1);
      assertSourceFrom(probes.get(probes.size() - 1), "first");
      assertThat(reader.health().get(0).breaker().state()).isEqualTo(CircuitBreakerState.State.CLOSED);
    }
  }

  @Test
  @DisplayName("a healthy pair serves the first endpoint's copy, checked against its Content-MD5")
  void healthyPair() {
    reader = builder().buildClient();
    ReadResult result = reader.read(KEY).orElseThrow();
    assertSourceFrom(result, "first");
    assertThat(result.digestSource()).isEqualTo(DigestSource.STORED);
    assertThat(second.requests()).isZero();
  }
}
