package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DualPushEvent;
import io.dualpush.spi.Alert;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("The recording alert sink and listener keep what they receive")
class RecordingAlertSinkAndListenerTest {
  private static Alert alert(Alert.Type type, String txn) {
    return new Alert(type, type.defaultSeverity(), type + " of " + txn, txn, "primary", Instant.EPOCH);
  }

  private static DualPushEvent event(DualPushEvent.Type type, String txn) {
    return new DualPushEvent(type, txn, "k.csv", "primary", 1, Duration.ZERO, "");
  }

  @Nested
  @DisplayName("RecordingAlertSink")
  class Alerts {
    @Test
    @DisplayName("records alerts in order, filters by type and severity, and clears")
    void records() {
      RecordingAlertSink sink = new RecordingAlertSink();
      Alert dead = alert(Alert.Type.DEAD_LETTER, "t1");
      Alert retry = alert(Alert.Type.RETRY_FAILURE, "t2");
      Alert inconsistent = alert(Alert.Type.DATA_INCONSISTENCY, "t3");
      sink.raise(dead);
      sink.raise(retry);
      sink.raise(inconsistent);
      assertThat(sink.alerts()).containsExactly(dead, retry, inconsistent);
      assertThat(sink.alertsOfType(Alert.Type.RETRY_FAILURE)).containsExactly(retry);
      assertThat(sink.alertsOfType(Alert.Type.PUSH_FAILURE)).isEmpty();
      assertThat(sink.alertsAtLeast(Alert.Severity.HIGH)).containsExactly(dead, inconsistent);
      List<Alert> snapshot = sink.alerts();
      sink.clear();
      assertThat(sink.alerts()).isEmpty();
      assertThat(snapshot).hasSize(3);
    }

    @Test
    @DisplayName("records resolves apart from alerts, and both in one stream in the order received")
    void resolves() {
      RecordingAlertSink sink = new RecordingAlertSink();
      Alert down = alert(Alert.Type.CONNECTION_FAILURE, "");
      Alert back = alert(Alert.Type.CONNECTION_FAILURE, "");
      Alert failed = alert(Alert.Type.PUSH_FAILURE, "t1");
      sink.raise(down);
      sink.raise(failed);
      sink.resolve(back);
      assertThat(sink.alerts()).containsExactly(down, failed);
      assertThat(sink.resolves()).containsExactly(back);
      assertThat(sink.stream()).containsExactly(new RecordingAlertSink.Entry(down, false),
          new RecordingAlertSink.Entry(failed, false), new RecordingAlertSink.Entry(back, true));
      sink.clear();
      assertThat(sink.resolves()).isEmpty();
      assertThat(sink.stream()).isEmpty();
    }

    @Test
    @DisplayName("keeps every alert raised from several threads")
    void threadSafe() throws InterruptedException {
      RecordingAlertSink sink = new RecordingAlertSink();
      Concurrently.run(8, t -> () -> {
        for (int i = 0; i < 500; i++) {
          sink.raise(alert(Alert.Type.PUSH_FAILURE, t + "-" + i));
        }
        return null;
      });
      assertThat(sink.alerts()).hasSize(4000);
    }
  }

  @Nested
  @DisplayName("RecordingListener")
  class Events {
    @Test
    @DisplayName("records events in order, filters by type and transaction, and clears")
    void records() {
      RecordingListener listener = new RecordingListener();
      DualPushEvent started = event(DualPushEvent.Type.PUSH_STARTED, "t1");
      DualPushEvent written = event(DualPushEvent.Type.COPY_WRITTEN, "t1");
      DualPushEvent other = event(DualPushEvent.Type.COPY_WRITTEN, "t2");
      listener.onEvent(started);
      listener.onEvent(written);
      listener.onEvent(other);
      assertThat(listener.events()).containsExactly(started, written, other);
      assertThat(listener.eventsOfType(DualPushEvent.Type.COPY_WRITTEN)).containsExactly(written, other);
      assertThat(listener.eventsOf("t1")).containsExactly(started, written);
      listener.clear();
      assertThat(listener.events()).isEmpty();
    }

    @Test
    @DisplayName("keeps every event received from several threads")
    void threadSafe() throws InterruptedException {
      RecordingListener listener = new RecordingListener();
      Concurrently.run(8, t -> () -> {
        for (int i = 0; i < 500; i++) {
          listener.onEvent(event(DualPushEvent.Type.COPY_VERIFIED, t + "-" + i));
        }
        return null;
      });
      assertThat(listener.events()).hasSize(4000);
      assertThat(listener.eventsOfType(DualPushEvent.Type.COPY_VERIFIED)).hasSize(4000);
    }
  }
}
