package io.dualpush.samples.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans state changes out to every live WebSocket session. One sender thread numbers the changes in the order they
 * arrive, keeps the last {@link #RING} of them, and passes over the sessions sending each one, in one message, every
 * change it has not had yet, the newest of each key only (a region's newest state, a transaction's newest state).
 * Changes are taken up between one session and the next: a change arriving in the middle of a pass reaches the rest
 * of that pass's sessions at once, and the sessions already passed in the next pass, which visits only them. A change
 * therefore waits at most one pass, not the rest of one pass and then a whole one of its own.
 *
 * <p>Messages are serialised once per distinct range of changes in a pass, not once per session: sessions that are
 * level share one String. Each session has at most one send in flight (Jetty's asynchronous send; the sender never
 * waits on a session): a session whose send has not completed is passed over and, once it completes, gets everything
 * that came meanwhile in one message, so a slow reader gets fewer, larger messages rather than a queue. A session
 * whose send has not completed after {@link #STALL_NANOS} while changes wait is closed (1008) and dropped; one that
 * fell more than {@link #RING} changes behind gets a fresh snapshot. Passes start at most every {@link #MIN_GAP_NANOS}
 * when changes keep coming; a change after a quiet spell goes at once. Thread-safe: {@link #publish} may be called
 * from any thread and never blocks.
 */
final class LiveHub implements AutoCloseable {
  /** The least time from one pass's start to the next one's while changes keep coming: at most 200 passes a second. */
  static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** Changes kept for sessions that are behind; a session further behind gets a snapshot of every region instead. */
  static final int RING = 16_384;
  /** How long a session's send may stay unfinished, while changes wait for it, before it is dropped as too slow. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** Live sessions at most; one more is closed at once (1013, try again later). */
  static final int MAX_SESSIONS = 10_000;
  /** Changes waiting beyond this are dropped (the sender is far behind); regions are re-sent by the sampler. */
  static final int MAX_QUEUED = 100_000;

  private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
  private static final Object STOP = new Object();
  private static final Object WAKE = new Object();

  /** One session's place in the stream of changes. */
  private static final class Peer {
    final Session session;
    /** The last change sent (or in the snapshot); written by the sender thread, and once by {@link #join}. */
    volatile long sentUpTo;
    final AtomicBoolean inFlight = new AtomicBoolean();
    volatile long sendStartedNanos;

    Peer(Session session, long sentUpTo) {
      this.session = session;
      this.sentUpTo = sentUpTo;
    }
  }

  private final ObjectMapper json;
  private final Supplier<List<Map<String, Object>>> snapshot;
  private final long stallNanos;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  private final List<Peer> peers = new CopyOnWriteArrayList<>();
  private final Map<Session, Peer> bySession = new ConcurrentHashMap<>();
  private final Change[] ring = new Change[RING];
  /** The number of the newest change taken up; written by the sender thread only. */
  private final AtomicLong head = new AtomicLong();
  private final Thread sender;

  /**
   * @param json the mapper messages are written with
   * @param snapshot every region's current state, sent alone to each new session before anything else
   */
  LiveHub(ObjectMapper json, Supplier<List<Map<String, Object>>> snapshot) {
    this(json, snapshot, STALL_NANOS);
  }

  LiveHub(ObjectMapper json, Supplier<List<Map<String, Object>>> snapshot, long stallNanos) {
    this.json = json;
    this.snapshot = snapshot;
    this.stallNanos = stallNanos;
    this.sender = new Thread(this::run, "dashboard-live-sender");
    sender.setDaemon(true);
    sender.start();
  }

  /** A change to send: {@code event} must already hold its {@code type} and {@code at}. */
  record Change(String key, Map<String, Object> event) {}

  /** Queues a change for the next pass; never blocks. */
  void publish(String key, Map<String, Object> event) {
    // A full queue drops the change (see MAX_QUEUED): publishers never wait on the sender.
    queue.offer(new Change(key, event));
  }

  /** Adds a session: it gets a snapshot of every region first, then every change after it. */
  void join(Session session) {
    if (bySession.size() >= MAX_SESSIONS) {
      // Upgrades are not rate limited (many pages may share one address); this bounds what they can hold.
      session.close(1013, "too many live sessions; try again later", Callback.NOOP);
      return;
    }
    // The number is read before the snapshot is taken: a change up to it happened before the snapshot and is in it;
    // a later one is sent after the snapshot (perhaps again, which is harmless: it is the same or a newer state).
    Peer peer = new Peer(session, head.get());
    String text = snapshotText(peer.sentUpTo);
    if (text == null) {
      return;
    }
    // In flight until the snapshot is written: the sender passes over the session until then, so it comes first.
    peer.inFlight.set(true);
    peer.sendStartedNanos = System.nanoTime();
    bySession.put(session, peer);
    peers.add(peer);
    send(peer, text);
  }

  /** Removes a session (closed by its client or dropped). */
  void leave(Session session) {
    Peer peer = bySession.remove(session);
    if (peer != null) {
      peers.remove(peer);
    }
  }

  /** Sessions connected now. */
  int sessionCount() {
    return bySession.size();
  }

  private void run() {
    long lastStart = System.nanoTime() - MIN_GAP_NANOS;
    try {
      while (true) {
        if (!take(queue.take())) {
          return;
        }
        // Past the gap: only what is already queued joins the pass. Within it: what arrives until the gap ends.
        long deadline = lastStart + MIN_GAP_NANOS;
        for (long wait = deadline - System.nanoTime(); wait > 0; wait = deadline - System.nanoTime()) {
          Object next = queue.poll(wait, TimeUnit.NANOSECONDS);
          if (next != null && !take(next)) {
            return;
          }
        }
        if (!drain()) {
          return;
        }
        lastStart = System.nanoTime();
        if (!pass()) {
          return;
        }
        // Changes that came during the pass are owed to the sessions passed before them: the loop comes back at once
        // (the queue holds a WAKE) unless the gap is still open, and then waits for it.
        if (hasBehind()) {
          queue.offer(WAKE);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("the live sender stopped: {}", e.toString());
    }
  }

  /** Takes up one queued item; false on STOP. */
  private boolean take(Object item) {
    if (item == STOP) {
      return false;
    }
    if (item instanceof Change change) {
      long n = head.get() + 1;
      ring[(int) (n % RING)] = change;
      head.set(n);
    }
    return true;
  }

  /** Takes up everything queued now; false on STOP. */
  private boolean drain() {
    for (Object next = queue.poll(); next != null; next = queue.poll()) {
      if (!take(next)) {
        return false;
      }
    }
    return true;
  }

  private boolean hasBehind() {
    long last = head.get();
    for (Peer peer : peers) {
      if (peer.sentUpTo < last && !peer.inFlight.get()) {
        return true;
      }
    }
    return false;
  }

  /** One pass over the sessions; false on STOP. */
  private boolean pass() {
    Map<Long, String> texts = new HashMap<>();
    long textsFor = head.get();
    for (Peer peer : peers) {
      if (!queue.isEmpty() && !drain()) {
        return false;
      }
      long last = head.get();
      if (peer.sentUpTo >= last) {
        continue;
      }
      if (!peer.session.isOpen()) {
        leave(peer.session);
        continue;
      }
      if (peer.inFlight.get()) {
        if (System.nanoTime() - peer.sendStartedNanos > stallNanos) {
          leave(peer.session);
          LOG.debug("dropping a live session: a send unfinished for {} ms", TimeUnit.NANOSECONDS.toMillis(stallNanos));
          peer.session.close(1008, "too slow: a message unsent for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos)
              + " s", Callback.NOOP);
        }
        continue; // its send's completion wakes the sender
      }
      if (last != textsFor) {
        texts.clear();
        textsFor = last;
      }
      long from = peer.sentUpTo;
      String text = texts.get(from);
      if (text == null) {
        text = last - from > RING - 1 ? snapshotText(last) : changesText(from, last);
        if (text == null) {
          continue;
        }
        texts.put(from, text);
      }
      peer.sentUpTo = last;
      peer.inFlight.set(true);
      peer.sendStartedNanos = System.nanoTime();
      send(peer, text);
    }
    return true;
  }

  /** The changes after {@code from} up to {@code last}, the newest of each key, in the order of their last change. */
  private String changesText(long from, long last) {
    Map<String, Map<String, Object>> events = new LinkedHashMap<>();
    for (long n = from + 1; n <= last; n++) {
      Change change = ring[(int) (n % RING)];
      // Remove first so that a replaced change moves to the end: the message keeps the order of the last changes.
      events.remove(change.key());
      events.put(change.key(), change.event());
    }
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("seq", last);
    message.put("sentAt", Micros.now());
    message.put("events", new ArrayList<>(events.values()));
    return write(message);
  }

  private String snapshotText(long last) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("seq", last);
    message.put("sentAt", Micros.now());
    message.put("snapshot", true);
    message.put("events", snapshot.get());
    return write(message);
  }

  private String write(Map<String, Object> message) {
    try {
      return json.writeValueAsString(message);
    } catch (JsonProcessingException e) {
      LOG.warn("cannot write a live message: {}", e.getMessage());
      return null;
    }
  }

  private void send(Peer peer, String text) {
    try {
      peer.session.sendText(text, Callback.from(() -> {
        peer.inFlight.set(false);
        // Sent inline (the usual case), this runs before the pass moves on and finds the session level.
        if (peer.sentUpTo < head.get()) {
          queue.offer(WAKE);
        }
      }, failure -> {
        peer.inFlight.set(false);
        leave(peer.session);
      }));
    } catch (RuntimeException e) {
      peer.inFlight.set(false);
      leave(peer.session);
    }
  }

  @Override
  public void close() {
    queue.clear();
    queue.offer(STOP);
    try {
      sender.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Peer peer : peers) {
      peer.session.close(1001, "server shutting down", Callback.NOOP);
    }
    peers.clear();
    bySession.clear();
  }
}
