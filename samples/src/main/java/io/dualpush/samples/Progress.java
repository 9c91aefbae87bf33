package io.dualpush.samples;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The progress line of a long run, on stderr: objects and bytes done, and the rate. Silent for runs
 * shorter than a second. On a terminal it rewrites one line every second; otherwise (a CI log) it
 * prints a line every ten seconds.
 */
final class Progress implements AutoCloseable {
  private final String verb;
  private final long totalObjects;
  private final long totalBytes;
  private final PrintStream err;
  private final boolean terminal;
  private final AtomicLong objects = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final long started = System.nanoTime();
  private final ScheduledExecutorService ticker;
  private volatile boolean printed;

  Progress(String verb, long totalObjects, long totalBytes, PrintStream err, boolean terminal) {
    this.verb = verb;
    this.totalObjects = totalObjects;
    this.totalBytes = totalBytes;
    this.err = err;
    this.terminal = terminal;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualpush-progress");
      t.setDaemon(true);
      return t;
    });
    long period = terminal ? 1 : 10;
    ticker.scheduleAtFixedRate(this::print, period, period, TimeUnit.SECONDS);
  }

  void done(long objectBytes) {
    objects.incrementAndGet();
    bytes.addAndGet(objectBytes);
  }

  long elapsedNanos() {
    return System.nanoTime() - started;
  }

  String line() {
    long elapsed = elapsedNanos();
    return String.format("%s %d/%d objects, %s/%s, %s, %s", verb, objects.get(), totalObjects,
        Sizes.bytes(bytes.get()), Sizes.bytes(totalBytes), Sizes.rate(bytes.get(), elapsed), Sizes.seconds(elapsed));
  }

  private synchronized void print() {
    printed = true;
    if (terminal) {
      err.print("\r" + Report.clip(line(), 99) + "   ");
    } else {
      err.println(Report.clip(line(), 100));
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
