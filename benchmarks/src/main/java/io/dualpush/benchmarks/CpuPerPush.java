package io.dualpush.benchmarks;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.testkit.InMemoryDestination;
import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The async driver of {@code overhead} for a fixed number of pushes, reporting the whole process's
 * CPU time per push beside the rate. On a machine shared with other work the rate moves with what
 * else runs, while the CPU a push costs moves much less: this is the figure to compare engines by.
 *
 * <p>It uses only the public API and {@link BoundedInMemoryTransactionLog}, which every benchmarks
 * jar since issue 7 holds, so it can run over an older jar's engine: put that jar first on the class
 * path and this one after it, and the older engine answers while this class (found only in the newer
 * jar) drives it:
 * <pre>{@code
 * java -cp benchmarks-before.jar:dualpush-benchmarks.jar io.dualpush.benchmarks.CpuPerPush 300000 1000000
 * }</pre>
 * Arguments: warm-up pushes, measured pushes (defaults 300,000 and 1,000,000). Window 256, 1 KiB
 * objects, two in-memory destinations keeping their newest 1,000 objects, 2 I/O threads each, the
 * bounded in-memory log keeping 10,000 finished transactions: the {@code overhead} defaults.
 *
 * <p>A third argument {@code ids} gives every push a message id and uses a {@code FileTransactionLog}
 * (OS-buffered, so that fsyncs do not swamp the figure) in a temporary directory, deleted at the end:
 * the engine's dedupe path with the embedded default store that log gets (an in-process store before
 * issue 12, the journaled {@code FileDedupeStore} since). Run it as {@code -cp this.jar:older.jar} with
 * only this class first when comparing engines, so that both run the same driver.
 */
public final class CpuPerPush {
  private static final int WINDOW = 256;
  private static final int KEEP = 1000;

  private CpuPerPush() {}

  /**
   * Runs the measurement and prints one line.
   *
   * @param args warm-up pushes and measured pushes, both optional
   * @throws InterruptedException when interrupted while waiting for the window
   * @throws java.io.IOException when the temporary log directory cannot be made or deleted
   */
  public static void main(String[] args) throws InterruptedException, java.io.IOException {
    long warm = args.length > 0 ? Long.parseLong(args[0]) : 300_000;
    long measured = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
    boolean ids = args.length > 2 && args[2].equals("ids");
    java.nio.file.Path logDir = ids ? java.nio.file.Files.createTempDirectory("cpu-per-push-log") : null;
    InMemoryDestination primary = new InMemoryDestination("primary");
    InMemoryDestination secondary = new InMemoryDestination("secondary");
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    byte[] template = new byte[1024];
    new Random(7).nextBytes(template);
    AtomicLong failures = new AtomicLong();
    AtomicReference<Throwable> first = new AtomicReference<>();
    io.dualpush.spi.TransactionLog log = ids
        ? io.dualpush.local.FileTransactionLog.builder(logDir)
            .durability(io.dualpush.local.FileTransactionLog.Durability.OS_BUFFERED).open()
        : new BoundedInMemoryTransactionLog(10_000);
    try (log; DualPushAsyncClient client = new DualPushClientBuilder()
        .destination(DestinationOptions.of("primary"), primary)
        .destination(DestinationOptions.of("secondary"), secondary)
        .transactionLog(log)
        .ioThreads(2).maxInFlight(WINDOW).buildAsyncClient()) {
      Semaphore window = new Semaphore(WINDOW);
      long cpu0 = 0;
      long t0 = 0;
      for (long n = 0; n < warm + measured; n++) {
        if (n == warm) {
          // The warm-up's pushes end before the measured span starts.
          window.acquire(WINDOW);
          window.release(WINDOW);
          cpu0 = os.getProcessCpuTime();
          t0 = System.nanoTime();
        }
        window.acquire();
        byte[] bytes = template.clone();
        for (int i = 0; i < 8; i++) {
          bytes[i] = (byte) (n >>> (8 * i));
        }
        long k = n;
        PushRequest request = ids
            ? PushRequest.builder("bench/obj-" + n, PushContent.ofBytes(bytes)).messageId("msg-" + n).build()
            : PushRequest.of("bench/obj-" + n, PushContent.ofBytes(bytes));
        client.push(request).whenComplete((r, e) -> {
          if (e != null) {
            failures.incrementAndGet();
            first.compareAndSet(null, e);
          }
          if (k >= KEEP) {
            primary.delete("bench/obj-" + (k - KEEP));
            secondary.delete("bench/obj-" + (k - KEEP));
          }
          window.release();
        });
      }
      window.acquire(WINDOW);
      long cpu = os.getProcessCpuTime() - cpu0;
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("cpu-per-push%s: %,d pushes after %,d warm-up; process CPU %.2f us/push; %,.0f pushes/s "
          + "(%.2f CPUs busy); failures %d%s%n", ids ? " (message ids, file log)" : "", measured, warm, cpu / 1e3 / measured, measured / seconds,
          cpu / 1e9 / seconds, failures.get(), first.get() == null ? "" : " (first: " + first.get() + ")");
    }
    if (logDir != null) {
      try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(logDir)) {
        for (java.nio.file.Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(p);
        }
      }
    }
  }
}
