package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionState;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.Md5;
import io.dualpush.testkit.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * G3 across a restart with the embedded default: with the file log and no dedupe store set, a
 * message id processed before a close is a duplicate after the reopen, within its TTL.
 */
@DisplayName("The embedded default remembers message ids across a restart (G3)")
class DurableDedupeTest {
  private static final Duration TTL = Duration.ofDays(7);

  @TempDir
  Path dir;
  private final ManualClock clock = new ManualClock();
  private Path logDir;
  private CountingDestination primary;
  private CountingDestination secondary;

  @BeforeEach
  void setUp() throws IOException {
    logDir = Files.createDirectories(dir.resolve("log"));
    primary = new CountingDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("primary"))));
    secondary = new CountingDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("secondary"))));
  }

  private DualPushClientBuilder builder() {
    return new DualPushClientBuilder().destination("primary", primary).destination("secondary", secondary)
        .clock(clock).repair(io.dualpush.RepairOptions.builder().enabled(false).build());
  }

  /** A client on the file log in {@code logDir} with every default, as a new user builds it. */
  private DualPushClient client() {
    return builder().transactionLog(logDir).buildClient();
  }

  private static PushRequest request(String key, String content, String messageId) {
    return PushRequest.builder(key, PushContent.ofBytes(content.getBytes(StandardCharsets.UTF_8)))
        .messageId(messageId).build();
  }

  private PushReceipt pushOnce(String key, String content, String messageId) {
    try (DualPushClient c = client()) {
      return c.push(request(key, content, messageId));
    }
  }

  private List<Path> journalFiles() throws IOException {
    try (Stream<Path> files = Files.list(logDir.resolve("dedupe"))) {
      return files.sorted().toList();
    }
  }

  @Nested
  @DisplayName("Across a close and reopen in the same JVM")
  class Restart {
    @Test
    @DisplayName("a message id pushed before the restart is a duplicate after it, with the first transaction, and nothing is written")
    void duplicateAfterRestart() {
      PushReceipt first = pushOnce("gold/a.csv", "one", "msg-1");
      int puts = primary.puts() + secondary.puts();

      PushReceipt again = pushOnce("gold/a.csv", "changed", "msg-1");

      assertThat(first.duplicate()).isFalse();
      assertThat(again.duplicate()).isTrue();
      assertThat(again.transactionId()).isEqualTo(first.transactionId());
      assertThat(again.md5()).isEqualTo(first.md5());
      assertThat(again.size()).isEqualTo(3);
      assertThat(again.state()).isEqualTo(TransactionState.VERIFIED);
      assertThat(primary.puts() + secondary.puts()).isEqualTo(puts);
    }

    @Test
    @DisplayName("after the log compacted the transaction away, the duplicate carries the recorded transaction id, MD5 and size")
    void duplicateAfterCompaction() {
      Consumer<Consumer<DualPushClient>> run = body -> {
        try (FileTransactionLog log = FileTransactionLog.builder(logDir).segmentSize(4096).retainSegments(0)
            .terminalRetention(0).compactAfterSegments(0).open();
            DualPushClient c = builder().transactionLog(log).buildClient()) {
          body.accept(c);
        }
      };
      PushReceipt[] first = new PushReceipt[1];
      run.accept(c -> {
        first[0] = c.push(request("gold/b.csv", "remember me", "msg-b"));
        for (int i = 0; i < 100; i++) {
          c.push("gold/filler-" + i + ".csv", ("filler " + i).getBytes(StandardCharsets.UTF_8));
        }
      });
      int puts = primary.puts() + secondary.puts();
      PushReceipt[] again = new PushReceipt[1];
      run.accept(c -> again[0] = c.push(request("gold/b.csv", "other", "msg-b")));

      assertThat(again[0].duplicate()).isTrue();
      assertThat(again[0].state()).as("the log no longer holds it").isEqualTo(TransactionState.FORGOTTEN);
      assertThat(again[0].transactionId()).isEqualTo(first[0].transactionId());
      assertThat(again[0].md5()).isEqualTo(Md5.of("remember me".getBytes(StandardCharsets.UTF_8)));
      assertThat(again[0].size()).isEqualTo(11);
      assertThat(primary.puts() + secondary.puts()).isEqualTo(puts);
    }

    @Test
    @DisplayName("many ids survive several restarts, and a new id is still processed")
    void manyIdsSeveralRestarts() {
      try (DualPushClient c = client()) {
        for (int i = 0; i < 600; i++) {
          c.push(request("gold/m-" + i + ".csv", "v" + i, "msg-" + i));
        }
      }
      try (DualPushClient c = client()) {
        c.push(request("gold/new.csv", "new", "msg-new"));
      }
      try (DualPushClient c = client()) {
        for (int i = 0; i < 600; i += 7) {
          assertThat(c.push(request("gold/m-" + i + ".csv", "changed", "msg-" + i)).duplicate()).as("msg-%d", i).isTrue();
        }
        assertThat(c.push(request("gold/new.csv", "x", "msg-new")).duplicate()).isTrue();
        assertThat(c.push(request("gold/other.csv", "x", "msg-other")).duplicate()).isFalse();
      }
    }
  }

  @Nested
  @DisplayName("The TTL")
  class Ttl {
    @Test
    @DisplayName("an id is still a duplicate just inside its TTL after a restart")
    void insideTtl() {
      pushOnce("gold/c.csv", "one", "msg-c");
      clock.advance(TTL.minusMinutes(1));
      assertThat(pushOnce("gold/c.csv", "two", "msg-c").duplicate()).isTrue();
    }

    @Test
    @DisplayName("an id is processed again once its TTL has run out, and its expired journal file is deleted")
    void afterTtl() throws IOException {
      PushReceipt first = pushOnce("gold/c.csv", "one", "msg-c");
      List<Path> before = journalFiles();
      clock.advance(TTL.plusMinutes(1));

      PushReceipt again = pushOnce("gold/c.csv", "two", "msg-c");

      assertThat(again.duplicate()).isFalse();
      assertThat(again.transactionId()).isNotEqualTo(first.transactionId());
      assertThat(journalFiles()).doesNotContainAnyElementsOf(before);
    }

    @Test
    @DisplayName("a dedupeTtl set on the builder is the TTL the restart honours")
    void builderTtl() {
      try (DualPushClient c = builder().transactionLog(logDir).dedupeTtl(Duration.ofHours(1)).buildClient()) {
        c.push(request("gold/d.csv", "one", "msg-d"));
      }
      clock.advance(Duration.ofMinutes(61));
      try (DualPushClient c = builder().transactionLog(logDir).dedupeTtl(Duration.ofHours(1)).buildClient()) {
        assertThat(c.push(request("gold/d.csv", "two", "msg-d")).duplicate()).isFalse();
      }
    }
  }

  @Nested
  @DisplayName("A damaged journal (G8)")
  class Damage {
    @Test
    @DisplayName("a torn tail is truncated, and the ids the log still holds are remembered all the same")
    void tornTail() throws IOException {
      PushReceipt first = pushOnce("gold/e.csv", "one", "msg-e");
      Path last = journalFiles().get(journalFiles().size() - 1);
      long length = Files.size(last);
      // A record cut short: its header promises more bytes than follow.
      Files.write(last, ByteBuffer.allocate(10).putInt(200).putInt(7).array(), StandardOpenOption.APPEND);

      PushReceipt again = pushOnce("gold/e.csv", "two", "msg-e");

      assertThat(again.duplicate()).isTrue();
      assertThat(again.transactionId()).isEqualTo(first.transactionId());
      assertThat(Files.size(last)).isEqualTo(length);
    }

    @Test
    @DisplayName("a journal cut in the middle of its last record loses only ids the log still holds")
    void cutRecord() throws IOException {
      PushReceipt first = pushOnce("gold/f.csv", "one", "msg-f");
      try (DualPushClient c = client()) {
        c.push(request("gold/g.csv", "one", "msg-g"));
      }
      Path last = journalFiles().stream().filter(p -> size(p) > 0).reduce((a, b) -> b).orElseThrow();
      try (var ch = Files.newByteChannel(last, StandardOpenOption.WRITE)) {
        ch.truncate(Files.size(last) - 5);
      }

      try (DualPushClient c = client()) {
        assertThat(c.push(request("gold/f.csv", "two", "msg-f")).transactionId()).isEqualTo(first.transactionId());
        assertThat(c.push(request("gold/g.csv", "two", "msg-g")).duplicate()).isTrue();
      }
    }

    @Test
    @DisplayName("a damaged record with a whole record after it stops the build loudly, naming the file and offset")
    void damageInTheMiddle() throws IOException {
      try (DualPushClient c = client()) {
        c.push(request("gold/h.csv", "one", "msg-h"));
        c.push(request("gold/i.csv", "one", "msg-i"));
      }
      Path file = journalFiles().stream().filter(p -> size(p) > 0).findFirst().orElseThrow();
      byte[] bytes = Files.readAllBytes(file);
      bytes[12] ^= 0x55; // inside the first record's entry: its checksum no longer matches
      Files.write(file, bytes);

      assertThatThrownBy(this::reopen)
          .isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining(file.getFileName().toString())
          .hasMessageContaining("offset 0")
          .satisfies(e -> assertThat(((TransactionLogCorruptedException) e).segment())
              .isEqualTo(file.getFileName().toString()));
    }

    private void reopen() {
      client().close();
    }

    private static long size(Path p) {
      try {
        return Files.size(p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Nested
  @DisplayName("A dedupe store set by the user")
  class UserStore {
    @Test
    @DisplayName("is used as before: nothing is journaled beside the log, and it forgets on restart as it always did")
    void userStoreUnchanged() {
      try (DualPushClient c = builder().transactionLog(logDir).dedupeStore(new InProcessDedupeStore(clock)).buildClient()) {
        c.push(request("gold/j.csv", "one", "msg-j"));
      }
      assertThat(logDir.resolve("dedupe")).doesNotExist();
      try (DualPushClient c = builder().transactionLog(logDir).dedupeStore(new InProcessDedupeStore(clock)).buildClient()) {
        assertThat(c.push(request("gold/j.csv", "two", "msg-j")).duplicate()).isFalse();
      }
    }
  }
}
