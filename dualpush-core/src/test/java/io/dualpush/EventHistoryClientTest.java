package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Alert;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A client's event history, through real pushes")
class EventHistoryClientTest {
  @TempDir
  Path dir;

  private final ManualClock clock = new ManualClock();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private FileSystemDestination primary;
  private FlakyDestination dr;

  @BeforeEach
  void setUp() throws Exception {
    primary = new FileSystemDestination(Files.createDirectories(dir.resolve("primary")));
    dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
  }

  private DualPushClientBuilder builder() {
    return new DualPushClientBuilder().destination("primary", primary).destination("dr", dr)
        .transactionLog(dir.resolve("log")).clock(clock).alertSink(alerts::add)
        .retry(RetryOptions.none());
  }

  private static PushRequest request(String key, String content) {
    return PushRequest.of(key, PushContent.ofBytes(content.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<DualPushEvent.Type> eventTypes(HistoryPage page) {
    return page.entries().stream().filter(e -> e instanceof HistoryEntry.EventEntry)
        .map(e -> ((HistoryEntry.EventEntry) e).event().type()).toList();
  }

  @Test
  @DisplayName("holds each push's events under its transaction id, and every push of a key under that key")
  void byTransactionAndKey() {
    try (DualPushClient client = builder().historyDetail(HistoryDetail.STEPS).buildClient()) {
      PushReceipt first = client.push(request("gold/a.csv", "one"));
      PushReceipt other = client.push(request("gold/b.csv", "two"));
      PushReceipt second = client.push(request("gold/a.csv", "three"));

      HistoryQuery ofFirst = HistoryQuery.builder().transactionId(first.transactionId()).build();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> eventTypes(client.history().query(ofFirst)).contains(DualPushEvent.Type.PUSH_ACKNOWLEDGED));
      HistoryPage page = client.history().query(ofFirst);
      assertThat(page.entries()).allMatch(e -> e.transactionId().equals(first.transactionId())
          && e.key().equals("gold/a.csv"));
      List<DualPushEvent.Type> types = eventTypes(page);
      assertThat(types.get(0)).isEqualTo(DualPushEvent.Type.PUSH_STARTED);
      assertThat(types).containsOnlyOnce(DualPushEvent.Type.PUSH_STARTED, DualPushEvent.Type.PUSH_ACKNOWLEDGED);
      assertThat(page.entries().stream().filter(e -> e instanceof HistoryEntry.EventEntry ev
          && ev.event().type() == DualPushEvent.Type.COPY_VERIFIED).map(HistoryEntry::destinationId))
          .containsExactlyInAnyOrder("primary", "dr");
      assertThat(page.entries()).allMatch(e -> e.at().equals(clock.instant()));
      assertThat(page.truncated()).isFalse();

      HistoryPage ofKey = client.history().query(HistoryQuery.builder().key("gold/a.csv").build());
      assertThat(ofKey.entries().stream().map(HistoryEntry::transactionId).collect(Collectors.toSet()))
          .isEqualTo(Set.of(first.transactionId(), second.transactionId()));
      assertThat(ofKey.entries()).noneMatch(e -> e.transactionId().equals(other.transactionId()));
      assertThat(ofKey.entries()).isSortedAccordingTo((a, b) -> Long.compare(a.sequence(), b.sequence()));
      assertThat(client.history().capacity()).isEqualTo(EventHistory.DEFAULT_CAPACITY);
    }
  }

  @Test
  @DisplayName("by default records a push that went well as its one outcome, and a failing one with its failed copy")
  void outcomesByDefault() {
    try (DualPushClient client = builder().circuitBreaker(CircuitBreakerOptions.disabled()).buildClient()) {
      assertThat(client.history().detail()).isEqualTo(HistoryDetail.OUTCOMES);
      PushReceipt ok = client.push(request("gold/ok.csv", "one"));
      HistoryPage okPage = client.history().query(HistoryQuery.builder().transactionId(ok.transactionId()).build());
      assertThat(eventTypes(okPage)).containsExactly(DualPushEvent.Type.PUSH_ACKNOWLEDGED);
      assertThat(okPage.entries().get(0).key()).isEqualTo("gold/ok.csv");

      dr.failPuts.set(true);
      PushFailedException failed = (PushFailedException) org.assertj.core.api.Assertions
          .catchThrowable(() -> client.push(request("gold/bad.csv", "two")));
      HistoryPage badPage = client.history().query(
          HistoryQuery.builder().transactionId(failed.receipt().transactionId()).build());
      assertThat(eventTypes(badPage)).containsExactly(DualPushEvent.Type.COPY_FAILED,
          DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED);
      assertThat(badPage.entries().get(0).destinationId()).isEqualTo("dr");
      // The alert about it is there too, with the key the failed copy named.
      assertThat(badPage.entries()).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(HistoryEntry.AlertEntry.class,
          a -> assertThat(a.key()).isEqualTo("gold/bad.csv")));
    }
  }

  @Test
  @DisplayName("records a destination going down and back up, and the push failure's alert with its key, as state changes")
  void stateChanges() {
    dr.failPuts.set(true);
    try (DualPushClient client = builder()
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1).build()).buildClient()) {
      PushFailedException failed = (PushFailedException) org.assertj.core.api.Assertions
          .catchThrowable(() -> client.push(request("gold/a.csv", "one")));
      assertThat(failed).isNotNull();
      String tx = failed.receipt().transactionId();

      HistoryQuery changes = HistoryQuery.builder().stateChanges().build();
      HistoryPage down = client.history().query(changes);
      assertThat(down.entries()).filteredOn(e -> e instanceof HistoryEntry.EventEntry).singleElement()
          .isInstanceOfSatisfying(HistoryEntry.EventEntry.class, e -> {
            assertThat(e.event().type()).isEqualTo(DualPushEvent.Type.DESTINATION_DOWN);
            assertThat(e.destinationId()).isEqualTo("dr");
          });
      assertThat(down.entries()).filteredOn(e -> e instanceof HistoryEntry.AlertEntry a
          && a.alert().type() == Alert.Type.PUSH_FAILURE).singleElement()
          .isInstanceOfSatisfying(HistoryEntry.AlertEntry.class, a -> {
            assertThat(a.transactionId()).isEqualTo(tx);
            assertThat(a.key()).isEqualTo("gold/a.csv");
          });
      // The alert still reached the client's sink, and the history holds every alert the sink got.
      assertThat(alerts).extracting(Alert::type).contains(Alert.Type.PUSH_FAILURE);
      assertThat(client.history().query(HistoryQuery.builder().alertTypes(Alert.Type.values()).build()).entries())
          .extracting(e -> ((HistoryEntry.AlertEntry) e).alert()).containsExactlyElementsOf(alerts);

      dr.failPuts.set(false);
      clock.advance(Duration.ofSeconds(10));
      client.resetCircuitBreaker("dr");
      HistoryPage up = client.history().query(changes.nextPage(down));
      assertThat(up.entries()).hasSize(2);
      assertThat(up.entries().get(0)).isInstanceOfSatisfying(HistoryEntry.EventEntry.class, e -> {
        assertThat(e.event().type()).isEqualTo(DualPushEvent.Type.DESTINATION_UP);
        assertThat(e.event().elapsed()).isEqualTo(Duration.ofSeconds(10));
        assertThat(e.at()).isEqualTo(clock.instant());
      });
      // The outage's CONNECTION_FAILURE, resolved at once, is recorded as its resolve.
      assertThat(up.entries().get(1)).isInstanceOfSatisfying(HistoryEntry.AlertEntry.class, a -> {
        assertThat(a.resolved()).isTrue();
        assertThat(a.alert().type()).isEqualTo(Alert.Type.CONNECTION_FAILURE);
        assertThat(a.destinationId()).isEqualTo("dr");
      });
    }
  }

  @Test
  @DisplayName("the async client has the same history, and it stays readable after the client is closed")
  void asyncAndAfterClose() {
    DualPushAsyncClient client = builder().historyCapacity(50).buildAsyncClient();
    PushReceipt receipt;
    try {
      receipt = client.push(request("gold/a.csv", "one")).join();
    } finally {
      client.close();
    }
    assertThat(client.history().capacity()).isEqualTo(50);
    assertThat(client.history().query(HistoryQuery.builder().transactionId(receipt.transactionId()).build())
        .entries()).isNotEmpty();
  }

  @Test
  @DisplayName("with historyCapacity(0) records nothing, while the client's listeners still get every event")
  void off() {
    List<DualPushEvent> heard = new CopyOnWriteArrayList<>();
    dr.failPuts.set(true);
    try (DualPushClient client = builder().historyCapacity(0).listener(heard::add).buildClient()) {
      assertThatThrownBy(() -> client.push(request("gold/a.csv", "one"))).isInstanceOf(PushFailedException.class);
      assertThat(heard).extracting(DualPushEvent::type).contains(DualPushEvent.Type.PUSH_STARTED);
      assertThat(alerts).isNotEmpty();
      assertThat(client.history().capacity()).isZero();
      assertThat(client.history().size()).isZero();
      assertThat(client.history().query(HistoryQuery.all()).entries()).isEmpty();
    }
  }

  @Test
  @DisplayName("historyCapacity is refused, naming it, when negative, above 1,000,000 or set twice")
  void refused() {
    assertRefused(() -> new DualPushClientBuilder().historyCapacity(-1), "historyCapacity");
    assertRefused(() -> new DualPushClientBuilder().historyCapacity(EventHistory.MAX_CAPACITY + 1), "historyCapacity");
    assertRefused(() -> new DualPushClientBuilder().historyCapacity(5).historyCapacity(6), "historyCapacity");
  }
}
