package io.dualpush.benchmarks;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.client.EndpointHealth;
import io.dualpush.client.FailoverReadClient;
import io.dualpush.client.FailoverReadClientBuilder;
import io.dualpush.client.HedgeOptions;
import io.dualpush.client.ReadEndpoint;
import io.dualpush.client.ReadResult;
import io.dualpush.testkit.AzuriteProcess;
import io.dualpush.testkit.HttpObjectServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * The failover read client (issue 13) against its acceptance targets, in one run, on loopback HTTP endpoints (the
 * testkit's {@link HttpObjectServer}, two instances holding the same objects with {@code Content-MD5}) and, for the
 * comparison with the Azure SDK's secondary-read retry, two {@link AzuriteProcess} instances:
 * <ul>
 *   <li>(a) endpoint A (priority 0) refuses connections: the first read after it went down, over many trials with a
 *       fresh, warmed-up client each, and then steady reads with A known down, each against the same reads with A
 *       healthy;</li>
 *   <li>(b) A (priority 0, the one the client prefers) adds 200 ms to 10% of requests: p99 with default hedging,
 *       with hedging off, and with a 1 ms hedge floor, against both healthy; hedges per read;</li>
 *   <li>(c) reads/s from one healthy endpoint against a plain {@code HttpClient.send} of the same URLs, rounds
 *       alternating;</li>
 *   <li>(d) primary Azurite stopped: the SDK's {@code RequestRetryOptions} with {@code secondaryHost} against the
 *       client over two {@link AzureBlobDestination}s.</li>
 * </ul>
 * Latencies are taken around the blocking call by the calling thread, so they include everything a caller waits for.
 */
final class ReadBench {
  /**
   * @param objects objects on each endpoint
   * @param size bytes per object
   * @param reads measured reads per (a)/(b) series
   * @param threads reader threads for (b) and (c)
   * @param trials discovery trials for (a)
   * @param warmup reads before each measured series (and per discovery trial)
   * @param seconds length of one (c) round
   * @param rounds (c) rounds per side
   * @param azureReads measured reads per side for (d)
   * @param parts which of a, b, c, d to run
   */
  record Config(int objects, int size, int reads, int threads, int trials, int warmup, int seconds, int rounds,
      int azureReads, Set<String> parts) {}

  /** Latencies of one series and what the client did. */
  record Series(String name, int threads, LatencyHistogram latencies, long reads, long hedges, long errors) {
    double p(double q) {
      return latencies.percentile(q) / 1e6;
    }
  }

  static final double DOWN_KNOWN_TARGET_MS = 10;
  static final double DOWN_DISCOVERY_TARGET_MS = 50;
  static final double HEDGE_RATIO_TARGET = 1.2;
  static final double THROUGHPUT_TARGET = 0.9;
  private static final String CONTAINER = "read-bench";

  private final Config config;
  private final List<String> keys = new ArrayList<>();
  private final List<byte[]> data = new ArrayList<>();

  ReadBench(Config config) {
    this.config = config;
    SplittableRandom random = new SplittableRandom(13);
    for (int i = 0; i < config.objects(); i++) {
      byte[] bytes = new byte[config.size()];
      for (int j = 0; j < bytes.length; j++) {
        bytes[j] = (byte) random.nextInt(256);
      }
      keys.add(String.format(Locale.ROOT, "dash/%05d.bin", i));
      data.add(bytes);
    }
  }

  void run() throws Exception {
    if (config.parts().contains("a")) {
      endpointDown();
    }
    if (config.parts().contains("b")) {
      slowEndpoint();
    }
    if (config.parts().contains("c")) {
      throughput();
    }
    if (config.parts().contains("d")) {
      azureSecondary();
    }
  }

  private HttpObjectServer server() {
    HttpObjectServer s = HttpObjectServer.start();
    for (int i = 0; i < keys.size(); i++) {
      s.put(keys.get(i), data.get(i));
    }
    return s;
  }

  private static FailoverReadClient client(HttpObjectServer a, HttpObjectServer b, HedgeOptions hedging) {
    return new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.http("A", a.baseUri()))
        .endpoint(ReadEndpoint.http("B", b.baseUri()).withPriority(1))
        .hedging(hedging)
        .buildClient();
  }

  /** {@code n} reads of the keys in turn from {@code threads} threads, each read timed by its caller. */
  private Series reads(String name, FailoverReadClient client, int n, int threads) throws Exception {
    LatencyHistogram h = new LatencyHistogram();
    AtomicInteger next = new AtomicInteger();
    AtomicLong hedges = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < n) {
            String key = keys.get(i % keys.size());
            long t0 = System.nanoTime();
            try {
              ReadResult r = client.read(key).orElseThrow();
              h.record(System.nanoTime() - t0);
              hedges.addAndGet(r.hedges());
            } catch (RuntimeException e) {
              h.record(System.nanoTime() - t0);
              errors.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return new Series(name, threads, h, n, hedges.get(), errors.get());
  }

  private static void header(String line) {
    System.out.println();
    System.out.println(line);
  }

  private static void print(Series s) {
    System.out.printf(Locale.ROOT, "  %-44s %2d thr  %,7d reads  p50 %8.3f ms  p99 %8.3f ms  p99.9 %8.3f ms  max %8.3f ms"
        + "  hedges %,6d (%.4f/read)  errors %d%n", s.name(), s.threads(), s.reads(), s.p(0.50), s.p(0.99), s.p(0.999),
        s.p(1.0), s.hedges(), s.hedges() / (double) s.reads(), s.errors());
  }

  // ------------------------------------------------------------------ (a) one endpoint down

  private void endpointDown() throws Exception {
    header(String.format(Locale.ROOT, "(a) one of two endpoints down (connection refused); %d objects of %d bytes, "
        + "1 reader thread, %d warm-up reads", config.objects(), config.size(), config.warmup()));
    try (HttpObjectServer a = server(); HttpObjectServer b = server()) {
      // Discovery: a fresh client per trial, warmed up with A healthy; one timed healthy read, then A goes down and
      // the next read is timed.
      LatencyHistogram control = new LatencyHistogram();
      LatencyHistogram discovery = new LatencyHistogram();
      int wrongEndpoint = 0;
      int failed = 0;
      for (int trial = 0; trial < config.trials(); trial++) {
        a.acceptConnections();
        try (FailoverReadClient client = client(a, b, HedgeOptions.ofDefaults())) {
          reads("warm-up", client, config.warmup(), 1);
          String key = keys.get(trial % keys.size());
          long t0 = System.nanoTime();
          client.read(key).orElseThrow();
          control.record(System.nanoTime() - t0);
          a.refuseConnections();
          String other = keys.get((trial + 1) % keys.size());
          t0 = System.nanoTime();
          try {
            ReadResult r = client.read(other).orElseThrow();
            discovery.record(System.nanoTime() - t0);
            if (!r.endpointId().equals("B")) {
              wrongEndpoint++;
            }
          } catch (RuntimeException e) {
            discovery.record(System.nanoTime() - t0);
            failed++;
          }
        }
      }
      a.acceptConnections();
      System.out.printf(Locale.ROOT, "  discovery, %d trials: healthy read p50 %.3f ms p99 %.3f ms; first read after "
          + "A went down p50 %.3f ms p99 %.3f ms max %.3f ms; added p50 %.3f ms, added p99 %.3f ms (target < %.0f ms)"
          + "; served by A %d, failed %d%n", config.trials(), control.percentile(0.5) / 1e6,
          control.percentile(0.99) / 1e6, discovery.percentile(0.5) / 1e6, discovery.percentile(0.99) / 1e6,
          discovery.percentile(1.0) / 1e6, (discovery.percentile(0.5) - control.percentile(0.5)) / 1e6,
          (discovery.percentile(0.99) - control.percentile(0.99)) / 1e6, DOWN_DISCOVERY_TARGET_MS, wrongEndpoint,
          failed);

      // Steady state, one client: the same reads with A healthy, then with A down and known to be.
      try (FailoverReadClient client = client(a, b, HedgeOptions.ofDefaults())) {
        reads("warm-up", client, config.warmup() * 10, 1);
        Series healthy = reads("both healthy", client, config.reads(), 1);
        a.refuseConnections();
        reads("discovery", client, 10, 1);
        long aFailuresBefore = client.health().get(0).failures();
        long downStart = System.nanoTime();
        Series down = reads("A down, known", client, config.reads(), 1);
        double downSeconds = (System.nanoTime() - downStart) / 1e9;
        print(healthy);
        print(down);
        System.out.printf(Locale.ROOT, "  steady: added p50 %.3f ms, added p99 %.3f ms (target < %.0f ms); "
            + "reads that tried A (breaker probes) in the %.1f s of the series %d; A's health: %s%n",
            down.p(0.5) - healthy.p(0.5), down.p(0.99) - healthy.p(0.99), DOWN_KNOWN_TARGET_MS, downSeconds,
            client.health().get(0).failures() - aFailuresBefore, brief(client.health().get(0)));
        a.acceptConnections();
      }
    }
  }

  private static String brief(EndpointHealth h) {
    return h.endpointId() + " " + h.status() + ", breaker " + h.breaker().state() + ", reads " + h.reads()
        + ", failures " + h.failures();
  }

  // ------------------------------------------------------------------ (b) one endpoint slow

  private void slowEndpoint() throws Exception {
    header(String.format(Locale.ROOT, "(b) one of two endpoints slow: A (priority 0) adds 200 ms to 10%% of requests "
        + "(seeded); %d objects of %d bytes; each series a fresh client after %d warm-up reads with both healthy",
        config.objects(), config.size(), config.warmup() * 10));
    HedgeOptions floor1ms = HedgeOptions.builder().minDelay(Duration.ofMillis(1)).build();
    for (int threads : new int[] {config.threads(), 1}) {
      // Single-threaded the slow series cost 20 ms per read on average: fewer of them.
      int n = threads == 1 ? Math.max(1000, config.reads() / 8) : config.reads();
      try (HttpObjectServer a = server(); HttpObjectServer b = server()) {
        Series base = slowSeries("both healthy, default hedging", a, b, HedgeOptions.ofDefaults(), false, n, threads);
        Series hedged = slowSeries("A slow, default hedging", a, b, HedgeOptions.ofDefaults(), true, n, threads);
        Series off = slowSeries("A slow, hedging disabled", a, b, HedgeOptions.disabled(), true, n, threads);
        Series floor = slowSeries("A slow, hedging with minDelay 1 ms", a, b, floor1ms, true, n, threads);
        for (Series s : List.of(base, hedged, off, floor)) {
          print(s);
        }
        double bound = HedgeOptions.ofDefaults().budget() + HedgeOptions.ofDefaults().burst() / (double) n;
        System.out.printf(Locale.ROOT, "  %d thr: p99 hedged / p99 healthy = %.2f (target <= %.1f); hedges/read %.4f "
            + "(bound %.4f); hedging off: p99 ratio %.2f; minDelay 1 ms: p99 ratio %.2f, hedges/read %.4f%n",
            threads, hedged.p(0.99) / base.p(0.99), HEDGE_RATIO_TARGET, hedged.hedges() / (double) n, bound,
            off.p(0.99) / base.p(0.99), floor.p(0.99) / base.p(0.99), floor.hedges() / (double) n);
      }
    }
  }

  private Series slowSeries(String name, HttpObjectServer a, HttpObjectServer b, HedgeOptions hedging, boolean slow,
      int n, int threads) throws Exception {
    a.heal();
    try (FailoverReadClient client = client(a, b, hedging)) {
      reads("warm-up", client, config.warmup() * 10, threads);
      if (slow) {
        a.latency(Duration.ofMillis(200), 0.10, 42);
      }
      long delayedBefore = a.delayedRequests();
      Series s = reads(name, client, n, threads);
      a.heal();
      if (slow) {
        System.out.printf(Locale.ROOT, "    (%s: %,d requests to A delayed)%n", name, a.delayedRequests() - delayedBefore);
      }
      return s;
    }
  }

  // ------------------------------------------------------------------ (c) throughput

  private void throughput() throws Exception {
    int threads = config.threads();
    header(String.format(Locale.ROOT, "(c) reads/s from one healthy endpoint, %d threads, %d s rounds, %d rounds per "
        + "side alternating, after %d s warm-up of each: FailoverReadClient vs HttpClient.send(ofByteArray) of the "
        + "same URLs (no MD5 check on the plain side)", threads, config.seconds(), config.rounds(), config.seconds()));
    try (HttpObjectServer s = server()) {
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
          .followRedirects(HttpClient.Redirect.NEVER).build();
      List<URI> uris = keys.stream().map(k -> s.baseUri().resolve(k)).toList();
      try (FailoverReadClient client = new FailoverReadClientBuilder()
          .endpoint(ReadEndpoint.http("only", s.baseUri())).buildClient()) {
        Timed clientSide = i -> client.read(keys.get(i % keys.size())).orElseThrow().size();
        Timed plainSide = i -> {
          java.net.http.HttpResponse<byte[]> r = plain.send(HttpRequest.newBuilder(uris.get(i % uris.size()))
              .timeout(Duration.ofSeconds(5)).GET().build(), BodyHandlers.ofByteArray());
          if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode());
          }
          return r.body().length;
        };
        perSecond(clientSide, threads, config.seconds());
        perSecond(plainSide, threads, config.seconds());
        double[] c = new double[config.rounds()];
        double[] p = new double[config.rounds()];
        double[] ratio = new double[config.rounds()];
        for (int r = 0; r < config.rounds(); r++) {
          c[r] = perSecond(clientSide, threads, config.seconds());
          double cpuClient = lastCpuMicrosPerRead;
          p[r] = perSecond(plainSide, threads, config.seconds());
          double cpuPlain = lastCpuMicrosPerRead;
          ratio[r] = c[r] / p[r];
          System.out.printf(Locale.ROOT, "  round %d: client %,.0f reads/s (%.0f us CPU/read), plain %,.0f reads/s "
              + "(%.0f us CPU/read), ratio %.3f%n", r + 1, c[r], cpuClient, p[r], cpuPlain, ratio[r]);
        }
        System.out.printf(Locale.ROOT, "  median: client %,.0f reads/s, plain %,.0f reads/s; median ratio %.3f "
            + "(range %.3f-%.3f; target >= %.1f)%n", AzureBench.median(c), AzureBench.median(p),
            AzureBench.median(ratio), Arrays.stream(ratio).min().orElse(0), Arrays.stream(ratio).max().orElse(0),
            THROUGHPUT_TARGET);
      }
    }
  }

  /** One read by index; returns the bytes read. */
  private interface Timed {
    long read(int i) throws Exception;
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
  /** CPU of this JVM (client and loopback server together) per read in the last {@link #perSecond} call, in us. */
  private static double lastCpuMicrosPerRead;

  private static double perSecond(Timed side, int threads, int seconds) throws Exception {
    long cpu0 = OS.getProcessCpuTime();
    AtomicLong done = new AtomicLong();
    AtomicInteger next = new AtomicInteger();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          while (System.nanoTime() < end) {
            side.read(next.getAndIncrement());
            done.incrementAndGet();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    lastCpuMicrosPerRead = (OS.getProcessCpuTime() - cpu0) / 1e3 / done.get();
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  // ------------------------------------------------------------------ (d) the Azure SDK's secondary read

  private void azureSecondary() throws Exception {
    int threads = config.threads();
    int n = config.azureReads();
    int objects = Math.min(config.objects(), n);
    header(String.format(Locale.ROOT, "(d) primary Azurite stopped: Azure SDK RequestRetryOptions(EXPONENTIAL, maxTries 4, "
        + "tryTimeout 10 s, retryDelay 100 ms, maxRetryDelay 2 s, secondaryHost = the second Azurite) vs "
        + "FailoverReadClient over two AzureBlobDestinations (SDK retries off in their containers: maxTries 1); "
        + "%d blobs of %d bytes in both, %d reads per side from %d threads", objects, config.size(), n, threads));
    try (AzuriteProcess primary = new AzuriteProcess("read-primary");
        AzuriteProcess secondary = new AzuriteProcess("read-secondary")) {
      primary.start();
      secondary.start();
      for (AzuriteProcess az : List.of(primary, secondary)) {
        BlobContainerClient c = new BlobServiceClientBuilder().connectionString(az.connectionString()).buildClient()
            .createBlobContainer(CONTAINER);
        for (int i = 0; i < objects; i++) {
          byte[] bytes = data.get(i);
          c.getBlobClient(keys.get(i)).uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromBytes(bytes))
              .setHeaders(new BlobHttpHeaders().setContentMd5(MessageDigest.getInstance("MD5").digest(bytes))),
              null, null);
        }
      }
      String secondaryHost = "127.0.0.1:" + secondary.port();
      TryCounter tries = new TryCounter(primary.port(), secondary.port());
      BlobContainerClient sdk = new BlobServiceClientBuilder().connectionString(primary.connectionString())
          .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 4, 10, 100L, 2000L, secondaryHost))
          .addPolicy(tries).buildClient().getBlobContainerClient(CONTAINER);
      RequestRetryOptions once = new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 1, 10, 100L, 2000L, null);
      BlobContainerClient pa = new BlobServiceClientBuilder().connectionString(primary.connectionString())
          .retryOptions(once).buildClient().getBlobContainerClient(CONTAINER);
      BlobContainerClient sb = new BlobServiceClientBuilder().connectionString(secondary.connectionString())
          .retryOptions(once).buildClient().getBlobContainerClient(CONTAINER);
      try (FailoverReadClient client = new FailoverReadClientBuilder()
          .endpoint(ReadEndpoint.of("primary", new AzureBlobDestination(pa)))
          .endpoint(ReadEndpoint.of("secondary", new AzureBlobDestination(sb)).withPriority(1))
          .buildClient()) {
        // Warm up both sides with the primary up.
        Timed sdkSide = i -> sdk.getBlobClient(keys.get(i % objects)).downloadContent().getLength();
        Timed clientSide = i -> client.read(keys.get(i % objects)).orElseThrow().size();
        timedReads(sdkSide, Math.min(200, n), threads);
        timedReads(clientSide, Math.min(200, n), threads);
        LatencyHistogram sdkUp = timedReads(sdkSide, n, threads);
        LatencyHistogram clientUp = timedReads(clientSide, n, threads);
        System.out.printf(Locale.ROOT, "  primary up:  SDK p50 %8.3f ms  p99 %8.3f ms;  client p50 %8.3f ms  p99 %8.3f ms%n",
            sdkUp.percentile(0.5) / 1e6, sdkUp.percentile(0.99) / 1e6, clientUp.percentile(0.5) / 1e6,
            clientUp.percentile(0.99) / 1e6);
        primary.stop();
        tries.reset();
        LatencyHistogram s = timedReads(sdkSide, n, threads);
        long sdkPrimary = tries.primary.get();
        long sdkSecondary = tries.secondary.get();
        LatencyHistogram c = timedReads(clientSide, n, threads);
        System.out.printf(Locale.ROOT, "  Azure SDK secondary retry:   p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms; "
            + "tries per read: primary %.2f, secondary %.2f (each read starts at the primary again)%n",
            s.percentile(0.5) / 1e6, s.percentile(0.99) / 1e6, s.percentile(1.0) / 1e6, sdkPrimary / (double) n,
            sdkSecondary / (double) n);
        System.out.printf(Locale.ROOT, "  FailoverReadClient:          p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms; %s; %s%n",
            c.percentile(0.5) / 1e6, c.percentile(0.99) / 1e6, c.percentile(1.0) / 1e6, brief(client.health().get(0)),
            brief(client.health().get(1)));
        System.out.printf(Locale.ROOT, "  p50 SDK / client %.1f, p99 SDK / client %.1f%n",
            s.percentile(0.5) / (double) c.percentile(0.5), s.percentile(0.99) / (double) c.percentile(0.99));
      }
    }
  }

  private static LatencyHistogram timedReads(Timed side, int n, int threads) throws Exception {
    LatencyHistogram h = new LatencyHistogram();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < n) {
            long t0 = System.nanoTime();
            side.read(i);
            h.record(System.nanoTime() - t0);
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return h;
  }

  /** Counts each try (retries included) by the port it went to. */
  private static final class TryCounter implements HttpPipelinePolicy {
    private final int primaryPort;
    private final int secondaryPort;
    final AtomicLong primary = new AtomicLong();
    final AtomicLong secondary = new AtomicLong();

    TryCounter(int primaryPort, int secondaryPort) {
      this.primaryPort = primaryPort;
      this.secondaryPort = secondaryPort;
    }

    void reset() {
      primary.set(0);
      secondary.set(0);
    }

    private void count(HttpPipelineCallContext context) {
      int port = context.getHttpRequest().getUrl().getPort();
      if (port == primaryPort) {
        primary.incrementAndGet();
      } else if (port == secondaryPort) {
        secondary.incrementAndGet();
      }
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
      count(context);
      return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
      count(context);
      return next.processSync();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
      return HttpPipelinePosition.PER_RETRY;
    }
  }
}
