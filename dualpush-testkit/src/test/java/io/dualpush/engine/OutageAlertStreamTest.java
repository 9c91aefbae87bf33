package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.AlertCoalescer;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.testkit.RecordingAlertSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: one outage of one region with 1,000 pushes in flight made 500 PUSH_FAILURE alerts, no "region down"
 * alert, and nothing when the region came back. Through the default shape of the alert path (a coalescer in front
 * of the sink), the stream is now: one CONNECTION_FAILURE for the region, the first PUSH_FAILURE and one summary
 * counting the rest, and a resolve as soon as the region is back.
 */
@DisplayName("The alert stream of one region's outage under 1,000 pushes")
class OutageAlertStreamTest {
  /** Liveness bound only. */
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final Duration WINDOW = Duration.ofMinutes(1);
  private static final Duration OPEN_DELAY = Duration.ofSeconds(30);
  private static final int PUSHES = 1000;

  private final Fixture f = new Fixture();
  private final RecordingAlertSink recorded = new RecordingAlertSink();
  private final AlertCoalescer coalescer = AlertCoalescer.builder().sink(recorded).clock(f.clock).window(WINDOW).build();
  private DualPushAsyncClient client;

  @AfterEach
  void tearDown() {
    f.secondary.heal();
    if (client != null) {
      client.close();
    }
    coalescer.close();
    f.close();
  }

  private List<Alert> raised(Alert.Type type) {
    return recorded.alertsOfType(type);
  }

  private static PushRequest request(int i) {
    String key = "gold/part-" + i + ".csv";
    return PushRequest.of(key, PushContent.ofBytes(key.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  @DisplayName("holds one CONNECTION_FAILURE, one PUSH_FAILURE and its summary counting 999, then a resolve when the region is back")
  void oneOutageThreeAlertsAndAResolve() {
    // Repair off: the stream is the pushes' and the breaker's alone, whatever the clock does.
    client = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").region("eastus2").timeout(Duration.ofSeconds(5)).build(),
            f.primary)
        .destination(DestinationOptions.builder("secondary").region("westus2").timeout(Duration.ofSeconds(5)).build(),
            f.secondary)
        .transactionLog(f.log)
        .clock(f.clock)
        .alertSink(coalescer)
        .listener(f.events::add)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2))
            .build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(5).openDelay(OPEN_DELAY).build())
        .repair(RepairOptions.builder().enabled(false).build())
        .buildAsyncClient();
    f.secondary.partition();

    List<CompletableFuture<PushReceipt>> pushes = new ArrayList<>();
    for (int i = 0; i < PUSHES; i++) {
      pushes.add(client.push(request(i)));
    }
    int failed = 0;
    for (CompletableFuture<PushReceipt> p : pushes) {
      try {
        p.join();
      } catch (CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(PushFailedException.class);
        failed++;
      }
    }
    assertThat(failed).isEqualTo(PUSHES);

    // At once: the region is down (once), and the first failed push.
    assertThat(raised(Alert.Type.CONNECTION_FAILURE)).singleElement().satisfies(a -> {
      assertThat(a.destinationId()).isEqualTo("secondary");
      assertThat(a.message()).contains("Destination secondary (region westus2) is down");
    });
    assertThat(raised(Alert.Type.PUSH_FAILURE)).singleElement().satisfies(a -> {
      assertThat(a.destinationId()).isEqualTo("secondary");
      assertThat(a.transactionId()).isNotEmpty();
    });
    assertThat(f.events(DualPushEvent.Type.DESTINATION_DOWN)).hasSize(1);

    // When the window closes: one summary counting every other failed push.
    f.clock.advance(WINDOW);
    await().atMost(BOUND).until(() -> raised(Alert.Type.PUSH_FAILURE).size() == 2);
    assertThat(raised(Alert.Type.PUSH_FAILURE).get(1)).satisfies(s -> {
      assertThat(s.destinationId()).isEqualTo("secondary");
      assertThat(s.message()).contains("(and " + (PUSHES - 1) + " more in the last 60 s; first transactions: ");
    });

    // The region is back: the next push is the breaker's trial, it succeeds, and the resolve arrives with it.
    f.secondary.heal();
    assertThat(client.push(request(PUSHES)).join().state()).isEqualTo(TransactionState.VERIFIED);
    await().atMost(BOUND).until(() -> !recorded.resolves().isEmpty());
    assertThat(recorded.resolves()).singleElement().satisfies(r -> {
      assertThat(r.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
      assertThat(r.destinationId()).isEqualTo("secondary");
      assertThat(r.message()).contains("is back after");
    });
    assertThat(f.events(DualPushEvent.Type.DESTINATION_UP)).hasSize(1);

    // The whole stream, in order: nothing else was raised.
    assertThat(recorded.stream()).extracting(e -> e.alert().type() + (e.resolved() ? " resolved" : ""))
        .containsExactlyInAnyOrder("CONNECTION_FAILURE", "PUSH_FAILURE", "PUSH_FAILURE", "CONNECTION_FAILURE resolved");
    assertThat(recorded.stream().get(3).resolved()).isTrue();
    assertThat(recorded.alerts()).hasSize(3);
  }
}
