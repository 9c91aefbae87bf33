package io.dualpush.benchmarks;

import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.DedupeStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Heap a dedupe store needs per remembered message id: marks N ids done with outcomes shaped as the
 * engine's ({@code txn-<millis>-<tag>-<seq>}, a base64 MD5, a size) in the journaled
 * {@code FileDedupeStore} (in a temporary log directory, deleted at the end) or the
 * {@code InProcessDedupeStore}, and prints the live heap after a full GC, before and after, per id.
 * <pre>{@code
 * java -Xmx1g -cp dualpush-benchmarks.jar io.dualpush.benchmarks.DedupeHeap 1000000 file
 * }</pre>
 * Arguments: ids (default 1,000,000), store {@code file} or {@code memory} (default {@code file}).
 */
public final class DedupeHeap {
  private DedupeHeap() {}

  /**
   * Runs the measurement and prints one line.
   *
   * @param args number of ids, and the store
   * @throws IOException when the temporary directory cannot be made or deleted
   */
  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    boolean file = args.length < 2 || args[1].equals("file");
    Path dir = Files.createTempDirectory("dedupe-heap");
    Duration ttl = Duration.ofDays(7);
    try (FileTransactionLog log = FileTransactionLog.open(dir)) {
      long before = liveHeap();
      DedupeStore store = file ? FileDedupeStore.open(log, ttl, Clock.systemUTC()) : new InProcessDedupeStore();
      Random random = new Random(1);
      byte[] md5 = new byte[16];
      long start = System.currentTimeMillis();
      for (int i = 0; i < n; i++) {
        random.nextBytes(md5);
        String id = "msg-" + Long.toString(start, 36) + "-" + i;
        store.claim(id, Duration.ofMinutes(15));
        store.markDone(id, new DedupeOutcome("txn-" + Long.toString(start + i / 1000, 36) + "-1a2b3c4d-"
            + Long.toString(i, 36), Base64.getEncoder().encodeToString(md5), 1024 + i % 4096), ttl);
      }
      long after = liveHeap();
      System.out.printf("dedupe-heap: %s, %,d ids: live heap %,d -> %,d bytes, %.1f bytes/id%n",
          file ? "FileDedupeStore" : "InProcessDedupeStore", n, before, after, (after - before) / (double) n);
      if (store instanceof AutoCloseable c) {
        c.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static long liveHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
