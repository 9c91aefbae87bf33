package io.dualpush;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AlertSink} decorator that turns a storm of alerts into three: the first, a summary, a resolve.
 *
 * <p>Alerts are grouped by (type, destination id). The first alert of a group passes through at once, on the
 * caller's thread. Further alerts of the group are counted, not forwarded; when the window that started with
 * the first alert (or with the last summary) closes with alerts counted, ONE summary is forwarded with the same
 * type, severity and destination, its message the first alert's message followed by
 * {@code "(and N more in the last 60 s; first transactions: a, b, c)"} — the transaction ids of the
 * counted alerts, at most {@link Builder#sampleKeys(int)} of them. When a group has been quiet for a whole
 * window after its last alert, a resolve is forwarded: an alert of the same type, severity and destination
 * whose message reads {@code "TYPE on destination resolved after N alerts (quiet for 60 s)"}; the group is then
 * forgotten, and its next alert passes through again — except for a type that is
 * {@linkplain Alert.Type#clearedByResolve() cleared by a resolve} (a destination down): its group stays until that
 * resolve, however quiet, since a destination down for an hour raises one alert and then nothing. The {@link Alert} record is not changed: the count and
 * the phase are in the message, so existing sinks keep working. A {@link #resolve} from the engine (the condition
 * cleared, such as a destination back up) is forwarded at once to the sink's own {@link AlertSink#resolve} and ends
 * its group without waiting for the quiet window.
 *
 * <p>Memory is bounded: a group lives at most two windows after its last alert (it is resolved and dropped;
 * a group cleared by a resolve lives until its resolve, one per destination and condition at most), and at most
 * {@link Builder#maxKeys(int)} groups are tracked; alerts of further groups pass through uncoalesced. {@link #raise} never blocks on the downstream sink beyond the first alert of a group; one
 * daemon thread, started on the first alert, forwards summaries and resolves. After {@link #close()} pending
 * summaries are forwarded and further alerts pass straight through.
 *
 * <p>Thread-safe.
 *
 * <pre>{@code
 * AlertSink sink = AlertCoalescer.builder().sink(new Slf4jAlertSink()).window(Duration.ofMinutes(5)).build();
 * }</pre>
 */
public final class AlertCoalescer implements AlertSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AlertCoalescer.class);

  private final AlertSink downstream;
  private final Duration window;
  private final int sampleKeys;
  private final int maxKeys;
  private final Clock clock;
  private final Object lock = new Object();
  private final Map<Key, Group> groups = new LinkedHashMap<>();
  private @Nullable ScheduledExecutorService flusher;
  private boolean closed;

  private AlertCoalescer(Builder b) {
    this.downstream = b.sink;
    this.window = b.window;
    this.sampleKeys = b.sampleKeys;
    this.maxKeys = b.maxKeys;
    this.clock = b.clock;
  }

  /**
   * Starts a builder; {@link Builder#sink(AlertSink)} is required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void raise(Alert alert) {
    boolean forward;
    synchronized (lock) {
      Key key = new Key(alert.type(), alert.destinationId());
      Group group = groups.get(key);
      Instant now = clock.instant();
      if (closed) {
        forward = true;
      } else if (group == null) {
        // Beyond the cap an alert is forwarded as is: a flood of distinct groups must not grow memory.
        forward = true;
        if (groups.size() < maxKeys) {
          groups.put(key, new Group(alert, now));
          startFlusher();
        }
      } else {
        forward = false;
        group.count(alert, now, sampleKeys);
      }
    }
    if (forward) {
      forward(alert);
    }
  }

  /**
   * The condition has cleared (a destination that was down is back): the group of its (type, destination) is
   * forgotten and the resolve is forwarded at once, on the caller's thread, not after a quiet window; alerts of the
   * group still counted are first forwarded as their summary, so no count is lost. The next alert of the group
   * passes through at once again.
   */
  @Override
  public void resolve(Alert resolved) {
    Alert summary = null;
    synchronized (lock) {
      Group g = groups.remove(new Key(resolved.type(), resolved.destinationId()));
      if (g != null && g.counted > 0) {
        summary = g.summary(clock.instant(), window);
      }
    }
    if (summary != null) {
      forward(summary);
    }
    try {
      downstream.resolve(resolved);
    } catch (RuntimeException e) {
      LOG.error("Alert sink failed on the resolve of {}", resolved.type(), e);
    }
  }

  /** Forwards what is due at the clock's instant; the flusher thread calls it, and tests with a manual clock. */
  void flushDue() {
    List<Alert> due = new ArrayList<>();
    synchronized (lock) {
      Instant now = clock.instant();
      for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
        Group g = it.next();
        if (g.counted > 0) {
          if (!now.isBefore(g.windowStart.plus(window))) {
            due.add(g.summary(now, window));
          }
        } else if (!g.first.type().clearedByResolve() && !now.isBefore(g.lastSeen.plus(window))) {
          // A condition that ends with an explicit resolve (a destination back up) is not "resolved" by quiet.
          due.add(g.resolve(now, window));
          it.remove();
        }
      }
    }
    due.forEach(this::forward);
  }

  /** How many (type, destination) groups are tracked now. */
  int trackedGroups() {
    synchronized (lock) {
      return groups.size();
    }
  }

  /**
   * Stops the flusher thread after forwarding the summaries of alerts still counted; later alerts pass
   * straight through. Idempotent.
   */
  @Override
  public void close() {
    List<Alert> due = new ArrayList<>();
    ScheduledExecutorService stop;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      Instant now = clock.instant();
      for (Group g : groups.values()) {
        if (g.counted > 0) {
          due.add(g.summary(now, window));
        }
      }
      groups.clear();
      stop = flusher;
      flusher = null;
    }
    if (stop != null) {
      stop.shutdownNow();
    }
    due.forEach(this::forward);
  }

  private void startFlusher() {
    if (flusher != null) {
      return;
    }
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualpush-alert-coalescer");
      t.setDaemon(true);
      return t;
    });
    // A tenth of the window, within [10 ms, 1 s]: summaries leave soon after their window closes.
    long period = Math.max(10, Math.min(1000, window.toMillis() / 10));
    s.scheduleWithFixedDelay(this::flushQuietly, period, period, TimeUnit.MILLISECONDS);
    flusher = s;
  }

  private void flushQuietly() {
    try {
      flushDue();
    } catch (RuntimeException e) {
      LOG.error("Alert coalescer flush failed", e);
    }
  }

  private void forward(Alert alert) {
    try {
      downstream.raise(alert);
    } catch (RuntimeException e) {
      LOG.error("Alert sink failed on {}", alert.type(), e);
    }
  }

  static String span(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private record Key(Alert.Type type, String destinationId) { }

  /** One (type, destination) episode; guarded by the coalescer's lock. */
  private static final class Group {
    private final Alert first;
    private Instant windowStart;
    private Instant lastSeen;
    private long counted;
    private long total = 1;
    private final List<String> keys = new ArrayList<>();

    Group(Alert first, Instant now) {
      this.first = first;
      this.windowStart = now;
      this.lastSeen = now;
    }

    void count(Alert alert, Instant now, int sampleKeys) {
      // The window runs from the first alert or the last summary, so a steady storm yields one summary a window.
      counted++;
      total++;
      lastSeen = now;
      if (keys.size() < sampleKeys && !alert.transactionId().isEmpty()) {
        keys.add(alert.transactionId());
      }
    }

    Alert summary(Instant now, Duration window) {
      String sample = keys.isEmpty() ? "" : "; first transactions: " + String.join(", ", keys);
      Alert a = new Alert(first.type(), first.severity(),
          first.message() + " (and " + counted + " more in the last " + span(window) + sample + ")",
          "", first.destinationId(), now);
      counted = 0;
      keys.clear();
      windowStart = now;
      return a;
    }

    Alert resolve(Instant now, Duration window) {
      String where = first.destinationId().isEmpty() ? "" : " on " + first.destinationId();
      return new Alert(first.type(), first.severity(),
          first.type() + where + " resolved after " + total + " alert" + (total == 1 ? "" : "s")
              + " (quiet for " + span(window) + ")",
          "", first.destinationId(), now);
    }
  }

  /**
   * Builds an {@link AlertCoalescer}; each setting may be given once. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable AlertSink sink;
    private Duration window = Duration.ofMinutes(1);
    private int sampleKeys = 5;
    private int maxKeys = 10_000;
    private Clock clock = Clock.systemUTC();
    private boolean windowSet;
    private boolean sampleKeysSet;
    private boolean maxKeysSet;
    private boolean clockSet;

    private Builder() { }

    /**
     * Where the first alerts, summaries and resolves go. Required.
     *
     * @param sink the downstream sink
     * @return this builder
     * @throws InvalidInputException naming {@code sink} when it is null or already set
     */
    public Builder sink(AlertSink sink) {
      InvalidInputException.requireNonNull(sink, "sink");
      unset(this.sink == null, "sink", this.sink);
      this.sink = sink;
      return this;
    }

    /**
     * How long alerts of a group are counted before one summary; also how long a group must be quiet to be
     * resolved. Default: 1 minute.
     *
     * @param window a positive span
     * @return this builder
     * @throws InvalidInputException naming {@code window} when it is null, not positive or already set
     */
    public Builder window(Duration window) {
      InvalidInputException.requireNonNull(window, "window");
      unset(!windowSet, "window", this.window);
      if (window.isNegative() || window.isZero()) {
        throw new InvalidInputException("window", "window must be positive, was " + window);
      }
      this.window = window;
      windowSet = true;
      return this;
    }

    /**
     * How many transaction ids of counted alerts a summary names. Default: 5.
     *
     * @param sampleKeys zero or more
     * @return this builder
     * @throws InvalidInputException naming {@code sampleKeys} when negative or already set
     */
    public Builder sampleKeys(int sampleKeys) {
      unset(!sampleKeysSet, "sampleKeys", this.sampleKeys);
      if (sampleKeys < 0) {
        throw new InvalidInputException("sampleKeys", "sampleKeys must not be negative, was " + sampleKeys);
      }
      this.sampleKeys = sampleKeys;
      sampleKeysSet = true;
      return this;
    }

    /**
     * How many (type, destination) groups are tracked at most; alerts of further groups pass through.
     * Default: 10,000.
     *
     * @param maxKeys one or more
     * @return this builder
     * @throws InvalidInputException naming {@code maxKeys} when not positive or already set
     */
    public Builder maxKeys(int maxKeys) {
      unset(!maxKeysSet, "maxKeys", this.maxKeys);
      if (maxKeys < 1) {
        throw new InvalidInputException("maxKeys", "maxKeys must be positive, was " + maxKeys);
      }
      this.maxKeys = maxKeys;
      maxKeysSet = true;
      return this;
    }

    /**
     * The clock windows are measured by; default: the system UTC clock. For tests.
     *
     * @param clock the clock
     * @return this builder
     * @throws InvalidInputException naming {@code clock} when it is null or already set
     */
    public Builder clock(Clock clock) {
      InvalidInputException.requireNonNull(clock, "clock");
      unset(!clockSet, "clock", this.clock);
      this.clock = clock;
      clockSet = true;
      return this;
    }

    /**
     * Builds the coalescer; its flusher thread starts with the first alert.
     *
     * @return a new coalescer
     * @throws InvalidInputException naming {@code sink} when no sink was given
     */
    public AlertCoalescer build() {
      if (sink == null) {
        throw new InvalidInputException("sink", "sink is required");
      }
      return new AlertCoalescer(this);
    }

    private static void unset(boolean unset, String field, @Nullable Object current) {
      if (!unset) {
        throw new InvalidInputException(field, field + " was already set to " + current);
      }
    }
  }
}
