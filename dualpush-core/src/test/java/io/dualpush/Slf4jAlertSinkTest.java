package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.Alert;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Slf4jAlertSink")
class Slf4jAlertSinkTest {

  /** Runs {@code action} and returns what it wrote to standard error (where slf4j-simple logs). */
  private static String capturingStderr(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      action.run();
      return buffer.toString(StandardCharsets.UTF_8);
    } finally {
      System.setErr(original);
    }
  }

  private static Alert alert(Alert.Severity severity, String tx, String destination) {
    return new Alert(Alert.Type.PUSH_FAILURE, severity, "copy missing", tx, destination, Instant.EPOCH);
  }

  @Test
  @DisplayName("logs under io.dualpush.alerts at a level matching the severity, naming destination and transaction")
  void levelsAndLogger() {
    Slf4jAlertSink sink = new Slf4jAlertSink();
    String out = capturingStderr(() -> {
      sink.raise(alert(Alert.Severity.CRITICAL, "tx-1", "east"));
      sink.raise(alert(Alert.Severity.HIGH, "", "west"));
      sink.raise(alert(Alert.Severity.MEDIUM, "tx-3", ""));
      sink.raise(alert(Alert.Severity.LOW, "", ""));
    });
    // Without the thread name; only this logger's lines, whatever else shares standard error.
    assertThat(out.lines().filter(l -> l.contains(" io.dualpush.alerts - ")).map(l -> l.replaceFirst("^\\[[^]]*\\] ", "")))
        .containsExactly(
        "ERROR io.dualpush.alerts - ALERT PUSH_FAILURE [CRITICAL] copy missing destination=east transaction=tx-1",
        "ERROR io.dualpush.alerts - ALERT PUSH_FAILURE [HIGH] copy missing destination=west",
        "WARN io.dualpush.alerts - ALERT PUSH_FAILURE [MEDIUM] copy missing transaction=tx-3",
        "INFO io.dualpush.alerts - ALERT PUSH_FAILURE [LOW] copy missing");
  }

  @Test
  @DisplayName("logs a resolve at INFO under io.dualpush.alerts, whatever its severity")
  void resolveAtInfo() {
    Slf4jAlertSink sink = new Slf4jAlertSink();
    String out = capturingStderr(() -> sink.resolve(new Alert(Alert.Type.CONNECTION_FAILURE, Alert.Severity.HIGH,
        "Destination east is back after 3.0 s", "", "east", Instant.EPOCH)));
    assertThat(out.lines().filter(l -> l.contains(" io.dualpush.alerts - ")).map(l -> l.replaceFirst("^\\[[^]]*\\] ", "")))
        .containsExactly("INFO io.dualpush.alerts - RESOLVED CONNECTION_FAILURE [HIGH] Destination east is back after "
            + "3.0 s destination=east");
  }
}
