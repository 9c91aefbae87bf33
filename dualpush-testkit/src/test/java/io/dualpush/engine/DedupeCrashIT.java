package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionState;
import io.dualpush.local.FileSystemDestination;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * G3 across a kill -9 with the embedded default: a child JVM ({@link DedupeCrashChild}) pushes a
 * message on the file log and is SIGKILLed; a client restarted on the same directories must treat the
 * message id as processed.
 */
@DisplayName("The embedded default remembers message ids across a SIGKILL (G3)")
class DedupeCrashIT {
  @TempDir
  Path dir;
  private Path log;
  private Path primary;
  private Path secondary;

  @BeforeEach
  void setUp() throws IOException {
    log = Files.createDirectories(dir.resolve("log"));
    primary = Files.createDirectories(dir.resolve("primary"));
    secondary = Files.createDirectories(dir.resolve("secondary"));
  }

  /** Starts the child, waits for its line starting with {@code prefix}, SIGKILLs it and returns the line's words. */
  private String[] runAndKill(String mode, String messageId, String prefix) throws Exception {
    String classpath = Stream.of(DedupeCrashChild.class, DualPushClient.class, org.slf4j.LoggerFactory.class)
        .map(DedupeCrashIT::location).distinct().collect(Collectors.joining(File.pathSeparator));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(List.of(java.toString(), "-cp", classpath, DedupeCrashChild.class.getName(),
        log.toString(), primary.toString(), secondary.toString(), mode, messageId))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
        try {
          for (String l = out.readLine(); l != null; l = out.readLine()) {
            if (l.startsWith(prefix)) {
              return l;
            }
          }
          return "";
        } catch (IOException e) {
          return "";
        }
      });
      String found = line.get(60, TimeUnit.SECONDS);
      assertThat(found).as("the child's %s line", prefix).startsWith(prefix);
      return found.split(" ");
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close, nothing flushed
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private DualPushClient restarted() {
    return new DualPushClientBuilder()
        .destination("primary", new FileSystemDestination(primary))
        .destination("secondary", new FileSystemDestination(secondary))
        .transactionLog(log).buildClient();
  }

  private static PushRequest again(String messageId) {
    return PushRequest.builder("gold/crash.csv", PushContent.ofBytes("pushed again".getBytes(StandardCharsets.UTF_8)))
        .messageId(messageId).build();
  }

  @Nested
  @DisplayName("A child JVM killed")
  class Killed {
    @Test
    @DisplayName("right after its push was acknowledged: a re-push after restart is a duplicate with the recorded outcome")
    void afterAcknowledgement() throws Exception {
      String[] done = runAndKill("done", "msg-acked", "DONE");

      try (DualPushClient client = restarted()) {
        PushReceipt receipt = client.push(again("msg-acked"));
        assertThat(receipt.duplicate()).isTrue();
        assertThat(receipt.transactionId()).isEqualTo(done[1]);
        assertThat(receipt.md5()).isEqualTo(done[2]);
        assertThat(receipt.size()).isEqualTo(Long.parseLong(done[3]));
        assertThat(receipt.state()).isEqualTo(TransactionState.VERIFIED);
      }
      assertThat(Files.readString(primary.resolve("gold/crash.csv"))).isEqualTo("pushed by the child msg-acked");
    }

    @Test
    @DisplayName("after only the Started record was durable: a re-push after restart is a duplicate of that transaction")
    void afterStartedOnly() throws Exception {
      String[] started = runAndKill("started", "msg-open", "STARTED");

      try (DualPushClient client = restarted()) {
        PushReceipt receipt = client.push(again("msg-open"));
        assertThat(receipt.duplicate()).isTrue();
        assertThat(receipt.transactionId()).isEqualTo(started[1]);
      }
      assertThat(secondary.resolve("gold/crash.csv")).as("the re-push wrote nothing").doesNotExist();
    }

    @Test
    @DisplayName("before its push was acknowledged, with one copy written: the re-push is a duplicate of the transaction recovery finishes")
    void beforeAcknowledgement() throws Exception {
      String[] started = runAndKill("copied", "msg-copied", "STARTED");

      try (DualPushClient client = restarted()) {
        PushReceipt receipt = client.push(again("msg-copied"));
        assertThat(receipt.duplicate()).isTrue();
        assertThat(receipt.transactionId()).isEqualTo(started[1]);
        await().atMost(Duration.ofSeconds(30)).until(() -> client.receipt(started[1])
            .map(r -> r.state() == TransactionState.VERIFIED).orElse(false));
      }
      assertThat(Files.readString(secondary.resolve("gold/crash.csv"))).isEqualTo("pushed by the child msg-copied");
    }

    @Test
    @DisplayName("twice in a row: an id acknowledged before the first kill is still a duplicate after the second")
    void twice() throws Exception {
      String[] done = runAndKill("done", "msg-first", "DONE");
      runAndKill("done", "msg-second", "DONE");

      try (DualPushClient client = restarted()) {
        assertThat(client.push(again("msg-first")).transactionId()).isEqualTo(done[1]);
        assertThat(client.push(again("msg-second")).duplicate()).isTrue();
      }
    }
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
