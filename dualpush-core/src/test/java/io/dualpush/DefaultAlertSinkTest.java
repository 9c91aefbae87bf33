package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.local.FileSystemDestination;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The client's default alert sink")
class DefaultAlertSinkTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("logs the first alert of a storm under io.dualpush.alerts at once and its summary when the client closes")
  void coalescedAndClosedWithTheClient() throws Exception {
    FileSystemDestination primary = new FileSystemDestination(Files.createDirectories(dir.resolve("primary")));
    FlakyDestination dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
    dr.failPuts.set(true);
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String beforeClose;
    try {
      try (DualPushClient client = new DualPushClientBuilder().destination("primary", primary).destination("dr", dr)
          .retry(RetryOptions.builder().maxAttempts(1).build()).transactionLog(dir.resolve("log")).buildClient()) {
        for (int i = 0; i < 3; i++) {
          String key = "gold/" + i + ".csv";
          assertThatThrownBy(() -> client.push(PushRequest.of(key, PushContent.ofBytes(new byte[] {1, 2}))))
              .isInstanceOf(PushFailedException.class);
        }
        beforeClose = captured.toString(StandardCharsets.UTF_8);
      }
    } finally {
      System.setErr(original);
    }
    String all = captured.toString(StandardCharsets.UTF_8);
    assertThat(beforeClose.lines().filter(l -> l.contains("io.dualpush.alerts - ALERT PUSH_FAILURE"))).hasSize(1);
    assertThat(all.lines().filter(l -> l.contains("io.dualpush.alerts - ALERT PUSH_FAILURE")
        && l.contains("(and 2 more in the last 60 s"))).hasSize(1);
  }
}
