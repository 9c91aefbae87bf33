package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DualPushException;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.HttpObjectServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A blocking read's first try on the calling thread")
class CallerRunsTest {
  private static final byte[] BYTES = "made on the caller's thread".getBytes(StandardCharsets.UTF_8);
  private HttpObjectServer a;
  private HttpObjectServer b;

  @BeforeEach
  void start() {
    a = HttpObjectServer.start().put("k", BYTES);
    b = HttpObjectServer.start().put("k", BYTES);
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    Thread.interrupted();
  }

  private FailoverReadClientBuilder builder() {
    return new FailoverReadClientBuilder().httpEndpoint("a", a.baseUri())
        .endpoint(ReadEndpoint.http("b", b.baseUri()).withPriority(1));
  }

  @Test
  @DisplayName("leaves the caller's thread uninterrupted when a hedge wins over its hung try")
  void hedgeWins() {
    try (FailoverReadClient reader = builder().attemptTimeout(Duration.ofMinutes(5))
        .hedging(HedgeOptions.builder().minDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(20)).build())
        .buildClient()) {
      a.hang();
      ReadResult result = reader.read("k").orElseThrow();
      assertThat(result.endpointId()).isEqualTo("b");
      assertThat(result.md5()).isEqualTo(Md5.of(BYTES));
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
      a.release();
      // The thread can read again: no interrupt left over to break the next call.
      assertThat(reader.read("k")).isPresent();
    }
  }

  @Test
  @DisplayName("leaves the caller's thread uninterrupted when its try times out and the read fails over")
  void timeout() {
    try (FailoverReadClient reader = builder().attemptTimeout(Duration.ofMillis(200))
        .hedging(HedgeOptions.disabled()).buildClient()) {
      a.hang();
      ReadResult result = reader.read("k").orElseThrow();
      assertThat(result.endpointId()).isEqualTo("b");
      assertThat(result.attempts().get(0).outcome()).isEqualTo(ReadAttempt.Outcome.TIMED_OUT);
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
  }

  @Test
  @DisplayName("stops, and keeps the interrupt, when somebody else interrupts the caller")
  void externalInterrupt() throws Exception {
    try (FailoverReadClient reader = builder().attemptTimeout(Duration.ofMinutes(5))
        .hedging(HedgeOptions.disabled()).buildClient()) {
      a.hang();
      b.hang();
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread caller = new Thread(() -> {
        try {
          reader.read("k");
          outcome.complete(null);
        } catch (Throwable t) {
          outcome.complete(t);
        }
        if (!Thread.currentThread().isInterrupted()) {
          outcome.obtrudeValue(new AssertionError("the interrupt was lost"));
        }
      });
      caller.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.hungRequests() == 1);
      caller.interrupt();
      Throwable t = outcome.get(10, TimeUnit.SECONDS);
      assertThat(t).isInstanceOf(DualPushException.class).hasMessageContaining("Interrupted");
    }
  }

  @Test
  @DisplayName("fails over at once from a first endpoint that refuses connections")
  void refused() {
    try (FailoverReadClient reader = builder().buildClient()) {
      a.refuseConnections();
      assertThat(reader.read("k").orElseThrow().endpointId()).isEqualTo("b");
      assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
  }
}
