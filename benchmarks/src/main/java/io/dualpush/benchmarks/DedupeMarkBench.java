package io.dualpush.benchmarks;

import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Claims and marks done distinct ids in the embedded {@link FileDedupeStore} of a file log in a temporary
 * directory (deleted at the end) from a number of threads, and prints the rate: the cost of a durable done mark
 * (since issue 14 each {@code markDone} writes its entry to the journal file before it returns, concurrent markers
 * sharing a write). A first round warms up, the second is reported. It uses only the public API, so it runs over
 * an older jar too: {@code java -cp driver.jar:older.jar io.dualpush.benchmarks.DedupeMarkBench 8 50000}.
 *
 * <p>Arguments: threads (1), marks per thread (400,000 divided by the threads).
 */
public final class DedupeMarkBench {
  private DedupeMarkBench() {}

  /**
   * Runs two rounds and prints one line.
   *
   * @param args threads and marks per thread, both optional
   * @throws Exception when the directory cannot be made or a marker thread is interrupted
   */
  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int per = args.length > 1 ? Integer.parseInt(args[1]) : 400_000 / threads;
    for (int round = 0; round < 2; round++) {
      Path dir = Files.createTempDirectory("dedupe-mark-bench");
      try (FileTransactionLog log = FileTransactionLog.open(dir);
          FileDedupeStore store = FileDedupeStore.open(log, Duration.ofDays(1), Clock.systemUTC())) {
        Thread[] markers = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          String prefix = "m-" + t + "-";
          markers[t] = new Thread(() -> {
            for (int i = 0; i < per; i++) {
              String id = prefix + i;
              store.claim(id, Duration.ofMinutes(5));
              store.markDone(id, "txn-0123456789abcdef|md5-base64-xxxxxxxxxxxxxx|1024", Duration.ofDays(1));
            }
          });
          markers[t].start();
        }
        for (Thread marker : markers) {
          marker.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (round == 1) {
          System.out.printf("dedupe-marks: %d thread(s), %,d claim+markDone/s (%.2f us each)%n", threads,
              Math.round(threads * per / seconds), seconds * 1e6 / (threads * per));
        }
      } finally {
        delete(dir);
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
