package io.dualpush.benchmarks;

import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushRequest;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.testkit.InMemoryDestination;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Disk use of the file log under a steady load: pushes of 1 KiB objects at a fixed rate, each to
 * two in-memory destinations, through the engine with a {@link FileTransactionLog} in
 * {@code --dir}, for {@code --minutes}. Samples the log directory's size every 10 s. Bounded means
 * the second half of the run never needs more disk than the first half's peak plus one segment.
 *
 * <p>{@code log-steady [--minutes 10] [--rate 2000] [--segment-mib 64] [--dir target/steady-log]}
 */
final class SteadyLoad {
  private SteadyLoad() {}

  record Sample(long seconds, long bytes, long files, long pushed, int open) {}

  static int run(double minutes, int rate, Path dir, int segmentMib) throws Exception {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dir);
    InMemoryDestination a = new InMemoryDestination("primary", Clock.systemUTC());
    InMemoryDestination b = new InMemoryDestination("secondary", Clock.systemUTC());
    AtomicLong pushed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<Sample> samples = new ArrayList<>();
    long durationNanos = (long) (minutes * 60e9);
    try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(segmentMib * 1024L * 1024).open();
         DualPushAsyncClient client = new DualPushClientBuilder().destination("primary", a).destination("secondary", b)
             .transactionLog(log).ioThreads(2).buildAsyncClient()) {
      Semaphore window = new Semaphore(256);
      long start = System.nanoTime();
      long nextSample = start;
      long n = 0;
      while (true) {
        long now = System.nanoTime();
        if (now - start >= durationNanos) {
          break;
        }
        if (now >= nextSample) {
          samples.add(sample(dir, (now - start) / 1_000_000_000L, pushed.get(), client.stats().openTransactions()));
          Sample s = samples.get(samples.size() - 1);
          System.out.printf(Locale.ROOT, "steady t=%4d s  log %8.1f MiB in %3d file(s)  pushed %,d  open %d%n",
              s.seconds(), s.bytes() / 1048576.0, s.files(), s.pushed(), s.open());
          nextSample += 10_000_000_000L;
        }
        // Pace: n pushes due by now at the target rate.
        long due = (now - start) * rate / 1_000_000_000L;
        if (n >= due) {
          Thread.sleep(1);
          continue;
        }
        window.acquire();
        long id = n++;
        byte[] payload = new byte[1024];
        ByteBuffer.wrap(payload).putLong(id).putLong(System.nanoTime());
        String key = "steady/obj-" + id + ".bin";
        client.push(PushRequest.of(key, payload)).whenComplete((r, e) -> {
          window.release();
          if (e == null) {
            pushed.incrementAndGet();
          } else {
            failed.incrementAndGet();
          }
          if (id >= 1000) {
            String old = "steady/obj-" + (id - 1000) + ".bin";
            a.delete(old);
            b.delete(old);
          }
        });
      }
      window.acquire(256);
      window.release(256);
      samples.add(sample(dir, (System.nanoTime() - start) / 1_000_000_000L, pushed.get(), client.stats().openTransactions()));
    }
    int half = samples.size() / 2;
    long firstPeak = samples.subList(0, Math.max(1, half)).stream().mapToLong(Sample::bytes).max().orElse(0);
    long secondPeak = samples.subList(half, samples.size()).stream().mapToLong(Sample::bytes).max().orElse(0);
    long last = samples.get(samples.size() - 1).bytes();
    long segment = segmentMib * 1024L * 1024;
    boolean bounded = secondPeak <= firstPeak + segment;
    System.out.printf(Locale.ROOT, "steady: %,d pushes in %.1f min at %d/s target (%,d failed); log peak first half %.1f MiB,"
        + " second half %.1f MiB, at the end %.1f MiB -> %s%n", pushed.get(), minutes, rate, failed.get(),
        firstPeak / 1048576.0, secondPeak / 1048576.0, last / 1048576.0, bounded ? "BOUNDED" : "GROWING");
    return bounded && failed.get() == 0 ? 0 : 1;
  }

  private static Sample sample(Path dir, long seconds, long pushed, int open) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return sampleOnce(dir, seconds, pushed, open);
      } catch (java.io.UncheckedIOException e) {
        if (attempt >= 5) {
          throw e.getCause();
        }
        // a file went away (compaction) while the directory was walked: look again
      }
    }
  }

  private static Sample sampleOnce(Path dir, long seconds, long pushed, int open) throws IOException {
    long bytes = 0;
    long files = 0;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        try {
          bytes += Files.size(p);
          files++;
        } catch (IOException e) {
          // deleted by compaction while we looked
        }
      }
    }
    return new Sample(seconds, bytes, files, pushed, open);
  }
}
