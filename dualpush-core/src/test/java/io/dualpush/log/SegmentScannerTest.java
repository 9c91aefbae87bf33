package io.dualpush.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import java.io.ByteArrayOutputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("SegmentScanner")
class SegmentScannerTest {

  /** A segment large enough to be replayed on two threads, with its entries. */
  private static List<LogEntry> bigSegment(MemorySegmentStore store, long number) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<LogEntry> entries = new ArrayList<>();
    for (int i = 0; bytes.size() < 3 * SegmentScanner.PIPELINE_THRESHOLD; i++) {
      LogEntry e = LogEntries.started("t" + i, "big/" + i, LogEntries.at(i));
      entries.add(e);
      bytes.writeBytes(Frames.encode(e));
    }
    store.put(number, bytes.toByteArray());
    return entries;
  }

  private static boolean decoderAlive(String segment) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().equals("dualpush-log-replay " + segment));
  }

  private static long replay(MemorySegmentStore store, long number, java.util.function.Consumer<LogEntry> sink)
      throws Exception {
    LogSegment segment = new LogSegment(store.list().stream().filter(s -> s.number() == number).findFirst()
        .orElseThrow());
    try (SegmentReader reader = store.open(segment.info)) {
      return SegmentScanner.replay(reader, segment, true, store.capabilities().maxAppendBytes(), sink);
    }
  }

  @Nested
  @DisplayName("replaying a large segment on two threads")
  class Pipelined {

    @Test
    @DisplayName("hands every entry over in order")
    void inOrder() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      List<LogEntry> written = bigSegment(store, 0);
      List<LogEntry> seen = new ArrayList<>();
      assertThat(replay(store, 0, seen::add)).isEqualTo(store.bytes(0).length);
      assertThat(seen).isEqualTo(written);
    }

    @Test
    @DisplayName("regression: a consumer that throws does not leave the decoder thread blocked on a full queue")
    void consumerThrows() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      bigSegment(store, 7);
      AtomicInteger taken = new AtomicInteger();
      assertThatThrownBy(() -> replay(store, 7, e -> {
        if (taken.incrementAndGet() == 1) {
          throw new IllegalStateException("the fold failed");
        }
      })).isInstanceOf(IllegalStateException.class).hasMessage("the fold failed");
      await().atMost(Duration.ofSeconds(10)).until(() -> !decoderAlive("seg-7"));
    }

    @Test
    @DisplayName("regression: a consumer interrupted while replaying stops, and so does the decoder thread")
    void consumerInterrupted() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      bigSegment(store, 8);
      try {
        assertThatThrownBy(() -> replay(store, 8, e -> Thread.currentThread().interrupt()))
            .isInstanceOf(InterruptedIOException.class);
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
      } finally {
        Thread.interrupted();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !decoderAlive("seg-8"));
    }
  }
}
