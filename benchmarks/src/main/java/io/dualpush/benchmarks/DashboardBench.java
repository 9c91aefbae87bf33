package io.dualpush.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load on the dashboard sample (issue 16), run the way users run it: the packaged samples jar's
 * {@code dashboard} command in a child JVM, measured from this one over loopback, in one run:
 *
 * <ol>
 *   <li><b>Live updates</b>: {@code --clients} WebSocket sessions ({@link java.net.http.WebSocket})
 *       on {@code /api/live}; for {@code --seconds} the bench alternates {@code POST
 *       /api/simulate/down} and {@code /up} of {@code edge} every {@code --change-ms}, while the
 *       dashboard's own workload pushes. For every (session, event) whose {@code at} falls in the
 *       window: latency = receive time (this JVM's wall clock when the message's last frame
 *       arrived) − the event's {@code at} (the server's wall clock at the state change; same
 *       machine, same clock). The dashboard sends each session only the newest state of a region
 *       or transaction it has not had yet, so a session can miss an event because a newer state of
 *       the same region (transaction, alert) replaced it before the session's turn: such an event
 *       counts as superseded, and its latency runs until the session received the newer state.
 *       Sessions closed or failed during the run are counted as dropped, and events neither
 *       received nor superseded at a live session as missing.
 *   <li><b>REST</b>: an open-loop load of {@code --rest-rate} requests/s for {@code --rest-seconds}
 *       over {@code GET /api/regions}, {@code /api/transactions}, {@code /api/health} in turn;
 *       each latency runs from the request's scheduled send time, so a stalled server is charged
 *       for the requests it held back (no coordinated omission). The WebSocket sessions stay
 *       connected.
 *   <li><b>Failover detection</b>: {@code --trials} times, {@code POST /api/simulate/down} of
 *       {@code secondary}, timed from just before the request to the moment a WebSocket session
 *       (the first connected) receives a region event with the secondary {@code DOWN}; then
 *       {@code /up} and a wait until the session sees it {@code UP} with an empty backlog.
 * </ol>
 *
 * <p>Before (a), {@code --warmup} seconds of the same edge changes and then of the same REST load
 * run unrecorded, so that the figures are of a warmed-up JVM on both sides. The dashboard runs with {@code --rate-limit} raised (its default, 50 requests/s per remote
 * address, would refuse this load from one loopback address). Incoming batches are parsed once per
 * distinct text, after the receive time is taken, since the server sends the same text to every
 * session: a thousand parses per batch would load the shared CPUs, not the server's path.
 * Not thread-safe: one run at a time.
 */
final class DashboardBench {
  static final double LIVE_P99_TARGET_MS = 50;
  static final double REST_P95_TARGET_MS = 20;
  static final double DETECTION_TARGET_MS = 1000;

  private static final Pattern LISTENING = Pattern.compile("(?m)^LISTENING (\\S+) token-file=(.+)$");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What to run. */
  record Config(Path samplesJar, int clients, int seconds, int changeMillis, int restRate, int restSeconds, int trials,
      Path dir, String heap, int rateLimit, int connectParallelism, int warmupSeconds, boolean jfr, String gc) {}

  private final Config config;
  private final LatencyHistogram live = new LatencyHistogram();
  private final AtomicLong liveMax = new AtomicLong();
  private final AtomicLong liveBelowZero = new AtomicLong();
  /** Per window event, once: the batch's {@code sentAt} − the event's {@code at} (collecting and serialising). */
  private final LatencyHistogram serverSide = new LatencyHistogram();
  /** Per (session, batch with a window event): receive time − the batch's {@code sentAt} (fan-out, network, client). */
  private final LatencyHistogram delivery = new LatencyHistogram();
  private final Map<String, Batch> parsed = new ConcurrentHashMap<>();
  /** The window events whose server-side time is recorded (once each). */
  private final java.util.Set<String> serverTimed = ConcurrentHashMap.newKeySet();
  /** Every window event some session received, by its key. */
  private final Map<String, Event> windowEvents = new ConcurrentHashMap<>();
  private final List<Session> sessions = new ArrayList<>();
  private final AtomicInteger closedSessions = new AtomicInteger();
  private final List<String> cpuLines = new ArrayList<>();
  private ProcessHandle dashboardHandle;
  private long phaseStartNanos;
  private double phaseDashboardCpu;
  private double phaseBenchCpu;
  private volatile long windowFromMicros = Long.MAX_VALUE;
  private volatile long windowToMicros = Long.MIN_VALUE;

  DashboardBench(Config config) {
    this.config = config;
  }

  /** One received event, as the latency and detection parts need it. */
  private record Event(String type, long at, String region, String status, long backlog, String key, String slot) {}

  /** One parsed batch; shared by every session that received the same text. */
  private record Batch(long seq, long sentAt, List<Event> events, long parsedAtNanos) {}

  /** Figures of one run. */
  record Result(int clients, int connected, double connectSeconds, long liveCount, double liveP50, double liveP99,
      double liveMax, long liveNegative, long windowEvents, long superseded, long missing, int dropped, int changes,
      long restCount, long restErrors, double restP50, double restP95, double restP99, double restMax, double restRate,
      Map<String, double[]> restByPath, double[] detections, double[] detectionsAll, String openFiles, String split) {}

  Result run() throws Exception {
    // Parsed batches are needed only while the same text reaches the other sessions: forget them after 30 s.
    java.util.concurrent.ScheduledExecutorService sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dashboard-bench-sweeper");
      t.setDaemon(true);
      return t;
    });
    sweeper.scheduleWithFixedDelay(() -> {
      long old = System.nanoTime() - TimeUnit.SECONDS.toNanos(30);
      parsed.values().removeIf(b -> b.parsedAtNanos() < old);
    }, 5, 5, TimeUnit.SECONDS);
    try {
      return runDashboard();
    } finally {
      sweeper.shutdownNow();
    }
  }

  private Result runDashboard() throws Exception {
    Files.createDirectories(config.dir());
    Path out = config.dir().resolve("dashboard.out");
    Path err = config.dir().resolve("dashboard.err");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + config.heap(), "-XX:+Use" + (config.gc().endsWith("GC") ? config.gc() : config.gc() + "GC"), "-Xlog:gc:file=" + config.dir().resolve("dashboard-gc.log")));
    if (config.jfr()) {
      cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + config.dir().resolve("dashboard.jfr"));
    }
    cmd.addAll(List.of("-jar", config.samplesJar().toString(), "dashboard", "--dir", config.dir().resolve("data").toString(),
        "--port", "0", "--rate-limit", Integer.toString(config.rateLimit())));
    System.out.println("dashboard: " + String.join(" ", cmd));
    Process child = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    dashboardHandle = child.toHandle();
    try {
      Matcher m = awaitListening(child, out, err);
      URI base = URI.create(m.group(1));
      String token = Files.readAllLines(Path.of(m.group(2).trim()), StandardCharsets.UTF_8).get(0).trim();
      return measure(base, token);
    } finally {
      for (Session s : sessions) {
        s.abort();
      }
      try (OutputStream stdin = child.getOutputStream()) {
        stdin.flush();
      } catch (IOException e) {
        // gone already
      }
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        System.out.println("dashboard: did not exit within 30 s of stdin closing; killed");
      } else {
        System.out.println("dashboard: exited " + child.exitValue() + " after stdin closed; its log: " + err);
      }
    }
  }

  private static Matcher awaitListening(Process child, Path out, Path err) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
      if (m.find()) {
        return m;
      }
      if (!child.isAlive()) {
        throw new IOException("the dashboard exited " + child.exitValue() + " before listening:\n"
            + Files.readString(err, StandardCharsets.UTF_8));
      }
      Thread.sleep(50); // polling a child's output file; nothing to synchronise with
    }
    throw new IOException("no LISTENING line within 120 s:\n" + Files.readString(err, StandardCharsets.UTF_8));
  }

  private Result measure(URI base, String token) throws Exception {
    URI ws = URI.create(base.toString().replaceFirst("^http", "ws")).resolve("api/live");
    HttpClient rest = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    // Sessions spread over a few clients: each HttpClient has one selector thread. The listeners run on it
    // (a direct executor) rather than as a task per message on a cached pool: a batch reaches 1,000 sessions at
    // once, and 1,000 thread hand-offs would compete with the dashboard for the same CPUs.
    int pools = Math.max(1, Math.min(4, config.clients() / 250));
    List<HttpClient> wsClients = new ArrayList<>();
    for (int i = 0; i < pools; i++) {
      wsClients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30))
          .executor(Runnable::run).build());
    }

    // ---- connect
    System.out.printf(Locale.ROOT, "connecting %,d WebSocket sessions to %s (%d at a time)%n", config.clients(), ws,
        config.connectParallelism());
    long connectStart = System.nanoTime();
    Semaphore inFlight = new Semaphore(config.connectParallelism());
    List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
    AtomicInteger failedConnects = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    for (int i = 0; i < config.clients(); i++) {
      Session s = new Session(i);
      sessions.add(s);
      inFlight.acquire();
      CompletableFuture<WebSocket> f = wsClients.get(i % pools).newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
          .buildAsync(ws, s).whenComplete((w, e) -> {
            inFlight.release();
            if (e != null) {
              failedConnects.incrementAndGet();
              firstFailure.compareAndSet(null, e);
            }
          });
      opening.add(f);
    }
    for (CompletableFuture<WebSocket> f : opening) {
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // counted above
      }
    }
    long snapshotDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < snapshotDeadline && sessions.stream().anyMatch(s -> s.open && s.messages.get() == 0)) {
      Thread.sleep(20); // waiting for every session's snapshot batch, bounded
    }
    double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
    int connected = (int) sessions.stream().filter(s -> s.open && s.messages.get() > 0).count();
    System.out.printf(Locale.ROOT, "connected %,d of %,d in %.1f s (%d failed%s)%n", connected, config.clients(),
        connectSeconds, failedConnects.get(), firstFailure.get() == null ? "" : "; first: " + firstFailure.get());

    phase(null);
    // Sessions closed from here to the end are reported as dropped.
    int closedBefore = closedSessions.get();

    // ---- warm-up: the same edge changes and REST load, nothing recorded
    if (config.warmupSeconds() > 0) {
      System.out.printf(Locale.ROOT, "warm-up: %d s of edge changes, then %d s of REST load, not recorded%n",
          config.warmupSeconds(), config.warmupSeconds());
      toggleEdge(rest, base, token, config.warmupSeconds());
      restLoad(rest, base, config.warmupSeconds(), false);
      phase("warm-up");
    }

    // ---- (a) live updates under state changes
    windowFromMicros = nowMicros();
    int changes = toggleEdge(rest, base, token, config.seconds());
    windowToMicros = nowMicros();
    // Events of the window still on their way: give them two seconds (a wait, not a synchronisation).
    Thread.sleep(2000);
    long superseded = 0;
    long missing = 0;
    for (Session s : sessions) {
      if (s.open) {
        for (Event e : windowEvents.values()) {
          if (s.seen(e)) {
            continue;
          }
          long newer = s.newerReceived(e);
          if (newer == Long.MIN_VALUE) {
            missing++;
          } else {
            superseded++;
            long latency = newer - e.at();
            live.record(Math.max(1, latency) * 1000);
            liveMax.accumulateAndGet(latency, Math::max);
          }
        }
      }
    }
    long distinct = windowEvents.size();
    phase("(a) live updates, incl. 2 s drain");
    int dropped = closedSessions.get() - closedBefore;
    Result partial = new Result(config.clients(), connected, connectSeconds, live.count(), ms(live.percentile(0.50)),
        ms(live.percentile(0.99)), liveMax.get() / 1e3, liveBelowZero.get(), distinct, superseded, missing,
        dropped, changes, 0, 0, 0, 0, 0, 0, 0, Map.of(), new double[0], new double[0], openFiles(), split());
    System.out.println("live: " + partial.split());
    System.out.printf(Locale.ROOT, "live: %,d (session, event) latencies over %,d distinct events in %d s, %d edge "
        + "changes; p50 %.1f ms, p99 %.1f ms, max %.1f ms; %,d superseded by a newer state before they reached their "
        + "session (charged until it did); %d dropped sessions, %,d missing%n", partial.liveCount(),
        distinct, config.seconds(), changes, partial.liveP50(), partial.liveP99(), partial.liveMax(),
        partial.superseded(), dropped, partial.missing());

    // ---- (b) REST, open loop
    RestLoad restLoad = restLoad(rest, base, config.restSeconds(), true);
    phase("(b) REST");

    // ---- (c) failover detection
    double[][] detections = detections(rest, base, token);
    phase("(c) detection, incl. repair waits");

    return new Result(partial.clients(), partial.connected(), partial.connectSeconds(), partial.liveCount(),
        partial.liveP50(), partial.liveP99(), partial.liveMax(), partial.liveNegative(), partial.windowEvents(),
        partial.superseded(), partial.missing(), closedSessions.get() - closedBefore, changes, restLoad.count,
        restLoad.errors, ms(restLoad.all.percentile(0.50)), ms(restLoad.all.percentile(0.95)),
        ms(restLoad.all.percentile(0.99)), restLoad.max.get() / 1e6, restLoad.achievedRate, restLoad.byPath(),
        detections[0], detections[1], openFiles(), partial.split());
  }

  /**
   * Ends a phase: the CPU the dashboard's JVM and this one used since the last call, beside the
   * wall time, so that a missed target can be read against what the machine had to give.
   */
  private void phase(String name) {
    long now = System.nanoTime();
    double dashboardCpu = cpuSeconds(dashboardHandle);
    double benchCpu = cpuSeconds(ProcessHandle.current());
    if (name != null) {
      double wall = (now - phaseStartNanos) / 1e9;
      String line = String.format(Locale.ROOT, "%s: %.1f s wall; CPU dashboard %.1f s (%.0f%% of one CPU), bench %.1f s "
          + "(%.0f%%); load average %s", name, wall, dashboardCpu - phaseDashboardCpu,
          100 * (dashboardCpu - phaseDashboardCpu) / wall, benchCpu - phaseBenchCpu, 100 * (benchCpu - phaseBenchCpu) / wall,
          loadAverage());
      cpuLines.add(line);
      System.out.println("cpu " + line);
    }
    phaseStartNanos = now;
    phaseDashboardCpu = dashboardCpu;
    phaseBenchCpu = benchCpu;
  }

  private static double cpuSeconds(ProcessHandle p) {
    return p == null ? 0 : p.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  /** Where the live latency goes: in the server before the batch is written, and from then to the client. */
  private String split() {
    return String.format(Locale.ROOT, "server side (sentAt − at, once per event): p50 %.1f ms, p99 %.1f ms; delivery "
        + "(receive − sentAt, per session and batch): p50 %.1f ms, p99 %.1f ms", ms(serverSide.percentile(0.50)),
        ms(serverSide.percentile(0.99)), ms(delivery.percentile(0.50)), ms(delivery.percentile(0.99)));
  }

  // ------------------------------------------------------------------ REST

  private static final List<String> REST_PATHS = List.of("api/regions", "api/transactions?limit=50", "api/health");

  private static final class RestLoad {
    final LatencyHistogram all = new LatencyHistogram();
    final Map<String, LatencyHistogram> paths = new ConcurrentHashMap<>();
    final AtomicLong max = new AtomicLong();
    long count;
    long errors;
    double achievedRate;

    Map<String, double[]> byPath() {
      Map<String, double[]> m = new java.util.LinkedHashMap<>();
      for (String p : REST_PATHS) {
        LatencyHistogram h = paths.get(p);
        m.put(p, new double[] {h.count(), ms(h.percentile(0.50)), ms(h.percentile(0.95)), ms(h.percentile(0.99))});
      }
      return m;
    }
  }

  /** Alternates edge down and up every {@code --change-ms} for {@code seconds}; ends with edge up. */
  private int toggleEdge(HttpClient rest, URI base, String token, int seconds) throws IOException, InterruptedException {
    long endNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int changes = 0;
    long next = System.nanoTime();
    boolean down = false;
    while (System.nanoTime() < endNanos) {
      LockSupport.parkNanos(next - System.nanoTime());
      down = !down;
      post(rest, base, token, down ? "api/simulate/down" : "api/simulate/up", "{\"destination\":\"edge\"}");
      changes++;
      next += TimeUnit.MILLISECONDS.toNanos(config.changeMillis());
    }
    if (down) {
      post(rest, base, token, "api/simulate/up", "{\"destination\":\"edge\"}");
    }
    return changes;
  }

  private RestLoad restLoad(HttpClient http, URI base, int seconds, boolean report) throws InterruptedException {
    RestLoad load = new RestLoad();
    for (String p : REST_PATHS) {
      load.paths.put(p, new LatencyHistogram());
    }
    int total = config.restRate() * seconds;
    long period = TimeUnit.SECONDS.toNanos(1) / config.restRate();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(total);
    if (report) {
      System.out.printf(Locale.ROOT, "rest: %d requests/s for %d s, open loop, over %s%n", config.restRate(), seconds,
          REST_PATHS);
    }
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    for (int i = 0; i < total; i++) {
      long scheduled = start + i * period;
      long wait = scheduled - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      String path = REST_PATHS.get(i % REST_PATHS.size());
      HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
      http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((r, e) -> {
        long latency = System.nanoTime() - scheduled;
        load.all.record(latency);
        load.paths.get(path).record(latency);
        load.max.accumulateAndGet(latency, Math::max);
        if (e != null || r.statusCode() != 200) {
          errors.incrementAndGet();
          firstError.compareAndSet(null, e != null ? e.toString() : path + " -> " + r.statusCode());
        }
        done.countDown();
      });
    }
    long sentBy = System.nanoTime();
    if (!done.await(60, TimeUnit.SECONDS)) {
      System.out.printf("rest: %d requests unanswered 60 s after the last was sent%n", done.getCount());
    }
    load.count = total - done.getCount();
    load.errors = errors.get() + done.getCount();
    load.achievedRate = total / ((sentBy - start) / 1e9);
    if (!report) {
      return load;
    }
    System.out.printf(Locale.ROOT, "rest: %,d requests (sent at %.1f/s), %d errors%s; p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, "
        + "max %.1f ms%n", load.count, load.achievedRate, load.errors, firstError.get() == null ? "" : " (first: "
        + firstError.get() + ")", ms(load.all.percentile(0.50)), ms(load.all.percentile(0.95)),
        ms(load.all.percentile(0.99)), load.max.get() / 1e6);
    return load;
  }

  // ------------------------------------------------------------------ detection

  private double[][] detections(HttpClient http, URI base, String token) throws Exception {
    Session observer = sessions.stream().filter(s -> s.open).findFirst()
        .orElseThrow(() -> new IllegalStateException("no WebSocket session left to observe the failover"));
    double[] first = new double[config.trials()];
    double[] all = new double[config.trials()];
    for (int t = 0; t < config.trials(); t++) {
      awaitSecondary(observer, "UP", true, Duration.ofSeconds(120));
      List<Session> watching = sessions.stream().filter(s -> s.open).toList();
      CountDownLatch everyone = new CountDownLatch(watching.size());
      for (Session s : watching) {
        s.armDown(everyone);
      }
      long sent = System.nanoTime();
      post(http, base, token, "api/simulate/down", "{\"destination\":\"secondary\"}");
      long seen = observer.downSeen.get(30, TimeUnit.SECONDS);
      boolean allSaw = everyone.await(30, TimeUnit.SECONDS);
      long lastSeen = watching.stream().mapToLong(s -> s.downSeenNanos).max().orElse(seen);
      first[t] = (seen - sent) / 1e6;
      all[t] = allSaw ? (lastSeen - sent) / 1e6 : Double.NaN;
      System.out.printf(Locale.ROOT, "detection %d: %.1f ms to the first session, %s to all %d%n", t + 1, first[t],
          allSaw ? String.format(Locale.ROOT, "%.1f ms", all[t]) : "not within 30 s", watching.size());
      post(http, base, token, "api/simulate/up", "{\"destination\":\"secondary\"}");
    }
    awaitSecondary(observer, "UP", true, Duration.ofSeconds(120));
    return new double[][] {first, all};
  }

  private static void awaitSecondary(Session observer, String status, boolean emptyBacklog, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Event e = observer.secondary.get();
      if (e != null && status.equals(e.status()) && (!emptyBacklog || e.backlog() == 0)) {
        return;
      }
      Thread.sleep(20); // polling the observer's last view, bounded
    }
    throw new IllegalStateException("the secondary did not show " + status + (emptyBacklog ? " with an empty backlog" : "")
        + " within " + timeout + "; last seen: " + observer.secondary.get());
  }

  private static void post(HttpClient http, URI base, String token, String path, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("POST /" + path + " " + body + " answered " + r.statusCode() + ": " + r.body());
    }
  }

  // ------------------------------------------------------------------ sessions

  /** One WebSocket client: records latencies for the window and the secondary's last state. */
  private final class Session implements WebSocket.Listener {
    final int number;
    final AtomicLong messages = new AtomicLong();
    /** The keys of the window events received, and each slot's (at, receive time) pairs; under this session's lock. */
    private final java.util.Set<String> seenKeys = new java.util.HashSet<>();
    private final Map<String, List<long[]>> bySlot = new java.util.HashMap<>();
    final AtomicReference<Event> secondary = new AtomicReference<>();
    volatile boolean open;
    volatile WebSocket socket;
    private StringBuilder partial;
    volatile CompletableFuture<Long> downSeen = new CompletableFuture<>();
    volatile CountDownLatch downLatch;
    volatile long downSeenNanos;

    Session(int number) {
      this.number = number;
    }

    void armDown(CountDownLatch latch) {
      downSeen = new CompletableFuture<>();
      downSeenNanos = 0;
      downLatch = latch;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      socket = webSocket;
      open = true;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      if (!last) {
        if (partial == null) {
          partial = new StringBuilder();
        }
        partial.append(data);
        webSocket.request(1);
        return null;
      }
      long receivedMicros = nowMicros();
      long receivedNanos = System.nanoTime();
      String text;
      if (partial != null) {
        text = partial.append(data).toString();
        partial = null;
      } else {
        text = data.toString();
      }
      messages.incrementAndGet();
      long from = windowFromMicros;
      long to = windowToMicros;
      Batch batch = parsed.computeIfAbsent(text, t -> parseOnce(t, from, to));
      boolean inWindow = false;
      for (Event e : batch.events()) {
        if (e.at() >= from && (to == Long.MIN_VALUE || e.at() <= to)) {
          inWindow = true;
          long latency = receivedMicros - e.at();
          if (latency < 0) {
            liveBelowZero.incrementAndGet();
          }
          live.record(Math.max(1, latency) * 1000);
          liveMax.accumulateAndGet(latency, Math::max);
          received(e, receivedMicros);
          DashboardBench.this.windowEvents.putIfAbsent(e.key(), e);
        }
        if ("region".equals(e.type()) && "secondary".equals(e.region())) {
          secondary.set(e);
          if ("DOWN".equals(e.status()) && downLatch != null && downSeenNanos == 0) {
            downSeenNanos = receivedNanos;
            downSeen.complete(receivedNanos);
            downLatch.countDown();
          }
        }
      }
      if (inWindow && batch.sentAt() > 0) {
        delivery.record(Math.max(1, receivedMicros - batch.sentAt()) * 1000);
      }
      webSocket.request(1);
      return null;
    }

    private synchronized void received(Event e, long receivedMicros) {
      seenKeys.add(e.key());
      bySlot.computeIfAbsent(e.slot(), k -> new ArrayList<>()).add(new long[] {e.at(), receivedMicros});
    }

    synchronized boolean seen(Event e) {
      return seenKeys.contains(e.key());
    }

    /** When this session first received a state of {@code e}'s slot as new as {@code e} or newer; MIN_VALUE if never. */
    synchronized long newerReceived(Event e) {
      long first = Long.MAX_VALUE;
      for (long[] r : bySlot.getOrDefault(e.slot(), List.of())) {
        if (r[0] >= e.at()) {
          first = Math.min(first, r[1]);
        }
      }
      return first == Long.MAX_VALUE ? Long.MIN_VALUE : first;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      close();
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      close();
    }

    private void close() {
      if (open) {
        open = false;
        closedSessions.incrementAndGet();
      }
    }

    void abort() {
      WebSocket s = socket;
      open = false;
      if (s != null) {
        s.abort();
      }
    }
  }

  /** Parses a batch the first time any session receives its text, and records its server-side time. */
  private Batch parseOnce(String text, long from, long to) {
    Batch b = parse(text);
    for (Event e : b.events()) {
      // An event goes out in several texts (a pass's later sessions, then the earlier ones): the first one counts.
      if (b.sentAt() > 0 && e.at() >= from && (to == Long.MIN_VALUE || e.at() <= to) && serverTimed.add(e.key())) {
        serverSide.record(Math.max(1, b.sentAt() - e.at()) * 1000);
      }
    }
    return b;
  }

  private static Batch parse(String text) {
    try {
      JsonNode root = JSON.readTree(text);
      List<Event> events = new ArrayList<>();
      for (JsonNode e : root.path("events")) {
        String type = e.path("type").asText();
        long at = e.path("at").asLong();
        String id = e.hasNonNull("id") ? e.path("id").asText() : null;
        // What tells two events apart across batches: a region's id, a transaction's id and state, an alert's text.
        String key = type + '|' + at + '|' + (id != null ? id : e.path("transactionId").asText(""))
            + '|' + e.path("state").asText("") + '|' + e.path("status").asText("") + '|' + e.path("message").asText("");
        // What the dashboard replaces with a newer state (LiveHub's keys): a region, a transaction, an alert's phase.
        String slot = switch (type) {
          case "region" -> "region:" + id;
          case "transaction" -> "tx:" + e.path("transactionId").asText();
          case "alert" -> "alert:" + e.path("alertType").asText() + ':' + e.path("destinationId").asText() + ':'
              + e.path("phase").asText();
          default -> key;
        };
        events.add(new Event(type, at, id, e.path("status").asText(null), e.path("lag").path("backlogCopies").asLong(-1), key,
            slot));
      }
      return new Batch(root.path("seq").asLong(), root.path("sentAt").asLong(), List.copyOf(events), System.nanoTime());
    } catch (IOException e) {
      throw new IllegalStateException("not a JSON batch: " + text.substring(0, Math.min(200, text.length())), e);
    }
  }

  // ------------------------------------------------------------------ output

  void print(Result r, String command, String started) {
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s: %s%n", started, command);
    System.out.println(machine());
    System.out.println("open files: " + r.openFiles());
    System.out.println();
    System.out.println("| measure | figure | target | met |");
    System.out.println("|---|---|---|---|");
    System.out.printf(Locale.ROOT, "| live updates, %,d sessions (%,d connected in %.1f s) | p50 %.1f ms, p99 **%.1f ms**, max %.1f ms; "
        + "%,d (session, event) pairs (%,d of them superseded) over %,d events, %d edge changes; %d dropped sessions, %,d missing | p99 < %.0f ms | %s |%n",
        r.clients(), r.connected(), r.connectSeconds(), r.liveP50(), r.liveP99(), r.liveMax(), r.liveCount(),
        r.superseded(), r.windowEvents(), r.changes(), r.dropped(), r.missing(), LIVE_P99_TARGET_MS,
        r.liveP99() < LIVE_P99_TARGET_MS && r.connected() == r.clients() && r.missing() == 0 ? "yes" : "**no**");
    System.out.printf(Locale.ROOT, "| REST, %d req/s open loop (sent at %.1f/s) | p50 %.2f ms, p95 **%.2f ms**, p99 %.2f ms, "
        + "max %.1f ms; %,d requests, %d errors | p95 < %.0f ms | %s |%n", config.restRate(), r.restRate(), r.restP50(),
        r.restP95(), r.restP99(), r.restMax(), r.restCount(), r.restErrors(), REST_P95_TARGET_MS,
        r.restP95() < REST_P95_TARGET_MS && r.restErrors() == 0 ? "yes" : "**no**");
    double[] d = r.detections().clone();
    double[] a = r.detectionsAll().clone();
    Arrays.sort(d);
    Arrays.sort(a);
    System.out.printf(Locale.ROOT, "| failover detection, %d trials (POST down -> first session sees DOWN) | median **%.1f ms**, "
        + "max %.1f ms (to all sessions: median %.1f ms, max %.1f ms) | < %.0f ms | %s |%n", d.length, median(d),
        d.length == 0 ? Double.NaN : d[d.length - 1], median(a), a.length == 0 ? Double.NaN : a[a.length - 1],
        DETECTION_TARGET_MS, d.length > 0 && d[d.length - 1] < DETECTION_TARGET_MS ? "yes" : "**no**");
    System.out.println();
    System.out.println("| REST path | requests | p50 | p95 | p99 |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (Map.Entry<String, double[]> e : r.restByPath().entrySet()) {
      double[] v = e.getValue();
      System.out.printf(Locale.ROOT, "| GET /%s | %,d | %.2f ms | %.2f ms | %.2f ms |%n", e.getKey(), (long) v[0], v[1],
          v[2], v[3]);
    }
    System.out.println();
    System.out.println("live latency split: " + r.split());
    System.out.println(gcSummary(config.dir().resolve("dashboard-gc.log")));
    System.out.println();
    for (String line : cpuLines) {
      System.out.println("- " + line);
    }
    if (r.liveNegative() > 0) {
      System.out.printf(Locale.ROOT, "%n%,d latencies were below zero (clock steps?) and were counted as 1 µs%n",
          r.liveNegative());
    }
  }

  /** The dashboard's GC pauses over the whole run, from its {@code -Xlog:gc} file. */
  static String gcSummary(Path log) {
    Pattern pause = Pattern.compile("Pause .* ([0-9.]+)ms$");
    int count = 0;
    double total = 0;
    double max = 0;
    try {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        Matcher m = pause.matcher(line.trim());
        if (m.find()) {
          double ms = Double.parseDouble(m.group(1));
          count++;
          total += ms;
          max = Math.max(max, ms);
        }
      }
    } catch (IOException | RuntimeException e) {
      return "dashboard GC: n/a (" + e.getMessage() + ")";
    }
    return String.format(Locale.ROOT, "dashboard GC (whole run): %d pauses, %.0f ms in all, the longest %.1f ms", count, total,
        max);
  }

  static String machine() {
    String cpu = "n/a";
    String mem = "n/a";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("\\D", ""));
          mem = String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: n/a
    }
    String load = "n/a";
    try {
      load = Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      // n/a
    }
    return String.format(Locale.ROOT, "machine: %d CPUs (nproc), %s, %s RAM, Java %s; load average %s",
        Runtime.getRuntime().availableProcessors(), cpu, mem, System.getProperty("java.version"), load);
  }

  private static String openFiles() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String[] f = line.substring("Max open files".length()).trim().split("\\s+");
          long open;
          try (var s = Files.list(Path.of("/proc/self/fd"))) {
            open = s.count();
          }
          return "limit " + f[0] + " soft, " + f[1] + " hard; " + open + " open in the bench at the end";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return "n/a";
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
