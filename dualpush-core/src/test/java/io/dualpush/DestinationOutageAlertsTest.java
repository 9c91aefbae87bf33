package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A destination's outage, through the client")
class DestinationOutageAlertsTest {
  private static final Duration OPEN_DELAY = Duration.ofMinutes(1);
  /** Bounds the waits for the engine's threads; never asserted on. */
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final MovableClock clock = new MovableClock();
  private final List<Alert> raised = new CopyOnWriteArrayList<>();
  private final List<Alert> resolved = new CopyOnWriteArrayList<>();
  private final List<DualPushEvent> events = new CopyOnWriteArrayList<>();
  private final AlertSink recorder = new AlertSink() {
    @Override
    public void raise(Alert alert) {
      raised.add(alert);
    }

    @Override
    public void resolve(Alert r) {
      resolved.add(r);
    }
  };

  private List<Alert> raised(Alert.Type type) {
    return raised.stream().filter(a -> a.type() == type).toList();
  }

  private DualPushClientBuilder builder(FlakyDestination dr, AlertSink sink) throws Exception {
    FileSystemDestination primary = new FileSystemDestination(Files.createDirectories(dir.resolve("primary")));
    return new DualPushClientBuilder().destination("primary", primary).destination("dr", dr)
        .retry(RetryOptions.builder().maxAttempts(1).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1).openDelay(OPEN_DELAY).build())
        .clock(clock).alertSink(sink).listener(events::add).transactionLog(dir.resolve("log"));
  }

  private static PushRequest request(int i) {
    return PushRequest.of("gold/" + i + ".csv", PushContent.ofBytes(new byte[] {(byte) i, 2}));
  }

  @Test
  @DisplayName("raises one CONNECTION_FAILURE naming it when it goes down and hands the sink a resolve at once when it is back")
  void downThenUp() throws Exception {
    FlakyDestination dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
    // A window far longer than the test: a resolve that arrives came from the destination coming back, not from quiet.
    AlertCoalescer coalescer = AlertCoalescer.builder().sink(recorder).clock(clock).window(Duration.ofHours(1)).build();
    try (coalescer; DualPushClient client = builder(dr, coalescer).buildClient()) {
      dr.failPuts.set(true);
      for (int i = 0; i < 5; i++) {
        int n = i;
        assertThatThrownBy(() -> client.push(request(n))).isInstanceOf(PushFailedException.class);
      }

      assertThat(raised(Alert.Type.CONNECTION_FAILURE)).singleElement().satisfies(a -> {
        assertThat(a.destinationId()).isEqualTo("dr");
        assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH);
        assertThat(a.message()).contains("Destination dr is down").contains("injected failure");
      });
      assertThat(raised(Alert.Type.PUSH_FAILURE)).singleElement()
          .satisfies(a -> assertThat(a.destinationId()).isEqualTo("dr"));
      assertThat(resolved).isEmpty();

      dr.failPuts.set(false);
      clock.advance(OPEN_DELAY.plusSeconds(1));
      client.push(request(100));

      await().atMost(BOUND).until(() -> !resolved.isEmpty());
      assertThat(resolved).singleElement().satisfies(r -> {
        assertThat(r.type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(r.destinationId()).isEqualTo("dr");
        assertThat(r.message()).contains("Destination dr is back after 61.0 s");
      });
      assertThat(raised(Alert.Type.CONNECTION_FAILURE)).hasSize(1);
      assertThat(events).filteredOn(e -> e.destinationId().equals("dr")).extracting(DualPushEvent::type)
          .containsSubsequence(DualPushEvent.Type.DESTINATION_DOWN, DualPushEvent.Type.DESTINATION_UP)
          .filteredOn(t -> t == DualPushEvent.Type.DESTINATION_DOWN || t == DualPushEvent.Type.DESTINATION_UP)
          .hasSize(2);
    }
  }

  @Test
  @DisplayName("raises alerts with the severity alertSeverity gave their type, and others with their default")
  void severityOverride() throws Exception {
    FlakyDestination dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
    try (DualPushClient client = builder(dr, recorder)
        .alertSeverity(Alert.Type.PUSH_FAILURE, Alert.Severity.CRITICAL).buildClient()) {
      dr.failPuts.set(true);
      assertThatThrownBy(() -> client.push(request(1))).isInstanceOf(PushFailedException.class);
    }
    assertThat(raised(Alert.Type.PUSH_FAILURE)).singleElement()
        .satisfies(a -> assertThat(a.severity()).isEqualTo(Alert.Severity.CRITICAL));
    assertThat(raised(Alert.Type.CONNECTION_FAILURE)).singleElement()
        .satisfies(a -> assertThat(a.severity()).isEqualTo(Alert.Severity.HIGH));
  }

  @Test
  @DisplayName("alertSeverity refuses a null type or severity, naming it, and a type given twice")
  void severityRefusals() {
    assertThatThrownBy(() -> new DualPushClientBuilder().alertSeverity(null, Alert.Severity.LOW))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("type"));
    assertThatThrownBy(() -> new DualPushClientBuilder().alertSeverity(Alert.Type.DEAD_LETTER, null))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("severity"));
    assertThatThrownBy(() -> new DualPushClientBuilder().alertSeverity(Alert.Type.DEAD_LETTER, Alert.Severity.LOW)
        .alertSeverity(Alert.Type.DEAD_LETTER, Alert.Severity.HIGH))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("type"))
        .hasMessageContaining("alertSeverity of DEAD_LETTER was already set to LOW");
  }

  @Test
  @DisplayName("slowCopyThreshold defaults to half the timeout and refuses a non-positive value, naming it")
  void slowCopyThreshold() {
    assertThat(DestinationOptions.builder("a").timeout(Duration.ofSeconds(30)).build().slowCopyThreshold())
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(DestinationOptions.builder("a").slowCopyThreshold(Duration.ofMillis(250)).build().slowCopyThreshold())
        .isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> DestinationOptions.builder("a").slowCopyThreshold(Duration.ZERO))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("slowCopyThreshold"));
    assertThatThrownBy(() -> DestinationOptions.builder("a").slowCopyThreshold(null))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("slowCopyThreshold"));
  }

  /** A clock that moves only when told. */
  private static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
