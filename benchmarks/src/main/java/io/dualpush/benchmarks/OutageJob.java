package io.dualpush.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushStats;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.testkit.FaultInjectingDestination;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outage run of issue 11, as a child JVM (the harness starts it with a small heap): one of two
 * required destinations down while N pushes go through the async client with a durable file log,
 * then the destination returns and repair must converge to every copy verified.
 *
 * <p>Every {@code --every} seconds it prints one line: phase, pushes done, open transactions, heap
 * used after the last collection (the live set, what "bounded" is about), the repair threads' CPU
 * in that interval, and the process's CPU; in the repair phase also the transactions repaired per
 * second and the repair threads' CPU per thousand repaired, which show whether the scheduler's
 * work grows with the backlog left. At the end it prints {@code RESULT} lines the harness reads.
 *
 * <p>Arguments: {@code PUSHES WINDOW SIZE DIR EVERY_SECONDS MAX_REPAIR_MINUTES [RETAINED_MIB]}; without
 * the last, the client's default payload retention budget.
 */
public final class OutageJob {
  private OutageJob() {}

  public static void main(String[] args) throws Exception {
    int pushes = Integer.parseInt(args[0]);
    int window = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    Path dir = Files.createDirectories(Path.of(args[3]));
    long every = Long.parseLong(args[4]) * 1_000_000_000L;
    long maxRepairNanos = Long.parseLong(args[5]) * 60_000_000_000L;
    long retainedMib = args.length > 6 ? Long.parseLong(args[6]) : -1;

    DigestOnlyDestination primary = new DigestOnlyDestination("primary", size);
    DigestOnlyDestination secondaryStore = new DigestOnlyDestination("secondary", size);
    FaultInjectingDestination secondary = FaultInjectingDestination.wrap(secondaryStore).partition();
    Sampler sampler = new Sampler();
    AtomicLong done = new AtomicLong();
    AtomicLong acknowledged = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicReference<Throwable> unexpected = new AtomicReference<>();
    long start = System.nanoTime();
    boolean converged;
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").build(), primary)
        .destination(DestinationOptions.builder("secondary").build(), secondary)
        .transactionLog(dir.resolve("log"))
        .repair(RepairOptions.builder().initialDelay(Duration.ofMillis(200)).maxDelay(Duration.ofSeconds(5)).build());
    if (retainedMib >= 0) {
      builder.retainedPayloadBytes(retainedMib * 1024 * 1024);
    }
    try (DualPushAsyncClient client = builder.buildAsyncClient()) {
      Semaphore permits = new Semaphore(window);
      long nextSample = System.nanoTime() + every;
      for (int i = 0; i < pushes; i++) {
        permits.acquire();
        client.push(PushRequest.builder(DigestOnlyDestination.key(i), PushContent.ofBytes(DigestOnlyDestination.content(i, size)))
                .build())
            .whenComplete((receipt, failure) -> {
              if (failure == null) {
                acknowledged.incrementAndGet();
              } else if (isPushFailed(failure)) {
                refused.incrementAndGet(); // the required copy on the region that is down: repair takes it
              } else {
                unexpected.compareAndSet(null, failure);
              }
              done.incrementAndGet();
              permits.release();
            });
        if (System.nanoTime() >= nextSample) {
          sampler.line("outage", done.get(), client.stats());
          nextSample += every;
        }
      }
      permits.acquire(window);
      sampler.line("outage", done.get(), client.stats());
      double pushSeconds = (System.nanoTime() - start) / 1e9;
      long heapAfterPushes = sampler.liveHeap();

      secondary.heal();
      long healed = System.nanoTime();
      DualPushStats stats = client.stats();
      long openAtHeal = stats.openTransactions();
      sampler.lastOpen = openAtHeal;
      while (stats.openTransactions() > 0 && System.nanoTime() - healed < maxRepairNanos) {
        Thread.sleep(Math.max(1, every / 1_000_000));
        stats = client.stats();
        sampler.line("repair", done.get(), stats);
      }
      double repairSeconds = (System.nanoTime() - healed) / 1e9;
      int verifiedSecondary = secondaryStore.goodAmong(pushes);
      int verifiedPrimary = primary.goodAmong(pushes);
      System.out.printf(Locale.ROOT, "RESULT pushes=%d acknowledged=%d refused=%d unexpected=%s%n", pushes,
          acknowledged.get(), refused.get(), unexpected.get() == null ? "none" : String.valueOf(unexpected.get()));
      System.out.printf(Locale.ROOT, "RESULT push_seconds=%.1f repair_seconds=%.1f open_at_end=%d dead_lettered=%d%n",
          pushSeconds, repairSeconds, stats.openTransactions(), stats.deadLettered());
      System.out.printf(Locale.ROOT, "RESULT primary_good=%d secondary_good=%d%n", verifiedPrimary, verifiedSecondary);
      System.out.printf(Locale.ROOT, "RESULT open_at_heal=%d repaired_per_s=%.0f%n", openAtHeal,
          (openAtHeal - stats.openTransactions()) / Math.max(1e-9, repairSeconds));
      System.out.printf(Locale.ROOT, "RESULT live_heap_after_pushes_mib=%.1f max_live_heap_mib=%.1f max_heap_mib=%.1f%n",
          heapAfterPushes / 1048576.0, sampler.maxLive / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
      converged = unexpected.get() == null && stats.openTransactions() == 0 && verifiedSecondary == pushes
          && verifiedPrimary == pushes;
    }
    System.out.println("RESULT " + (converged ? "converged: every copy verified on both destinations" : "NOT converged"));
    System.exit(converged ? 0 : 1);
  }

  private static boolean isPushFailed(Throwable failure) {
    Throwable t = failure;
    while (t != null) {
      if (t instanceof io.dualpush.PushFailedException) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }

  /** One line per interval: what the run looks like from outside. */
  private static final class Sampler {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final long t0 = System.nanoTime();
    private long lastAt = t0;
    private long lastRepairCpu;
    private long lastProcessCpu = os.getProcessCpuTime();
    private long lastDone;
    long lastOpen = -1;
    long maxLive;

    long liveHeap() {
      long used = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
          used += pool.getCollectionUsage().getUsed();
        }
      }
      return used;
    }

    private long repairCpu() {
      long total = 0;
      for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
        if (info.getThreadName().contains("repair")) {
          long cpu = threads.getThreadCpuTime(info.getThreadId());
          if (cpu > 0) {
            total += cpu;
          }
        }
      }
      return total;
    }

    void line(String phase, long done, DualPushStats stats) {
      long now = System.nanoTime();
      long live = liveHeap();
      maxLive = Math.max(maxLive, live);
      long repair = repairCpu();
      long process = os.getProcessCpuTime();
      double seconds = Math.max(1e-9, (now - lastAt) / 1e9);
      double repairMs = Math.max(0, repair - lastRepairCpu) / 1e6;
      String repaired = "";
      if (phase.equals("repair") && lastOpen >= 0) {
        long n = lastOpen - stats.openTransactions();
        repaired = String.format(Locale.ROOT, " repaired_per_s=%.0f repair_cpu_ms_per_1000=%s", n / seconds,
            n > 0 ? String.format(Locale.ROOT, "%.1f", repairMs * 1000 / n) : "-");
      }
      System.out.printf(Locale.ROOT,
          "SAMPLE t=%.0f phase=%s done=%d rate=%.0f open=%d live_heap_mib=%.1f repair_cpu_ms_per_s=%.1f process_cpu_pct=%.0f%s%n",
          (now - t0) / 1e9, phase, done, (done - lastDone) / seconds, stats.openTransactions(), live / 1048576.0,
          repairMs / seconds, (process - lastProcessCpu) / 1e7 / seconds, repaired);
      lastOpen = stats.openTransactions();
      lastAt = now;
      lastRepairCpu = repair;
      lastProcessCpu = process;
      lastDone = done;
    }
  }
}
