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
import io.dualpush.testkit.AzuriteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Each size runs {@code rounds} times, alternating which side goes first, after a warm-up of both.
 */
final class AzureBench {
  /** @param rttMillis delay added to every request of both sides, to stand in for a cross-region round trip */
  record Config(int smallObjects, int largeObjects, int threads, int rounds, int warmup, int rttMillis, Path dir) {}

  /** One side at one size, all rounds together. */
  record Result(String side, int size, long objects, long nanos, long p50, long p99, long clientCpuNanos,
      long azuriteCpuNanos, long requests) {
    /** HTTP requests sent (retries included) per object, both regions together. */
    double requestsPerObject() {
      return requests / (double) objects;
    }

    double objectsPerSecond() {
      return objects / (nanos / 1e9);
    }

    /** CPU time of this JVM per object (both sides run in it, one at a time). */
    double clientCpuMicrosPerObject() {
      return clientCpuNanos / 1e3 / objects;
    }

    /** CPU time of both Azurite processes per object. */
    double azuriteCpuMicrosPerObject() {
      return azuriteCpuNanos / 1e3 / objects;
    }

    double mibPerSecond() {
      return objects * (double) size / (1024 * 1024) / (nanos / 1e9);
    }
  }

  private final Config config;
  private final AtomicInteger sequence = new AtomicInteger();

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
      try (DualPushClient client = new DualPushClientBuilder()
          .transactionLog(logDir)
          .destination("a", new AzureBlobDestination(ca))
          .destination("b", new AzureBlobDestination(cb))
          .buildClient()) {
        Side dualpush = (key, bytes) -> client.push(PushRequest.builder(key, PushContent.ofBytes(bytes)).build());
        Side sdk = (key, bytes) -> {
          ca.getBlobClient(key).upload(BinaryData.fromBytes(bytes), true);
          cb.getBlobClient(key).upload(BinaryData.fromBytes(bytes), true);
        };
        for (int size : new int[] {4 * 1024, 1024 * 1024}) {
          int objects = size < 64 * 1024 ? config.smallObjects() : config.largeObjects();
          int warm = Math.min(config.warmup(), objects);
          measure(pool, dualpush, "warm-dp", warm, size, null);
          measure(pool, sdk, "warm-sdk", warm, size, null);
          Tally td = new Tally(a, b);
          Tally ts = new Tally(a, b);
          for (int round = 0; round < config.rounds(); round++) {
            if (round % 2 == 0) {
              round(pool, dualpush, "dp", objects, size, td);
              round(pool, sdk, "sdk", objects, size, ts);
            } else {
              round(pool, sdk, "sdk", objects, size, ts);
              round(pool, dualpush, "dp", objects, size, td);
            }
          }
          long total = (long) objects * config.rounds();
          long nd = td.wallNanos;
          long ns = ts.wallNanos;
          results.add(td.result("dualpush", size, total));
          results.add(ts.result("plain SDK", size, total));
          System.out.printf(java.util.Locale.ROOT, "  %d-byte objects done: dualpush %.0f obj/s, SDK %.0f obj/s%n", size,
              total / (nd / 1e9), total / (ns / 1e9));
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return results;
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
  private static final class Tally {
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
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

    long[] cpuNow() {
      return new long[] {OS.getProcessCpuTime(), a.cpuTime().plus(b.cpuTime()).toNanos(), REQUESTS.get()};
    }

    void add(long wall, long[] before, long[] after) {
      wallNanos += wall;
      clientCpuNanos += after[0] - before[0];
      azuriteCpuNanos += after[1] - before[1];
      requests += after[2] - before[2];
    }

    Result result(String side, int size, long objects) {
      return new Result(side, size, objects, wallNanos, latencies.percentile(0.50), latencies.percentile(0.99),
          clientCpuNanos, azuriteCpuNanos, requests);
    }
  }

  private void round(ExecutorService pool, Side side, String label, int objects, int size, Tally tally)
      throws Exception {
    long[] before = tally.cpuNow();
    long wall = measure(pool, side, label, objects, size, tally.latencies);
    tally.add(wall, before, tally.cpuNow());
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
