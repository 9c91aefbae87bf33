package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.AlertCoalescer;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.PushFailedException;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.RecordingAlertSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 against a real server: the secondary region's Azurite is stopped mid-run and started again. The alert
 * stream gets one CONNECTION_FAILURE naming the region while it is down (however many pushes fail) and a resolve
 * once a write reaches it again; the listeners get DESTINATION_DOWN and DESTINATION_UP.
 */
@DisplayName("A stopped Azurite region, in alerts and events")
class AzureOutageAlertsIT {
  @RegisterExtension static AzuriteExtension east = new AzuriteExtension("eastus2");
  @RegisterExtension static AzuriteExtension west = new AzuriteExtension("westus2");

  /** Liveness bound only. */
  private static final Duration BOUND = Duration.ofMinutes(2);

  @TempDir Path logDir;

  private final RecordingAlertSink recorded = new RecordingAlertSink();
  private final List<DualPushEvent> events = new CopyOnWriteArrayList<>();
  private final AtomicInteger keys = new AtomicInteger();

  private List<DualPushEvent> events(DualPushEvent.Type type) {
    return events.stream().filter(e -> e.type() == type && e.destinationId().equals("secondary")).toList();
  }

  private PushRequest next() {
    int i = keys.getAndIncrement();
    return PushRequest.of("tiles/" + i + ".json", ("tile " + i).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("stopped: one CONNECTION_FAILURE and DESTINATION_DOWN; started again: DESTINATION_UP and a resolve")
  void stopAndStart() throws Exception {
    String name = AzuriteClients.freshContainerName();
    AzureBlobDestination primary = new AzureBlobDestination(AzuriteClients.service(east).createBlobContainer(name));
    AzureBlobDestination secondary = new AzureBlobDestination(AzuriteClients.service(west).createBlobContainer(name));
    // A window far longer than the test: a resolve that arrives came from the region coming back, not from quiet.
    AlertCoalescer coalescer = AlertCoalescer.builder().sink(recorded).window(Duration.ofHours(1)).build();
    try (coalescer; DualPushClient client = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").region("eastus2").timeout(Duration.ofSeconds(30)).build(),
            primary)
        .destination(DestinationOptions.builder("secondary").region("westus2").timeout(Duration.ofSeconds(30)).build(),
            secondary)
        .transactionLog(logDir)
        .alertSink(coalescer)
        .listener(events::add)
        .retry(RetryOptions.builder().maxAttempts(1).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(2).openDelay(Duration.ofSeconds(1)).build())
        // Repairs off: the only calls to the region are the pushes', so the trial that finds it back is one.
        .repair(RepairOptions.builder().enabled(false).build())
        .buildClient()) {
      for (int i = 0; i < 3; i++) {
        assertThat(client.push(next()).state()).isEqualTo(TransactionState.VERIFIED);
      }
      assertThat(recorded.alerts()).isEmpty();

      west.stop();
      for (int i = 0; i < 6; i++) {
        assertThatThrownBy(() -> client.push(next())).isInstanceOf(PushFailedException.class);
      }

      assertThat(recorded.alertsOfType(Alert.Type.CONNECTION_FAILURE)).singleElement().satisfies(a -> {
        assertThat(a.destinationId()).isEqualTo("secondary");
        assertThat(a.message()).contains("Destination secondary (region westus2) is down")
            .doesNotContain(west.accountKey());
      });
      assertThat(recorded.alertsOfType(Alert.Type.PUSH_FAILURE)).singleElement()
          .satisfies(a -> assertThat(a.destinationId()).isEqualTo("secondary"));
      assertThat(events(DualPushEvent.Type.DESTINATION_DOWN)).hasSize(1);
      assertThat(events(DualPushEvent.Type.DESTINATION_UP)).isEmpty();
      assertThat(recorded.resolves()).isEmpty();

      west.start();
      // Pushes fail while the breaker still holds the region off; the first write let through finds it back.
      await().atMost(BOUND).pollInterval(Duration.ofMillis(200)).until(() -> {
        try {
          return client.push(next()).state() == TransactionState.VERIFIED;
        } catch (PushFailedException e) {
          return false;
        }
      });

      assertThat(events(DualPushEvent.Type.DESTINATION_UP)).hasSize(1);
      assertThat(recorded.resolves()).singleElement().satisfies(r -> {
        assertThat(r.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(r.destinationId()).isEqualTo("secondary");
        assertThat(r.message()).contains("Destination secondary (region westus2) is back after");
      });
      assertThat(recorded.alertsOfType(Alert.Type.CONNECTION_FAILURE)).hasSize(1);
      assertThat(events(DualPushEvent.Type.DESTINATION_DOWN)).hasSize(1);
    }
  }
}
