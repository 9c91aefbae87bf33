package io.dualpush.samples;

import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line of a long run, on stderr: objects and bytes done, the rate, and, per
 * destination, the copies verified and failed so far, so that a healthy region's progress shows
 * while another region hangs. Silent for runs shorter than its interval. On a terminal it rewrites
 * one line; otherwise (a CI log) it prints a line each interval.
 */
final class Progress implements AutoCloseable {
  private final String verb;
  private final AtomicLong totalObjects;
  private final AtomicLong totalBytes;
  private final PrintStream err;
  private final boolean terminal;
  private final AtomicLong objects = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final Map<String, long[]> copies = new LinkedHashMap<>();
  private final long started = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private volatile boolean printed;

  /**
   * @param totalObjects objects expected, or -1 when they are counted as they come ({@link #expect})
   * @param destinations names whose copies are counted, in the order shown
   */
  Progress(String verb, long totalObjects, long totalBytes, PrintStream err, boolean terminal, int intervalSeconds,
      Collection<String> destinations) {
    this.verb = verb;
    this.totalObjects = new AtomicLong(Math.max(0, totalObjects));
    this.totalBytes = new AtomicLong(Math.max(0, totalBytes));
    this.err = err;
    this.terminal = terminal;
    destinations.forEach(d -> copies.put(d, new long[2]));
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualpush-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::print, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
  }

  Progress(String verb, long totalObjects, long totalBytes, PrintStream err, boolean terminal) {
    this(verb, totalObjects, totalBytes, err, terminal, terminal ? 1 : 10, java.util.List.of());
  }

  /** One more object of {@code objectBytes} to do, for runs that discover their work as they go. */
  void expect(long objectBytes) {
    totalObjects.incrementAndGet();
    totalBytes.addAndGet(objectBytes);
  }

  void done(long objectBytes) {
    objects.incrementAndGet();
    bytes.addAndGet(objectBytes);
  }

  /** A copy at {@code destination} settled, verified or failed. */
  void copy(String destination, boolean verified) {
    long[] c = copies.get(destination);
    if (c != null) {
      synchronized (c) {
        c[verified ? 0 : 1]++;
      }
    }
  }

  long elapsedNanos() {
    return System.nanoTime() - started;
  }

  String line() {
    long elapsed = elapsedNanos();
    StringBuilder line = new StringBuilder(String.format("%s %d/%d objects, %s/%s, %s, %s", verb, objects.get(),
        totalObjects.get(), Sizes.bytes(bytes.get()), Sizes.bytes(totalBytes.get()), Sizes.rate(bytes.get(), elapsed),
        Sizes.seconds(elapsed)));
    copies.forEach((name, c) -> {
      synchronized (c) {
        line.append("; ").append(name).append(' ').append(c[0]).append(" ok");
        if (c[1] > 0) {
          line.append(' ').append(c[1]).append(" failed");
        }
      }
    });
    return line.toString();
  }

  private synchronized void print() {
    printed = true;
    if (terminal) {
      err.print("\r" + Report.clip(line(), 160) + "   ");
    } else {
      err.println(line());
    }
    err.flush();
  }

  @Override
  public synchronized void close() {
    ticker.shutdownNow();
    if (printed && terminal) {
      err.println();
    }
  }
}
