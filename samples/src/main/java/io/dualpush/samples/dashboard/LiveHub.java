package io.dualpush.samples.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans state changes out to every live WebSocket session in batches. A change arriving after a quiet spell goes out at
 * once, with whatever else is already waiting; while changes keep coming, batches start at most every {@link
 * #MIN_GAP_NANOS} and each takes every change that arrived meanwhile (or {@link #MAX_EVENTS}): a batch never waits
 * for changes that may come, only the fan-out rate is bounded. A later change with the same key replaces an earlier
 * one in the same batch (a region's newest state, a transaction's newest state). Each
 * batch is serialised once, and the same String is sent to every session with Jetty's asynchronous send: the batcher
 * never waits on a session. A session with more than {@link #MAX_PENDING} sends not yet completed is closed and
 * dropped. Thread-safe: {@link #publish} may be called from any thread and never blocks.
 */
final class LiveHub implements AutoCloseable {
  /**
   * The least time from one batch's start to the next one's: at most 200 fan-outs a second however fast changes come,
   * and no wait at all for a change after a quiet spell.
   */
  static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** A batch goes out at once when this many changes wait. */
  static final int MAX_EVENTS = 256;
  /** Sends a session may have unfinished before it is dropped as too slow. */
  static final int MAX_PENDING = 64;
  /** Live sessions at most; one more is closed at once (1013, try again later). */
  static final int MAX_SESSIONS = 10_000;
  /** Changes waiting beyond this are dropped (the batcher is far behind); regions are re-sent by the sampler. */
  static final int MAX_QUEUED = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
  private static final Object STOP = new Object();

  private final ObjectMapper json;
  private final Supplier<List<Map<String, Object>>> snapshot;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  private final Map<Session, AtomicInteger> sessions = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread batcher;

  /**
   * @param json the mapper batches are written with
   * @param snapshot every region's current state, sent alone to each new session before anything else
   */
  LiveHub(ObjectMapper json, Supplier<List<Map<String, Object>>> snapshot) {
    this.json = json;
    this.snapshot = snapshot;
    this.batcher = new Thread(this::run, "dashboard-live-batcher");
    batcher.setDaemon(true);
    batcher.start();
  }

  /** A change to send: {@code event} must already hold its {@code type} and {@code at}. */
  record Change(String key, Map<String, Object> event) {}

  /** Queues a change for the next batch; never blocks. */
  void publish(String key, Map<String, Object> event) {
    if (!queue.offer(new Change(key, event))) {
      dropped.incrementAndGet();
    }
  }

  /** Adds a session: it gets a snapshot batch of every region first, then every batch after. */
  void join(Session session) {
    if (sessions.size() >= MAX_SESSIONS) {
      // Upgrades are not rate limited (many pages may share one address); this bounds what they can hold.
      session.close(1013, "too many live sessions; try again later", Callback.NOOP);
      return;
    }
    AtomicInteger pending = new AtomicInteger();
    // The snapshot is sent before the session joins the fan-out, so it comes first; a change published in
    // between is in the snapshot or in a later batch.
    List<Map<String, Object>> regions = snapshot.get();
    Map<String, Object> batch = new LinkedHashMap<>();
    batch.put("seq", seq.get());
    batch.put("sentAt", Micros.now());
    batch.put("snapshot", true);
    batch.put("events", regions);
    try {
      send(session, pending, json.writeValueAsString(batch));
    } catch (JsonProcessingException e) {
      LOG.warn("cannot write the snapshot batch: {}", e.getMessage());
    }
    sessions.put(session, pending);
  }

  /** Removes a session (closed by its client or dropped). */
  void leave(Session session) {
    sessions.remove(session);
  }

  /** Sessions connected now. */
  int sessionCount() {
    return sessions.size();
  }

  /** Batches sent so far. */
  long batches() {
    return seq.get();
  }

  private void run() {
    long lastStart = System.nanoTime() - MIN_GAP_NANOS;
    try {
      while (true) {
        Object first = queue.take();
        if (first == STOP) {
          return;
        }
        Map<String, Map<String, Object>> events = new LinkedHashMap<>();
        add(events, (Change) first);
        // Past the gap: only what is already queued joins the batch. Within it: what arrives until the gap ends.
        long deadline = lastStart + MIN_GAP_NANOS;
        boolean stop = false;
        while (events.size() < MAX_EVENTS) {
          long wait = deadline - System.nanoTime();
          Object next = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          if (next == STOP) {
            stop = true;
            break;
          }
          add(events, (Change) next);
        }
        lastStart = System.nanoTime();
        broadcast(new ArrayList<>(events.values()));
        if (stop) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("the live batcher stopped: {}", e.toString());
    }
  }

  private static void add(Map<String, Map<String, Object>> events, Change change) {
    // Remove first so that a replaced change moves to the end: the batch stays in the order of the last changes.
    events.remove(change.key());
    events.put(change.key(), change.event());
  }

  private void broadcast(List<Map<String, Object>> events) {
    if (sessions.isEmpty()) {
      seq.incrementAndGet();
      return;
    }
    Map<String, Object> batch = new LinkedHashMap<>();
    batch.put("seq", seq.incrementAndGet());
    batch.put("sentAt", Micros.now());
    batch.put("events", events);
    String text;
    try {
      text = json.writeValueAsString(batch);
    } catch (JsonProcessingException e) {
      LOG.warn("cannot write a live batch: {}", e.getMessage());
      return;
    }
    for (Map.Entry<Session, AtomicInteger> entry : sessions.entrySet()) {
      send(entry.getKey(), entry.getValue(), text);
    }
  }

  private void send(Session session, AtomicInteger pending, String text) {
    if (!session.isOpen()) {
      sessions.remove(session);
      return;
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      sessions.remove(session);
      LOG.debug("dropping a live session: {} sends pending", MAX_PENDING);
      session.close(1008, "too slow: more than " + MAX_PENDING + " messages pending", Callback.NOOP);
      return;
    }
    try {
      session.sendText(text, Callback.from(pending::decrementAndGet, failure -> {
        pending.decrementAndGet();
        sessions.remove(session);
      }));
    } catch (RuntimeException e) {
      pending.decrementAndGet();
      sessions.remove(session);
    }
  }

  @Override
  public void close() {
    queue.clear();
    queue.offer(STOP);
    try {
      batcher.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Session session : sessions.keySet()) {
      session.close(1001, "server shutting down", Callback.NOOP);
    }
    sessions.clear();
  }
}
