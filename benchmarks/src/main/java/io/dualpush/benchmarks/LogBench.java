package io.dualpush.benchmarks;

import io.dualpush.CopyStatus;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.FileTransactionLog.Durability;
import io.dualpush.spi.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The file transaction log on a real disk: durable appends per second by concurrent writers in
 * GROUP_COMMIT and FSYNC_PER_RECORD modes ({@code log-append}), and the time to open (replay) a
 * log of a million records ({@code log-open}).
 */
final class LogBench {
  private static final String MD5 = "rL0Y20zC+Fzt72VPzMSk2A==";
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");

  private LogBench() {}

  /** One cell of the append table. */
  record AppendResult(Durability mode, int writers, long appends, double seconds, long syncs) {
    double perSecond() {
      return appends / seconds;
    }
  }

  /** A record the size of what the engine logs for each copy it verifies (about 90 bytes framed). */
  static LogEntry copyUpdated(long n) {
    return new LogEntry.CopyUpdated(String.format("txn-%012d-9f3c2a71-%d", n / 3, n % 3), T0.plusNanos(n), "secondary",
        CopyStatus.VERIFIED, MD5, "", false);
  }

  static LogEntry.Started started(long txn) {
    return new LogEntry.Started(String.format("txn-%012d-9f3c2a71-0", txn), T0.plusNanos(txn),
        "gold/sales/2026/11/24/part-" + txn + ".parquet", 1_048_576, MD5, "sales", "", "application/octet-stream",
        Map.of(), List.of(new LogEntry.Target("primary", true), new LogEntry.Target("dr", true)), 2, "");
  }

  static List<AppendResult> append(Path root, int seconds, List<Integer> writerCounts) throws Exception {
    List<AppendResult> results = new ArrayList<>();
    for (Durability mode : List.of(Durability.GROUP_COMMIT, Durability.FSYNC_PER_RECORD)) {
      for (int writers : writerCounts) {
        Path dir = Files.createDirectories(root.resolve(mode.name().toLowerCase() + "-" + writers));
        clear(dir);
        results.add(appendRun(dir, mode, writers, seconds));
        clear(dir);
        AppendResult r = results.get(results.size() - 1);
        System.out.printf(java.util.Locale.ROOT, "log-append %-16s writers %3d: %,10.0f appends/s (%,d appends, %,d fsyncs, "
            + "%.1f records per fsync)%n", mode, writers, r.perSecond(), r.appends(), r.syncs(),
            r.syncs() == 0 ? 0.0 : (double) r.appends() / r.syncs());
      }
    }
    return results;
  }

  private static AppendResult appendRun(Path dir, Durability mode, int writers, int seconds) throws Exception {
    try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(mode).open()) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicBoolean measuring = new AtomicBoolean();
      AtomicLong counted = new AtomicLong();
      AtomicLong sequence = new AtomicLong();
      CountDownLatch done = new CountDownLatch(writers);
      for (int w = 0; w < writers; w++) {
        Thread t = new Thread(() -> {
          try {
            while (!stop.get()) {
              log.append(copyUpdated(sequence.getAndIncrement()));
              if (measuring.get()) {
                counted.incrementAndGet();
              }
            }
          } finally {
            done.countDown();
          }
        }, "log-append-" + w);
        t.setDaemon(true);
        t.start();
      }
      Thread.sleep(1000); // warm-up: JIT, file allocation
      long syncsBefore = log.syncCount();
      measuring.set(true);
      long start = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      measuring.set(false);
      double elapsed = (System.nanoTime() - start) / 1e9;
      long syncs = log.syncCount() - syncsBefore;
      stop.set(true);
      done.await();
      return new AppendResult(mode, writers, counted.get(), elapsed, syncs);
    }
  }

  /** Writes a log of {@code records} records, then times {@code open} {@code runs} times; returns ms per run. */
  static List<Double> open(Path dir, int records, int runs) throws IOException {
    clear(dir);
    long written = 0;
    long startWrite = System.nanoTime();
    // Push-like cycles: start, two copies verified; one transaction in a hundred stays open, which
    // keeps every segment (compaction would otherwise delete them as it rolls over).
    try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(Durability.OS_BUFFERED).open()) {
      for (long txn = 0; written < records; txn++) {
        LogEntry.Started s = started(txn);
        log.append(s);
        written++;
        for (String dest : List.of("primary", "dr")) {
          if (written < records && (txn % 100 != 0 || dest.equals("primary"))) {
            log.append(new LogEntry.CopyUpdated(s.transactionId(), s.at(), dest, CopyStatus.VERIFIED, MD5, "", false));
            written++;
          }
        }
      }
    }
    long bytes = 0;
    int segments = 0;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".wal")).toList()) {
        bytes += Files.size(p);
        segments++;
      }
    }
    System.out.printf(java.util.Locale.ROOT, "log-open: wrote %,d records (%,.1f MiB in %d segments) in %.1f s%n", written,
        bytes / 1048576.0, segments, (System.nanoTime() - startWrite) / 1e9);
    List<Double> times = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      long start = System.nanoTime();
      int open;
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        double ms = (System.nanoTime() - start) / 1e6;
        open = log.open().size();
        times.add(ms);
      }
      System.out.printf(java.util.Locale.ROOT, "log-open run %d: %.0f ms (%,d open transactions)%n", run,
          times.get(times.size() - 1), open);
    }
    clear(dir);
    return times;
  }

  private static void clear(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      Files.createDirectories(dir);
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.delete(p);
        }
      }
    }
  }
}
