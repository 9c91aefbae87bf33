package io.dualpush.benchmarks;

import io.dualpush.CopyStatus;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.FileTransactionLog.Durability;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.OpenSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a file log holding an outage's backlog reopens in a small heap: {@code write DIR N} appends
 * N transactions shaped like the outage harness's and leaves them all open (one copy verified, the
 * other failed, one repair round; copy-forward off, so every segment stays); {@code open DIR}, run
 * with {@code -Xmx256m}, replays the log and prints the open count and the live heap after it.
 *
 * <pre>{@code
 * java -cp benchmarks/target/dualpush-benchmarks.jar io.dualpush.benchmarks.OpenBacklogReplay write target/backlog 1000000
 * java -Xmx256m -cp benchmarks/target/dualpush-benchmarks.jar io.dualpush.benchmarks.OpenBacklogReplay open target/backlog
 * }</pre>
 */
final class OpenBacklogReplay {
  private OpenBacklogReplay() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[1]);
    if (args[0].equals("write")) {
      write(dir, Integer.parseInt(args[2]));
    } else {
      open(dir, args.length > 2 ? Long.parseLong(args[2]) : 0);
    }
  }

  private static FileTransactionLog.Builder builder(Path dir) {
    return FileTransactionLog.builder(dir).compactAfterSegments(Integer.MAX_VALUE);
  }

  private static void write(Path dir, int transactions) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    long start = System.nanoTime();
    try (FileTransactionLog log = builder(dir).durability(Durability.OS_BUFFERED).open()) {
      int threads = 8;
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        int first = w;
        Thread t = new Thread(() -> {
          long millis = Instant.parse("2026-11-30T10:00:00Z").toEpochMilli();
          for (int i = first; i < transactions; i += threads) {
            Instant at = Instant.ofEpochMilli(millis).plusNanos(i * 17_000L);
            String id = "txn-" + Long.toString(millis + i / 20, 36) + "-9f3c2a71-" + Long.toString(i + 1, 36);
            String key = String.format(Locale.ROOT, "outage/%09d.bin", i);
            String md5 = Md5.of(key.getBytes(StandardCharsets.UTF_8));
            log.append(new LogEntry.Started(id, at, key, 1024, md5, "", "", "application/octet-stream", Map.of(),
                List.of(new LogEntry.Target("primary", true), new LogEntry.Target("secondary", true)), 2, ""));
            log.append(new LogEntry.CopyUpdated(id, at.plusMillis(1), "primary", CopyStatus.VERIFIED, md5, "", false));
            log.append(new LogEntry.CopyUpdated(id, at.plusMillis(2), "secondary", CopyStatus.FAILED, "",
                "destination secondary is unavailable: connection refused", false));
            log.append(new LogEntry.RepairAttempted(id, at.plusSeconds(1), 1));
          }
        });
        t.start();
        writers.add(t);
      }
      for (Thread t : writers) {
        t.join();
      }
      System.out.printf(Locale.ROOT, "wrote %,d open transactions in %.1f s; %s%n", transactions,
          (System.nanoTime() - start) / 1e9, log.openSummary());
    }
  }

  private static void open(Path dir, long holdMillis) throws InterruptedException {
    long start = System.nanoTime();
    try (FileTransactionLog log = builder(dir).open()) {
      double seconds = (System.nanoTime() - start) / 1e9;
      OpenSummary summary = log.openSummary();
      long used = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        System.gc();
        Thread.sleep(100);
        used = Math.min(used, Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
      }
      System.out.printf(Locale.ROOT, "replayed in %.1f s: %,d open, oldest %s; live heap %.1f MiB of max %.1f MiB "
          + "(%.1f bytes per open transaction, everything included)%n", seconds, summary.count(),
          summary.oldestStart().orElse(null), used / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0,
          used / (double) Math.max(1, summary.count()));
      Thread.sleep(holdMillis); // time for a heap histogram
    }
  }
}
