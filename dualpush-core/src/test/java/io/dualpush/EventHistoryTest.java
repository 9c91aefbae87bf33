package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("EventHistory")
class EventHistoryTest {
  private final ManualClock clock = new ManualClock();

  private static DualPushEvent event(DualPushEvent.Type type, String tx, String key, String destination) {
    return new DualPushEvent(type, tx, key, destination, 0, Duration.ZERO, "");
  }

  private static DualPushEvent copy(int i) {
    return event(DualPushEvent.Type.COPY_WRITTEN, "tx-" + i, "k/" + i, "east");
  }

  private Alert alert(Alert.Type type, String tx, String destination) {
    return new Alert(type, type.defaultSeverity(), "something failed", tx, destination, clock.instant());
  }

  private static List<Long> sequences(HistoryPage page) {
    return page.entries().stream().map(HistoryEntry::sequence).toList();
  }

  /** Every entry the query matches, following the pages' cursors; asserts nothing was missed. */
  private static List<HistoryEntry> readAll(EventHistory history, HistoryQuery query) {
    List<HistoryEntry> all = new ArrayList<>();
    HistoryQuery q = query;
    HistoryPage page;
    do {
      page = history.query(q);
      assertThat(page.truncated()).as("truncated").isFalse();
      assertThat(page.entries()).hasSizeLessThanOrEqualTo(q.limit());
      all.addAll(page.entries());
      q = q.nextPage(page);
    } while (page.more());
    return all;
  }

  @Nested
  @DisplayName("is bounded")
  class Bounded {
    @Test
    @DisplayName("with capacity 5 and 8 entries recorded it holds the newest 5, has dropped 3 and says a read from the start missed 3")
    void oldestFallOff() {
      EventHistory history = new EventHistory(5, clock);
      for (int i = 1; i <= 8; i++) {
        history.record(copy(i));
      }
      assertThat(history.capacity()).isEqualTo(5);
      assertThat(history.size()).isEqualTo(5);
      assertThat(history.dropped()).isEqualTo(3);
      assertThat(history.lastSequence()).isEqualTo(8);

      HistoryPage page = history.query(HistoryQuery.all());
      assertThat(sequences(page)).containsExactly(4L, 5L, 6L, 7L, 8L);
      assertThat(page.entries()).extracting(HistoryEntry::transactionId)
          .containsExactly("tx-4", "tx-5", "tx-6", "tx-7", "tx-8");
      assertThat(page.truncated()).isTrue();
      assertThat(page.missed()).isEqualTo(3);
      assertThat(page.next()).isEqualTo(8);
      assertThat(page.more()).isFalse();
    }

    @Test
    @DisplayName("a page whose cursor's successors fell off between two reads is truncated and counts them")
    void truncatedBetweenPages() {
      EventHistory history = new EventHistory(5, clock);
      for (int i = 1; i <= 5; i++) {
        history.record(copy(i));
      }
      HistoryPage first = history.query(HistoryQuery.builder().limit(2).build());
      assertThat(sequences(first)).containsExactly(1L, 2L);
      assertThat(first.truncated()).isFalse();
      assertThat(first.more()).isTrue();
      assertThat(first.next()).isEqualTo(2);

      for (int i = 6; i <= 9; i++) {
        history.record(copy(i));
      }
      // 3 and 4 fell off before the reader came back for them.
      HistoryPage second = history.query(HistoryQuery.builder().limit(2).build().nextPage(first));
      assertThat(second.truncated()).isTrue();
      assertThat(second.missed()).isEqualTo(2);
      assertThat(sequences(second)).containsExactly(5L, 6L);
      assertThat(second.more()).isTrue();

      HistoryPage third = history.query(HistoryQuery.builder().limit(2).build().nextPage(second));
      assertThat(third.truncated()).isFalse();
      assertThat(third.missed()).isZero();
      assertThat(sequences(third)).containsExactly(7L, 8L);
    }
  }

  @Nested
  @DisplayName("answers \"what happened to object X?\"")
  class ByObject {
    @Test
    @DisplayName("by transaction id: that transaction's events and alerts only, oldest first")
    void byTransaction() {
      EventHistory history = new EventHistory(100, clock);
      history.record(event(DualPushEvent.Type.PUSH_STARTED, "tx-1", "gold/a.csv", ""));
      history.record(event(DualPushEvent.Type.PUSH_STARTED, "tx-2", "gold/b.csv", ""));
      history.record(event(DualPushEvent.Type.COPY_FAILED, "tx-1", "gold/a.csv", "dr"));
      history.record(alert(Alert.Type.PUSH_FAILURE, "tx-1", ""));
      history.record(event(DualPushEvent.Type.COPY_VERIFIED, "tx-2", "gold/b.csv", "dr"));

      HistoryPage page = history.query(HistoryQuery.builder().transactionId("tx-1").build());
      assertThat(sequences(page)).containsExactly(1L, 3L, 4L);
      assertThat(page.entries().get(2)).isInstanceOfSatisfying(HistoryEntry.AlertEntry.class, a -> {
        assertThat(a.alert().type()).isEqualTo(Alert.Type.PUSH_FAILURE);
        assertThat(a.key()).as("the key of its transaction, found in the history").isEqualTo("gold/a.csv");
      });
    }

    @Test
    @DisplayName("by key: every push of that key, with the alerts of those pushes")
    void byKey() {
      EventHistory history = new EventHistory(100, clock);
      history.record(event(DualPushEvent.Type.PUSH_STARTED, "tx-1", "gold/a.csv", ""));
      history.record(event(DualPushEvent.Type.PUSH_STARTED, "tx-2", "gold/b.csv", ""));
      history.record(alert(Alert.Type.DEAD_LETTER, "tx-1", ""));
      history.record(event(DualPushEvent.Type.PUSH_STARTED, "tx-3", "gold/a.csv", ""));
      history.record(alert(Alert.Type.DEAD_LETTER, "tx-2", ""));

      HistoryPage page = history.query(HistoryQuery.builder().key("gold/a.csv").build());
      assertThat(sequences(page)).containsExactly(1L, 3L, 4L);
      assertThat(page.entries()).extracting(HistoryEntry::transactionId).containsExactly("tx-1", "tx-1", "tx-3");
    }

    @Test
    @DisplayName("an alert whose transaction has no entry left keeps an empty key")
    void alertWithoutKnownKey() {
      EventHistory history = new EventHistory(100, clock);
      history.record(alert(Alert.Type.DEAD_LETTER, "tx-gone", ""));
      history.record(alert(Alert.Type.LEASE_LOST, "", ""));
      assertThat(history.query(HistoryQuery.all()).entries()).extracting(HistoryEntry::key).containsExactly("", "");
    }
  }

  @Nested
  @DisplayName("answers \"what changed in the last minute?\"")
  class ByTimeAndKind {
    @Test
    @DisplayName("since is inclusive and until exclusive, by the client's clock")
    void window() {
      EventHistory history = new EventHistory(100, clock);
      Instant t0 = clock.instant();
      for (int i = 1; i <= 5; i++) {
        history.record(copy(i));
        clock.advance(Duration.ofSeconds(30));
      }
      // Stamped t0, t0+30s, ..., t0+120s.
      assertThat(history.query(HistoryQuery.all()).entries()).extracting(HistoryEntry::at)
          .containsExactly(t0, t0.plusSeconds(30), t0.plusSeconds(60), t0.plusSeconds(90), t0.plusSeconds(120));
      assertThat(sequences(history.query(HistoryQuery.builder().since(t0.plusSeconds(60)).build())))
          .containsExactly(3L, 4L, 5L);
      assertThat(sequences(history.query(HistoryQuery.builder().until(t0.plusSeconds(60)).build())))
          .containsExactly(1L, 2L);
      assertThat(sequences(history.query(HistoryQuery.builder().since(t0.plusSeconds(30))
          .until(t0.plusSeconds(90)).build()))).containsExactly(2L, 3L);
    }

    @Test
    @DisplayName("state changes are destinations going down or up and the alerts, optionally of one destination")
    void stateChanges() {
      EventHistory history = new EventHistory(100, clock);
      history.record(copy(1));
      history.record(new DualPushEvent(DualPushEvent.Type.DESTINATION_DOWN, "", "", "dr", 0, Duration.ZERO,
          "DestinationException"));
      history.record(event(DualPushEvent.Type.COPY_FAILED, "tx-2", "k/2", "dr"));
      history.record(alert(Alert.Type.PUSH_FAILURE, "tx-2", "dr"));
      history.record(new DualPushEvent(DualPushEvent.Type.DESTINATION_UP, "", "", "dr", 0, Duration.ofSeconds(9), ""));
      history.record(new DualPushEvent(DualPushEvent.Type.DESTINATION_DOWN, "", "", "east", 0, Duration.ZERO, "x"));

      HistoryPage changes = history.query(HistoryQuery.builder().stateChanges().build());
      assertThat(sequences(changes)).containsExactly(2L, 4L, 5L, 6L);
      assertThat(changes.entries()).allMatch(HistoryEntry::stateChange);
      assertThat(sequences(history.query(HistoryQuery.builder().stateChanges().destinationId("dr").build())))
          .containsExactly(2L, 4L, 5L);
    }

    @Test
    @DisplayName("event types alone leave out alerts, alert types alone leave out events, both take either")
    void types() {
      EventHistory history = new EventHistory(100, clock);
      history.record(copy(1));
      history.record(event(DualPushEvent.Type.COPY_FAILED, "tx-2", "k/2", "dr"));
      history.record(alert(Alert.Type.PUSH_FAILURE, "tx-2", "dr"));
      history.record(alert(Alert.Type.DATA_INCONSISTENCY, "tx-3", "dr"));

      assertThat(sequences(history.query(HistoryQuery.builder().eventTypes(DualPushEvent.Type.COPY_FAILED,
          DualPushEvent.Type.COPY_WRITTEN).build()))).containsExactly(1L, 2L);
      assertThat(sequences(history.query(HistoryQuery.builder().alertTypes(Alert.Type.DATA_INCONSISTENCY).build())))
          .containsExactly(4L);
      assertThat(sequences(history.query(HistoryQuery.builder().eventTypes(DualPushEvent.Type.COPY_FAILED)
          .alertTypes(Alert.Type.PUSH_FAILURE).build()))).containsExactly(2L, 3L);
    }
  }

  @Nested
  @DisplayName("pages")
  class Paging {
    @Test
    @DisplayName("over more than one page return every matching entry exactly once, in sequence order")
    void everyEntryOnce() {
      EventHistory history = new EventHistory(1000, clock);
      for (int i = 1; i <= 250; i++) {
        history.record(event(i % 2 == 0 ? DualPushEvent.Type.COPY_FAILED : DualPushEvent.Type.COPY_WRITTEN,
            "tx-" + i, "k/" + i, "east"));
      }
      HistoryQuery failed = HistoryQuery.builder().eventTypes(DualPushEvent.Type.COPY_FAILED).limit(7).build();
      List<HistoryEntry> all = new ArrayList<>();
      int pages = 0;
      HistoryQuery q = failed;
      HistoryPage page;
      do {
        page = history.query(q);
        pages++;
        assertThat(page.entries()).hasSizeLessThanOrEqualTo(7);
        assertThat(page.truncated()).isFalse();
        all.addAll(page.entries());
        q = q.nextPage(page);
      } while (page.more());
      assertThat(pages).isEqualTo(18);
      assertThat(all).extracting(HistoryEntry::transactionId)
          .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 125).mapToObj(i -> "tx-" + 2 * i).toList());
      assertThat(page.next()).isEqualTo(250);
    }

    @Test
    @DisplayName("the last page's cursor follows the history: polling with it returns only what was recorded since")
    void followsTheHistory() {
      EventHistory history = new EventHistory(100, clock);
      history.record(copy(1));
      history.record(copy(2));
      HistoryQuery q = HistoryQuery.all();
      HistoryPage page = history.query(q);
      assertThat(page.more()).isFalse();
      q = q.nextPage(page);
      assertThat(history.query(q).entries()).isEmpty();
      assertThat(history.query(q).next()).isEqualTo(2);

      history.record(copy(3));
      assertThat(sequences(history.query(q))).containsExactly(3L);
      assertThat(sequences(history.query(HistoryQuery.builder().after(history.lastSequence() - 1).build())))
          .containsExactly(3L);
    }

    @Test
    @DisplayName("a page is full at its limit, and says more follow")
    void limit() {
      EventHistory history = new EventHistory(2000, clock);
      for (int i = 1; i <= 1500; i++) {
        history.record(copy(i));
      }
      HistoryPage page = history.query(HistoryQuery.builder().limit(HistoryQuery.MAX_LIMIT).build());
      assertThat(page.entries()).hasSize(1000);
      assertThat(page.next()).isEqualTo(1000);
      assertThat(page.more()).isTrue();
      assertThat(history.query(HistoryQuery.all()).entries()).hasSize(HistoryQuery.DEFAULT_LIMIT);
    }
  }

  @Nested
  @DisplayName("under concurrent writers")
  class Concurrency {
    private static final int WRITERS = 4;
    private static final int PER_WRITER = 20_000;

    /** Records {@code PER_WRITER} events on each of {@code WRITERS} threads while this thread pages. */
    private List<HistoryPage> writeWhileReading(EventHistory history, int limit) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      CountDownLatch start = new CountDownLatch(1);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
          int writer = w;
          writers.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < PER_WRITER; i++) {
              String id = writer + "-" + i;
              history.record(new DualPushEvent(DualPushEvent.Type.COPY_WRITTEN, "tx-" + id, "k/" + id, "w" + writer,
                  (long) writer * PER_WRITER + i, Duration.ZERO, id));
            }
            return null;
          }));
        }
        List<HistoryPage> pages = new ArrayList<>();
        HistoryQuery q = HistoryQuery.builder().limit(limit).build();
        start.countDown();
        long total = (long) WRITERS * PER_WRITER;
        HistoryPage page;
        do {
          page = history.query(q);
          pages.add(page);
          q = q.nextPage(page);
        } while (page.next() < total);
        for (Future<?> f : writers) {
          f.get(1, TimeUnit.MINUTES);
        }
        return pages;
      } finally {
        pool.shutdownNow();
      }
    }

    private void assertWhole(HistoryEntry e) {
      DualPushEvent ev = ((HistoryEntry.EventEntry) e).event();
      String id = ev.detail();
      assertThat(ev.transactionId()).isEqualTo("tx-" + id);
      assertThat(ev.key()).isEqualTo("k/" + id);
      int writer = Integer.parseInt(id.substring(0, id.indexOf('-')));
      int i = Integer.parseInt(id.substring(id.indexOf('-') + 1));
      assertThat(ev.destinationId()).isEqualTo("w" + writer);
      assertThat(ev.bytes()).isEqualTo((long) writer * PER_WRITER + i);
    }

    @Test
    @DisplayName("a reader paging while 4 threads record sees every entry once, whole, in sequence and per-writer order")
    void nothingTornOrDuplicated() throws Exception {
      EventHistory history = new EventHistory(WRITERS * PER_WRITER, clock);
      List<HistoryPage> pages = writeWhileReading(history, 97);

      List<HistoryEntry> seen = pages.stream().flatMap(p -> p.entries().stream()).toList();
      assertThat(pages).allMatch(p -> !p.truncated());
      assertThat(seen).hasSize(WRITERS * PER_WRITER);
      for (int i = 0; i < seen.size(); i++) {
        assertThat(seen.get(i).sequence()).isEqualTo(i + 1);
      }
      // What the reader saw is what the ring holds once the writers are done: no entry changed under it.
      List<HistoryEntry> after = readAll(history, HistoryQuery.builder().limit(1000).build());
      assertThat(seen).isEqualTo(after);
      Map<String, Integer> lastOfWriter = new HashMap<>();
      for (HistoryEntry e : seen) {
        assertWhole(e);
        String id = ((HistoryEntry.EventEntry) e).event().detail();
        String writer = id.substring(0, id.indexOf('-'));
        int i = Integer.parseInt(id.substring(id.indexOf('-') + 1));
        assertThat(i).as("writer %s's entries in the order it recorded them", writer)
            .isEqualTo(lastOfWriter.getOrDefault(writer, -1) + 1);
        lastOfWriter.put(writer, i);
      }
      assertThat(history.dropped()).isZero();
    }

    @Test
    @DisplayName("with a ring far smaller than what is written, every entry is either read once, whole, or counted as missed")
    void lappedReaderIsTold() throws Exception {
      EventHistory history = new EventHistory(64, clock);
      List<HistoryPage> pages = writeWhileReading(history, 13);

      long read = 0;
      long missed = 0;
      long previous = 0;
      for (HistoryPage p : pages) {
        for (HistoryEntry e : p.entries()) {
          assertThat(e.sequence()).isGreaterThan(previous);
          previous = e.sequence();
          assertWhole(e);
        }
        read += p.entries().size();
        missed += p.missed();
      }
      long total = (long) WRITERS * PER_WRITER;
      assertThat(read + missed).as("entries read plus entries reported missed").isEqualTo(total);
      assertThat(history.dropped()).isEqualTo(total - 64);
      assertThat(history.size()).isEqualTo(64);
    }
  }

  @Nested
  @DisplayName("with capacity 0")
  class Off {
    @Test
    @DisplayName("records nothing, adds no listener and leaves the alert sink as it is")
    void recordsNothing() {
      EventHistory history = new EventHistory(0, clock);
      history.record(copy(1));
      history.record(alert(Alert.Type.PUSH_FAILURE, "tx-1", ""));
      assertThat(history.capacity()).isZero();
      assertThat(history.size()).isZero();
      assertThat(history.dropped()).isZero();
      assertThat(history.lastSequence()).isZero();
      HistoryPage page = history.query(HistoryQuery.builder().after(5).build());
      assertThat(page.entries()).isEmpty();
      assertThat(page.next()).isEqualTo(5);
      assertThat(page.more()).isFalse();

      assertThat(history.listening(List.of())).isEmpty();
      AlertSink sink = a -> { };
      assertThat(history.recording(sink)).isSameAs(sink);
    }
  }

  @Nested
  @DisplayName("records alerts through the sink it wraps")
  class Alerts {
    @Test
    @DisplayName("each alert is recorded before the wrapped sink gets it, and still reaches it when recording fails")
    void wrapsTheSink() {
      EventHistory history = new EventHistory(10, clock);
      List<Long> seenBySink = new CopyOnWriteArrayList<>();
      AlertSink sink = history.recording(a -> seenBySink.add(history.lastSequence()));
      sink.raise(alert(Alert.Type.DEAD_LETTER, "tx-1", ""));
      sink.raise(alert(Alert.Type.DEAD_LETTER, "tx-2", ""));
      assertThat(seenBySink).containsExactly(1L, 2L);
      assertThat(history.query(HistoryQuery.all()).entries()).allMatch(e -> e instanceof HistoryEntry.AlertEntry);

      java.time.Clock broken = new java.time.Clock() {
        @Override
        public Instant instant() {
          throw new IllegalStateException("clock broke");
        }

        @Override
        public java.time.ZoneId getZone() {
          return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
          return this;
        }
      };
      EventHistory failing = new EventHistory(10, broken);
      List<Alert> delivered = new CopyOnWriteArrayList<>();
      failing.recording(delivered::add).raise(alert(Alert.Type.DEAD_LETTER, "tx-1", ""));
      assertThat(delivered).hasSize(1);
      assertThat(failing.size()).as("nothing half-recorded").isZero();
      assertThat(failing.query(HistoryQuery.all()).entries()).isEmpty();
    }
  }

  @Nested
  @DisplayName("refuses a bad query, naming the field")
  class Refused {
    @Test
    @DisplayName("limit outside 1..1000, a negative cursor, until not after since, a filter set twice or empty")
    void badQueries() {
      assertRefused(() -> HistoryQuery.builder().limit(0), "limit");
      assertRefused(() -> HistoryQuery.builder().limit(1001), "limit");
      assertRefused(() -> HistoryQuery.builder().after(-1), "after");
      Instant t = Instant.parse("2026-01-01T00:00:00Z");
      assertRefused(() -> HistoryQuery.builder().since(t).until(t).build(), "until");
      assertRefused(() -> HistoryQuery.builder().transactionId("a").transactionId("b"), "transactionId");
      assertRefused(() -> HistoryQuery.builder().key(""), "key");
      assertRefused(() -> HistoryQuery.builder().destinationId(null), "destinationId");
      assertRefused(() -> HistoryQuery.builder().eventTypes(), "eventTypes");
      assertRefused(() -> HistoryQuery.builder().eventTypes(DualPushEvent.Type.COPY_FAILED).stateChanges(), "eventTypes");
      assertRefused(() -> HistoryQuery.builder().alertTypes(Alert.Type.DEAD_LETTER).stateChanges(), "alertTypes");
      assertRefused(() -> HistoryQuery.builder().since(t).since(t), "since");
      assertRefused(() -> new EventHistory(10, java.time.Clock.systemUTC()).query(null), "query");
    }
  }
}
