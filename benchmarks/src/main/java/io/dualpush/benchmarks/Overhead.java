package io.dualpush.benchmarks;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.spi.TransactionLog;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.micrometer.DualPushMetrics;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Engine overhead: pushes per second of small distinct objects to two in-memory destinations, so
 * what is measured is the engine (hash, log, hand-offs, routing, digest checks), not storage.
 * Two drivers: the sync client from C threads, and the async client with a bounded window.
 */
final class Overhead {
  /**
   * @param keepObjects objects kept per destination; older keys are deleted so the fakes do not grow
   *     without bound (a real destination keeps them off the JVM heap)
   * @param retention terminal transactions the bounded log keeps ({@code TransactionIndex}'s retention)
   * @param historyDetail what the history records with operations on ({@code ON})
   */
  record Config(int warmupSeconds, int seconds, int concurrency, int window, int size, int ioThreads, String log,
      int keepObjects, int retention, int statsPerSecond, io.dualpush.HistoryDetail historyDetail) {}

  record Result(String driver, String detail, long pushes, double seconds, double pushesPerSecond,
      double minSecondRate, double maxSecondRate, long p50Nanos, long p99Nanos, long p999Nanos,
      long failures, String firstFailure, long heapBeforeBytes, long heapAfterBytes) {}

  /**
   * What runs beside the engine. {@code DEFAULT} is what {@code overhead} measures: the client's defaults (the
   * default alert sink, a coalescer over SLF4J; the event history at its default capacity), no listener.
   * {@code OFF} is the engine bare: no listener, an alert sink that drops every alert, the history off
   * ({@code historyCapacity(0)}). {@code ON} is a monitored client: {@code DualPushMetrics} as its listener, bound
   * to a {@code SimpleMeterRegistry} that a thread scrapes once a second (every meter measured, as a Prometheus
   * scrape does), the default alert sink and the history at its default capacity.
   */
  enum Operations { DEFAULT, OFF, ON }

  private final Config config;

  Overhead(Config config) {
    this.config = config;
  }

  List<Result> run() throws InterruptedException {
    List<Result> results = new ArrayList<>();
    results.add(sync(Operations.DEFAULT));
    results.add(async(Operations.DEFAULT));
    return results;
  }

  /**
   * One driver's run, on a fresh client, with operations set as given.
   *
   * @param driver {@code sync} or {@code async}
   */
  Result run(String driver, Operations operations) throws InterruptedException {
    return driver.equals("sync") ? sync(operations) : async(operations);
  }

  // ------------------------------------------------------------------ drivers

  private Result sync(Operations operations) throws InterruptedException {
    Setup s = new Setup(operations);
    try (s; DualPushClient client = s.builder(Math.max(256, config.concurrency())).buildClient()) {
      s.attach(client.async());
      Run run = new Run(s);
      run.pollStats(client::stats);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < config.concurrency(); t++) {
        Thread thread = new Thread(() -> {
          while (run.phase != Phase.DONE) {
            long n = run.next.getAndIncrement();
            PushRequest request = run.request(n);
            boolean measured = run.phase == Phase.MEASURE;
            long t0 = System.nanoTime();
            try {
              client.push(request);
              run.completed(n, measured, System.nanoTime() - t0, null);
            } catch (RuntimeException e) {
              run.completed(n, measured, System.nanoTime() - t0, e);
            }
          }
        }, "bench-sync-" + t);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
      Result r = run.drive("sync", config.concurrency() + " threads" + s.describe());
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      }
      return r;
    }
  }

  private Result async(Operations operations) throws InterruptedException {
    Setup s = new Setup(operations);
    try (s; DualPushAsyncClient client = s.builder(config.window()).buildAsyncClient()) {
      s.attach(client);
      Run run = new Run(s);
      run.pollStats(client::stats);
      Semaphore window = new Semaphore(config.window());
      Thread submitter = new Thread(() -> {
        try {
          while (run.phase != Phase.DONE) {
            window.acquire();
            long n = run.next.getAndIncrement();
            PushRequest request = run.request(n);
            boolean measured = run.phase == Phase.MEASURE;
            long t0 = System.nanoTime();
            try {
              client.push(request).whenComplete((receipt, error) -> {
                run.completed(n, measured, System.nanoTime() - t0, error);
                window.release();
              });
            } catch (RuntimeException e) {
              run.completed(n, measured, System.nanoTime() - t0, e);
              window.release();
            }
          }
          // Drain, so closing the client does not count as pushes in flight.
          window.acquire(config.window());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "bench-async-submitter");
      submitter.setDaemon(true);
      submitter.start();
      Result r = run.drive("async", "window " + config.window() + s.describe());
      submitter.join(TimeUnit.SECONDS.toMillis(30));
      return r;
    }
  }

  // ------------------------------------------------------------------ plumbing

  private enum Phase { WARMUP, MEASURE, DONE }

  /** Fresh destinations and log for one driver, so one driver's leftovers do not burden the next. */
  private final class Setup implements AutoCloseable {
    final Operations operations;
    final DualPushMetrics metrics;
    final SimpleMeterRegistry registry;
    private volatile boolean closed;
    final InMemoryDestination primary = new InMemoryDestination("primary");
    final InMemoryDestination secondary = new InMemoryDestination("secondary");
    final TransactionLog log = createLog();
    private TransactionLog createLog() {
      switch (config.log()) {
        case "testkit":
          return new InMemoryTransactionLog();
        case "file":
          // The durable file log (group commit, fsync) in a fresh directory: what stats() polling competes with.
          try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("dualpush-overhead-log");
            dir.toFile().deleteOnExit();
            return io.dualpush.local.FileTransactionLog.builder(dir).terminalRetention(config.retention()).open();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        default:
          return new BoundedInMemoryTransactionLog(config.retention());
      }
    }

    Setup(Operations operations) {
      this.operations = operations;
      this.metrics = operations == Operations.ON ? DualPushMetrics.ofDefaults() : null;
      this.registry = operations == Operations.ON ? new SimpleMeterRegistry() : null;
    }

    DualPushClientBuilder builder(int maxInFlight) {
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination(DestinationOptions.of("primary"), primary)
          .destination(DestinationOptions.of("secondary"), secondary)
          .transactionLog(log)
          .ioThreads(config.ioThreads())
          .maxInFlight(maxInFlight);
      if (operations == Operations.OFF) {
        b.alertSink(alert -> { }).historyCapacity(0);
      }
      if (metrics != null) {
        b.listener(metrics).historyDetail(config.historyDetail());
      }
      return b;
    }

    /** With operations on: binds the metrics and scrapes the registry once a second until closed. */
    void attach(DualPushAsyncClient client) {
      if (metrics == null) {
        return;
      }
      metrics.attach(client).bindTo(registry);
      Thread scraper = new Thread(() -> {
        while (!closed) {
          for (Meter m : registry.getMeters()) {
            m.measure().forEach(Measurement::getValue);
          }
          java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
      }, "bench-metrics-scraper");
      scraper.setDaemon(true);
      scraper.start();
    }

    String describe() {
      return switch (operations) {
        case DEFAULT -> "";
        case OFF -> ", operations off";
        case ON -> ", operations on";
      };
    }

    @Override
    public void close() {
      closed = true;
      if (metrics != null) {
        metrics.close();
      }
    }
  }

  /** One timed run: warm-up, then a fixed measured span; counts what completes within it. */
  private final class Run {
    final Setup setup;
    final AtomicLong next = new AtomicLong();
    final AtomicLong measuredDone = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final java.util.concurrent.atomic.AtomicReference<Throwable> firstFailure = new java.util.concurrent.atomic.AtomicReference<>();
    final LatencyHistogram latency = new LatencyHistogram();
    final byte[] template = new byte[config.size()];
    volatile Phase phase = Phase.WARMUP;

    Run(Setup setup) {
      this.setup = setup;
      new java.util.Random(7).nextBytes(template);
    }

    /**
     * A thread calling {@code stats()} {@code statsPerSecond} times a second until the run ends, as a
     * dashboard polling the client would (none when 0).
     */
    void pollStats(java.util.function.Supplier<io.dualpush.DualPushStats> stats) {
      if (config.statsPerSecond() <= 0) {
        return;
      }
      long period = 1_000_000_000L / config.statsPerSecond();
      Thread poller = new Thread(() -> {
        long next = System.nanoTime();
        while (phase != Phase.DONE) {
          stats.get();
          next += period;
          java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
        }
      }, "bench-stats-poller");
      poller.setDaemon(true);
      poller.start();
    }

    /** Distinct key, distinct content: the object's number is written into its first bytes. */
    PushRequest request(long n) {
      byte[] bytes = template.clone();
      for (int i = 0; i < Math.min(8, bytes.length); i++) {
        bytes[i] = (byte) (n >>> (8 * i));
      }
      return PushRequest.of(key(n), PushContent.ofBytes(bytes));
    }

    void completed(long n, boolean measured, long nanos, Throwable failure) {
      if (failure != null) {
        failures.incrementAndGet();
        firstFailure.compareAndSet(null, failure);
      }
      if (measured && phase == Phase.MEASURE) {
        measuredDone.incrementAndGet();
        latency.record(nanos);
      }
      long old = n - config.keepObjects();
      if (old >= 0) {
        setup.primary.delete(key(old));
        setup.secondary.delete(key(old));
      }
    }

    Result drive(String driver, String detail) throws InterruptedException {
      TimeUnit.SECONDS.sleep(config.warmupSeconds());
      long heapBefore = liveHeap();
      long startCount = next.get();
      long t0 = System.nanoTime();
      phase = Phase.MEASURE;
      double min = Double.MAX_VALUE;
      double max = 0;
      long last = measuredDone.get();
      long lastT = t0;
      long end = t0 + TimeUnit.SECONDS.toNanos(config.seconds());
      while (System.nanoTime() < end) {
        TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
        long now = System.nanoTime();
        long done = measuredDone.get();
        if (now - lastT >= TimeUnit.MILLISECONDS.toNanos(900)) {
          double rate = (done - last) * 1e9 / (now - lastT);
          min = Math.min(min, rate);
          max = Math.max(max, rate);
        }
        last = done;
        lastT = now;
      }
      phase = Phase.DONE;
      long t1 = System.nanoTime();
      long pushes = measuredDone.get();
      double secs = (t1 - t0) / 1e9;
      // Let the drivers stop before the heap is measured.
      TimeUnit.MILLISECONDS.sleep(200);
      long heapAfter = liveHeap();
      if (min == Double.MAX_VALUE) {
        min = max = pushes / secs;
      }
      if (next.get() - startCount == 0) {
        throw new IllegalStateException("no push was started in the measured span");
      }
      return new Result(driver, detail, pushes, secs, pushes / secs, min, max,
          latency.percentile(0.50), latency.percentile(0.99), latency.percentile(0.999),
          failures.get(), describe(firstFailure.get()), heapBefore, heapAfter);
    }
  }

  private static String describe(Throwable t) {
    if (t == null) {
      return "";
    }
    Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    StackTraceElement[] at = c.getStackTrace();
    return c + (at.length > 0 ? " at " + at[0] : "") + (at.length > 1 ? " < " + at[1] : "");
  }

  private static String key(long n) {
    return "bench/obj-" + n + ".bin";
  }

  /** Heap in use after a full collection: what the run keeps alive. */
  static long liveHeap() {
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
