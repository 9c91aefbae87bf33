package io.dualpush.benchmarks;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.testkit.AzuriteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * dualpush against the plain SDK on two real Azurite instances (two "regions"), in one run: each
 * side writes the same number of distinct objects from the same number of threads.
 * <ul>
 *   <li>dualpush: a {@link DualPushClient} with two required {@link AzureBlobDestination}s and the
 *       file transaction log (GROUP_COMMIT) under {@code target/}; one {@code push} per object,
 *       which logs, writes both copies in parallel and verifies them against the source MD5;</li>
 *   <li>plain SDK: per object, {@code upload} to A, then {@code upload} to B, one after the other
 *       (what a job does without dualpush), no log and no verification.</li>
 * </ul>
 * Each size runs {@code rounds} times per side, alternating which side goes first, after a warm-up
 * of both. Every round is kept on its own, so a side's CPU per object is reported as the median of
 * its rounds with their spread, and the ratio as the median of the ratios of rounds run back to
 * back: one noisy round (another process on the machine, a collection) moves neither.
 *
 * <p>Client CPU is this JVM's own ({@code getProcessCpuTime}: every thread, JIT and GC included);
 * the two Azurites are separate processes, counted apart. The dualpush client stays open through
 * the plain SDK's rounds, as a long-lived client would, so its idle threads are charged there.
 */
final class AzureBench {
  /**
   * @param rttMillis delay added to every request of both sides, to stand in for a cross-region round trip
   * @param sizes object sizes to run, in order
   * @param sides which sides to run: both, or one alone (to profile it without the other)
   * @param logWindowMillis the dualpush side's log {@code groupCommitWindow} (the log's own default when negative; 0 for none)
   */
  record Config(int smallObjects, int largeObjects, int threads, int rounds, int warmup, int rttMillis, Path dir,
      List<Integer> sizes, Set<String> sides, int logWindowMillis) {
    Config(int smallObjects, int largeObjects, int threads, int rounds, int warmup, int rttMillis, Path dir) {
      this(smallObjects, largeObjects, threads, rounds, warmup, rttMillis, dir, List.of(4 * 1024, 1024 * 1024),
          Set.of(DUALPUSH, SDK), 0);
    }
  }

  static final String DUALPUSH = "dualpush";
  static final String SDK = "plain SDK";

  /**
   * Thread groups for the client CPU split, by the name the thread carries (first match wins):
   * dualpush's own threads by job, the SDK's and the JDK HTTP client's, the benchmark's callers.
   */
  static final List<Map.Entry<String, List<String>>> GROUPS = List.of(
      Map.entry("callers", List.of("pool-")),
      Map.entry("dualpush push", List.of("dualpush-push")),
      Map.entry("dualpush io", List.of("dualpush-io")),
      Map.entry("dualpush log", List.of("dualpush-log")),
      Map.entry("dualpush other", List.of("dualpush-")),
      Map.entry("SDK + HTTP", List.of("azure-sdk-global", "HttpClient-", "reactor-", "parallel-", "boundedElastic-")));

  /** The column of what no live Java thread accounts for: the JIT and GC threads (not visible to ThreadMXBean), threads that ended. */
  static final String UNSEEN = "JIT, GC, ended threads";

  /** The group {@code threadName} is counted in, or "other". */
  static String group(String threadName) {
    for (Map.Entry<String, List<String>> g : GROUPS) {
      for (String prefix : g.getValue()) {
        if (threadName.startsWith(prefix)) {
          return g.getKey();
        }
      }
    }
    return "other";
  }

  /**
   * What one side spent in one round. {@code logSyncs}: fsyncs of dualpush's transaction log.
   * {@code jitMillis}: time the JIT compilers spent in the round (still compiling: the warm-up was short).
   * {@code cpuByGroup}: CPU (user + system) of the Java threads alive at the round's end, by
   * {@link #GROUPS}; the JIT and GC threads and threads that ended during the round (the JDK HTTP
   * client's per-response threads on a 2-CPU machine) are in no group, but in {@code clientCpuNanos}.
   */
  record Round(String side, int size, int round, long objects, long wallNanos, long clientCpuNanos,
      long azuriteCpuNanos, long requests, long threadsStarted, long logSyncs, long jitMillis,
      Map<String, Long> cpuByGroup) {
    Round(String side, int size, int round, long objects, long wallNanos, long clientCpuNanos,
        long azuriteCpuNanos, long requests, long threadsStarted) {
      this(side, size, round, objects, wallNanos, clientCpuNanos, azuriteCpuNanos, requests, threadsStarted, 0, 0,
          Map.of());
    }

    /** CPU time of this JVM per object in this round, in microseconds. */
    double clientCpuMicrosPerObject() {
      return clientCpuNanos / 1e3 / objects;
    }
  }

  /** One side at one size, all rounds together, with each round's figures kept. */
  record Result(String side, int size, long objects, long nanos, long p50, long p99, long clientCpuNanos,
      long azuriteCpuNanos, long requests, List<Round> rounds) {
    /** HTTP requests sent (retries included) per object, both regions together. */
    double requestsPerObject() {
      return requests / (double) objects;
    }

    double objectsPerSecond() {
      return objects / (nanos / 1e9);
    }

    /** CPU time of this JVM per object over all rounds (both sides run in it, one at a time). */
    double clientCpuMicrosPerObject() {
      return clientCpuNanos / 1e3 / objects;
    }

    /** The median of the rounds' client CPU per object. */
    double medianClientCpuMicros() {
      return median(rounds.stream().mapToDouble(Round::clientCpuMicrosPerObject).toArray());
    }

    /** The lowest round's client CPU per object. */
    double minClientCpuMicros() {
      return rounds.stream().mapToDouble(Round::clientCpuMicrosPerObject).min().orElse(Double.NaN);
    }

    /** The highest round's client CPU per object. */
    double maxClientCpuMicros() {
      return rounds.stream().mapToDouble(Round::clientCpuMicrosPerObject).max().orElse(Double.NaN);
    }

    /**
     * CPU per object by thread group over all rounds, in microseconds, in {@link #GROUPS} order, then
     * "other", then {@link #UNSEEN} (the total minus the groups).
     */
    Map<String, Double> cpuMicrosByGroup() {
      Map<String, Double> out = new java.util.LinkedHashMap<>();
      GROUPS.forEach(g -> out.put(g.getKey(), 0.0));
      out.put("other", 0.0);
      double seen = 0;
      for (Round r : rounds) {
        for (Map.Entry<String, Long> e : r.cpuByGroup().entrySet()) {
          out.merge(e.getKey(), e.getValue() / 1e3 / objects, Double::sum);
          seen += e.getValue() / 1e3 / objects;
        }
      }
      out.put(UNSEEN, clientCpuMicrosPerObject() - seen);
      return out;
    }

    /** fsyncs of dualpush's transaction log per object. */
    double logSyncsPerObject() {
      return rounds.stream().mapToLong(Round::logSyncs).sum() / (double) objects;
    }

    /** Threads this JVM started per object: a thread per task or per response shows here. */
    double threadsStartedPerObject() {
      return rounds.stream().mapToLong(Round::threadsStarted).sum() / (double) objects;
    }

    /** CPU time of both Azurite processes per object. */
    double azuriteCpuMicrosPerObject() {
      return azuriteCpuNanos / 1e3 / objects;
    }

    double mibPerSecond() {
      return objects * (double) size / (1024 * 1024) / (nanos / 1e9);
    }
  }

  /**
   * The ratio of {@code a}'s client CPU per object to {@code b}'s, round by round (round {@code i}
   * of each side ran back to back), as the median and the range of those ratios.
   */
  static double[] roundRatios(Result a, Result b) {
    int n = Math.min(a.rounds().size(), b.rounds().size());
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = a.rounds().get(i).clientCpuMicrosPerObject() / b.rounds().get(i).clientCpuMicrosPerObject();
    }
    return ratios;
  }

  /** The median: the middle value, or the mean of the two middle values; NaN for none. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private final Config config;
  private final AtomicInteger sequence = new AtomicInteger();
  /** fsyncs of dualpush's log so far. */
  private static volatile java.util.function.LongSupplier logSyncs = () -> 0;

  AzureBench(Config config) {
    this.config = config;
  }

  List<Result> run() throws Exception {
    List<Result> results = new ArrayList<>();
    try (AzuriteProcess a = new AzuriteProcess("bench-a"); AzuriteProcess b = new AzuriteProcess("bench-b")) {
      a.start();
      b.start();
      BlobContainerClient ca = container(a);
      BlobContainerClient cb = container(b);
      Path logDir = Files.createDirectories(config.dir().resolve("log-" + System.currentTimeMillis()));
      ExecutorService pool = Executors.newFixedThreadPool(config.threads());
      // The default log of transactionLog(Path), opened here to count its fsyncs; another
      // group-commit window only when asked for (--log-window-ms).
      FileTransactionLog.Builder logBuilder = FileTransactionLog.builder(logDir);
      if (config.logWindowMillis() >= 0) {
        logBuilder.groupCommitWindow(Duration.ofMillis(config.logWindowMillis()));
      }
      try (FileTransactionLog log = logBuilder.open();
          DualPushClient client = new DualPushClientBuilder()
          .transactionLog(log)
          .destination("a", new AzureBlobDestination(ca))
          .destination("b", new AzureBlobDestination(cb))
          .buildClient()) {
        logSyncs = log::syncCount;
        Side dualpush = (key, bytes) -> client.push(PushRequest.builder(key, PushContent.ofBytes(bytes)).build());
        Side sdk = (key, bytes) -> {
          ca.getBlobClient(key).upload(BinaryData.fromBytes(bytes), true);
          cb.getBlobClient(key).upload(BinaryData.fromBytes(bytes), true);
        };
        List<Map.Entry<String, Side>> sides = new ArrayList<>();
        if (config.sides().contains(DUALPUSH)) {
          sides.add(Map.entry(DUALPUSH, dualpush));
        }
        if (config.sides().contains(SDK)) {
          sides.add(Map.entry(SDK, sdk));
        }
        for (int size : config.sizes()) {
          int objects = size < 64 * 1024 ? config.smallObjects() : config.largeObjects();
          // Small objects warm up for the whole --azure-warmup, whatever a round's size (a warm-up capped at
          // a round of 1,000 left the JIT compiling through the measured rounds); large ones at most a round.
          int warm = size < 64 * 1024 ? config.warmup() : Math.min(config.warmup(), objects);
          // In passes of at most a round, the sides taking turns, so both reach the same state.
          for (int done = 0; done < warm; done += objects) {
            for (Map.Entry<String, Side> side : sides) {
              measure(pool, side.getValue(), "warm-" + label(side.getKey()), Math.min(objects, warm - done), size, null);
            }
          }
          Map<String, Tally> tallies = new java.util.LinkedHashMap<>();
          sides.forEach(side -> tallies.put(side.getKey(), new Tally(a, b)));
          for (int round = 0; round < config.rounds(); round++) {
            for (int i = 0; i < sides.size(); i++) {
              // The first side alternates, so neither always runs right after the other's work.
              Map.Entry<String, Side> side = sides.get((i + round) % sides.size());
              Round r = round(pool, side.getValue(), side.getKey(), objects, size, round, tallies.get(side.getKey()));
              System.out.printf(java.util.Locale.ROOT, "  %d-byte objects, round %d, %-9s: %,.0f obj/s, client CPU "
                  + "%,.0f µs/object, %.2f threads started/object, JIT compiling %,d ms%n", size, round + 1, side.getKey(),
                  objects / (r.wallNanos() / 1e9), r.clientCpuMicrosPerObject(), r.threadsStarted() / (double) objects,
                  r.jitMillis());
            }
          }
          long total = (long) objects * config.rounds();
          tallies.forEach((name, tally) -> results.add(tally.result(name, size, total)));
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return results;
  }

  private static String label(String side) {
    return side.equals(DUALPUSH) ? "dp" : "sdk";
  }

  /** Every HTTP request either side sends, retries included (the sides run one at a time). */
  private static final java.util.concurrent.atomic.AtomicLong REQUESTS = new java.util.concurrent.atomic.AtomicLong();

  /** Counts each request (per retry) into {@link #REQUESTS}. */
  private static final class Count implements HttpPipelinePolicy {
    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      REQUESTS.incrementAndGet();
      return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      REQUESTS.incrementAndGet();
      return next.processSync();
    }
  }

  private BlobContainerClient container(AzuriteProcess azurite) {
    BlobServiceClientBuilder builder = new BlobServiceClientBuilder().connectionString(azurite.connectionString())
        .addPolicy(new Count());
    if (config.rttMillis() > 0) {
      builder.addPolicy(new Delay(Duration.ofMillis(config.rttMillis())));
    }
    return builder.buildClient().createBlobContainer("bench");
  }

  /** Holds every request back by a fixed time, like a far region's round trip; both sides get the same. */
  private static final class Delay implements HttpPipelinePolicy {
    private final Duration delay;

    Delay(Duration delay) {
      this.delay = delay;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      return Mono.delay(delay).then(next.process());
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return next.processSync();
    }
  }

  @FunctionalInterface
  private interface Side {
    void write(String key, byte[] bytes) throws Exception;
  }

  /** What one side spent over its rounds: wall time, latencies, and CPU in this JVM and in both Azurites. */
  static final class Tally {
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final java.lang.management.CompilationMXBean JIT = java.lang.management.ManagementFactory.getCompilationMXBean();
    private final AzuriteProcess a;
    private final AzuriteProcess b;
    final LatencyHistogram latencies = new LatencyHistogram();
    long wallNanos;
    long clientCpuNanos;
    long azuriteCpuNanos;
    long requests;

    Tally(AzuriteProcess a, AzuriteProcess b) {
      this.a = a;
      this.b = b;
    }

    final List<Round> rounds = new ArrayList<>();

    /** CPU time so far of every live thread, by thread id, with its name. */
    static Map<Long, Map.Entry<String, Long>> threadCpu() {
      Map<Long, Map.Entry<String, Long>> out = new java.util.HashMap<>();
      for (java.lang.management.ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
        if (t != null) {
          long cpu = THREADS.getThreadCpuTime(t.getThreadId());
          if (cpu >= 0) {
            out.put(t.getThreadId(), Map.entry(t.getThreadName(), cpu));
          }
        }
      }
      return out;
    }

    /** CPU each group's threads used between two {@link #threadCpu()} readings (threads alive at the second). */
    static Map<String, Long> byGroup(Map<Long, Map.Entry<String, Long>> before, Map<Long, Map.Entry<String, Long>> after) {
      Map<String, Long> out = new java.util.HashMap<>();
      after.forEach((id, now) -> {
        Map.Entry<String, Long> then = before.get(id);
        long used = now.getValue() - (then == null ? 0 : then.getValue());
        out.merge(group(now.getKey()), used, Long::sum);
      });
      return out;
    }

    long[] cpuNow() {
      return new long[] {OS.getProcessCpuTime(), a.cpuTime().plus(b.cpuTime()).toNanos(), REQUESTS.get(),
          THREADS.getTotalStartedThreadCount(), logSyncs.getAsLong(), JIT.getTotalCompilationTime()};
    }

    Round add(String side, int size, int round, long objects, long wall, long[] before, long[] after,
        Map<String, Long> cpuByGroup) {
      Round r = new Round(side, size, round, objects, wall, after[0] - before[0], after[1] - before[1],
          after[2] - before[2], after[3] - before[3], after[4] - before[4], after[5] - before[5], cpuByGroup);
      rounds.add(r);
      wallNanos += wall;
      clientCpuNanos += r.clientCpuNanos();
      azuriteCpuNanos += r.azuriteCpuNanos();
      requests += r.requests();
      return r;
    }

    Result result(String side, int size, long objects) {
      return new Result(side, size, objects, wallNanos, latencies.percentile(0.50), latencies.percentile(0.99),
          clientCpuNanos, azuriteCpuNanos, requests, List.copyOf(rounds));
    }
  }

  private Round round(ExecutorService pool, Side side, String name, int objects, int size, int round, Tally tally)
      throws Exception {
    Map<Long, Map.Entry<String, Long>> threadsBefore = Tally.threadCpu();
    long[] before = tally.cpuNow();
    long wall = measure(pool, side, label(name), objects, size, tally.latencies);
    long[] after = tally.cpuNow();
    return tally.add(name, size, round, objects, wall, before, after, Tally.byGroup(threadsBefore, Tally.threadCpu()));
  }

  /** Writes {@code objects} distinct objects from {@code threads} threads; returns the wall time. */
  private long measure(ExecutorService pool, Side side, String label, int objects, int size, LatencyHistogram latencies)
      throws Exception {
    String prefix = label + "/" + sequence.incrementAndGet() + "/";
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> workers = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < config.threads(); t++) {
      workers.add(pool.submit(() -> {
        byte[] bytes = new byte[size];
        for (int i; (i = next.getAndIncrement()) < objects; ) {
          new SplittableRandom(((long) prefix.hashCode() << 32) ^ i).nextBytes(bytes);
          long t0 = System.nanoTime();
          side.write(prefix + i + ".bin", bytes);
          if (latencies != null) {
            latencies.record(System.nanoTime() - t0);
          }
        }
        return null;
      }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    return System.nanoTime() - start;
  }
}
