package io.dualpush;

import io.dualpush.internal.HistoryRing;
import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, in-memory record of what a client's engine did lately: every {@link DualPushEvent} its listeners
 * receive (pushes, copies, verifications, repairs, dead letters, and destinations going down and coming back
 * up) and every alert it raises, each stamped with the client's clock and a sequence number (see
 * {@link HistoryEntry}). It answers "what happened to object X?" and "what changed in the last minute?" through
 * paged {@linkplain #query queries}. Get it from {@link DualPushClient#history()}.
 *
 * <p>It keeps the most recent {@link #capacity()} entries ({@link DualPushClientBuilder#historyCapacity}, default
 * {@value #DEFAULT_CAPACITY}); older ones fall off and are counted in {@link #dropped()}, and a page tells its
 * reader when some it had not seen fell off before it could read them ({@link HistoryPage#truncated()}). With
 * capacity 0 it records nothing and costs nothing. Recording takes no lock, so it adds no contention to pushes;
 * queries read a snapshot without stopping the writers. It lives in memory only: it starts empty with each
 * client and stays readable after the client is closed. Nothing in it is a secret.
 *
 * <pre>{@code
 * HistoryPage page = client.history().query(HistoryQuery.builder().key("gold/sales.csv").build());
 * page.entries().forEach(e -> System.out.println(e.at() + " " + e));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class EventHistory {
  /** The capacity a client's history has unless its builder says otherwise. */
  public static final int DEFAULT_CAPACITY = 10_000;
  /** The largest capacity a history can have. */
  public static final int MAX_CAPACITY = 1_000_000;
  /** How far back an alert looks for its transaction's key: alerts follow their transaction's events closely. */
  private static final int KEY_LOOKBACK = 4096;
  private static final Logger LOG = LoggerFactory.getLogger(EventHistory.class);

  private final @Nullable HistoryRing ring;
  private final Clock clock;
  private final HistoryDetail detail;

  /**
   * A history of {@code capacity} entries, or one that records nothing when it is 0.
   *
   * @param capacity 0 to {@link #MAX_CAPACITY}
   * @param clock stamps the entries
   */
  EventHistory(int capacity, Clock clock) {
    this(capacity, clock, HistoryDetail.STEPS);
  }

  /**
   * A history of {@code capacity} entries recording the events {@code detail} takes, or one that records nothing
   * when the capacity is 0.
   *
   * @param capacity 0 to {@link #MAX_CAPACITY}
   * @param clock stamps the entries
   * @param detail which events it records
   */
  EventHistory(int capacity, Clock clock, HistoryDetail detail) {
    if (capacity < 0 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("capacity must be between 0 and " + MAX_CAPACITY + "; got " + capacity);
    }
    this.ring = capacity == 0 ? null : new HistoryRing(capacity);
    this.clock = clock;
    this.detail = detail;
  }

  /**
   * The most entries it keeps.
   *
   * @return 0 when the history is off
   */
  public int capacity() {
    return ring == null ? 0 : ring.capacity();
  }

  /**
   * Which events it records.
   *
   * @return the detail its client's builder set, {@link HistoryDetail#OUTCOMES} by default
   */
  public HistoryDetail detail() {
    return detail;
  }

  /**
   * How many entries it holds now.
   *
   * @return 0 to {@link #capacity()}
   */
  public int size() {
    return ring == null ? 0 : ring.size();
  }

  /**
   * How many entries fell off the bound since the client started: recorded, then pushed out by newer ones.
   *
   * @return 0 or more; never decreases
   */
  public long dropped() {
    return ring == null ? 0 : ring.dropped();
  }

  /**
   * The sequence number of the newest entry: a cursor ({@link HistoryQuery.Builder#after}) from which to follow
   * only what happens from now on; {@code after(Math.max(0, lastSequence() - n))} reads the newest {@code n}.
   *
   * @return 0 before the first entry, and always when the history is off
   */
  public long lastSequence() {
    return ring == null ? 0 : ring.last();
  }

  /**
   * One page of the entries that pass {@code query}'s filters, oldest first, after its cursor. Reads the entries
   * held now without stopping the engine; entries recorded while it reads may or may not be on this page, and
   * are on the next one when not. Following {@link HistoryPage#next()} from page to page, a reader sees every
   * matching entry once, in sequence order, and is told by {@link HistoryPage#truncated()} when some fell off
   * the bound before it got to them. Examines at most the entries held, so it is quick whatever the filters.
   *
   * @param query the filters, the cursor and the page size
   * @return the page; empty, with the query's cursor as {@code next}, when the history is off
   * @throws InvalidInputException naming {@code query} when it is null
   */
  public HistoryPage query(HistoryQuery query) {
    InvalidInputException.requireNonNull(query, "query");
    if (ring == null) {
      return new HistoryPage(List.of(), query.after(), false, false, 0);
    }
    long last = ring.last();
    long sequence = query.after() + 1;
    long cursor = query.after();
    long missed = 0;
    List<HistoryEntry> out = new ArrayList<>(Math.min(query.limit(), 64));
    while (sequence <= last && out.size() < query.limit()) {
      HistoryEntry e = ring.slot(sequence);
      if (e == null || e.sequence() < sequence) {
        // Its writer has the number and has not published it yet: stop here, the next page starts with it.
        break;
      }
      if (e.sequence() > sequence) {
        // Overwritten: everything up to the oldest entry the ring holds now fell off before we read it.
        long oldest = Math.max(sequence + 1, ring.oldest());
        missed += oldest - sequence;
        cursor = oldest - 1;
        sequence = oldest;
        continue;
      }
      if (query.matches(e)) {
        out.add(e);
      }
      cursor = sequence;
      sequence++;
    }
    return new HistoryPage(out, cursor, cursor < last, missed > 0, missed);
  }

  @Override
  public String toString() {
    return "EventHistory{capacity=" + capacity() + ", size=" + size() + ", dropped=" + dropped() + "}";
  }

  // ------------------------------------------------------------- recording, for the client's builder

  /** {@code listeners} with this history's recorder first, when it records; the same listeners otherwise. */
  List<DualPushListener> listening(List<DualPushListener> listeners) {
    if (ring == null) {
      return List.copyOf(listeners);
    }
    List<DualPushListener> all = new ArrayList<>(listeners.size() + 1);
    all.add(this::record);
    all.addAll(listeners);
    return List.copyOf(all);
  }

  /**
   * {@code sink}, with every alert recorded here before it reaches it (so before any coalescing), when this
   * history records; {@code sink} itself otherwise.
   */
  AlertSink recording(AlertSink sink) {
    if (ring == null) {
      return sink;
    }
    return new AlertSink() {
      @Override
      public void raise(Alert alert) {
        try {
          record(alert);
        } catch (RuntimeException e) {
          LOG.warn("Recording alert {} in the event history failed", alert.type(), e);
        }
        sink.raise(alert);
      }

      @Override
      public void resolve(Alert resolved) {
        try {
          record(resolved, true);
        } catch (RuntimeException e) {
          LOG.warn("Recording the resolve of {} in the event history failed", resolved.type(), e);
        }
        sink.resolve(resolved);
      }

      @Override
      public String toString() {
        return sink.toString();
      }
    };
  }

  /** Records an event; the clock is read before a sequence number is taken, so that nothing can throw after. */
  void record(DualPushEvent event) {
    HistoryRing r = ring;
    if (r != null && detail.records(event.type())) {
      Instant at = clock.instant();
      r.add(s -> new HistoryEntry.EventEntry(s, at, event));
    }
  }

  /** Records an alert, with the key of its transaction when a recent entry of that transaction names it. */
  void record(Alert alert) {
    record(alert, false);
  }

  /** Records an alert or, when {@code resolved}, the resolve of its condition. */
  void record(Alert alert, boolean resolved) {
    HistoryRing r = ring;
    if (r != null) {
      Instant at = clock.instant();
      String key = keyOf(r, alert.transactionId());
      r.add(s -> new HistoryEntry.AlertEntry(s, at, alert, key, resolved));
    }
  }

  private static String keyOf(HistoryRing r, String transactionId) {
    if (transactionId.isEmpty()) {
      return "";
    }
    long last = r.last();
    long stop = Math.max(r.oldest(), last - KEY_LOOKBACK + 1);
    for (long s = last; s >= stop; s--) {
      HistoryEntry e = r.slot(s);
      if (e != null && e.sequence() == s && transactionId.equals(e.transactionId()) && !e.key().isEmpty()) {
        return e.key();
      }
    }
    return "";
  }
}
