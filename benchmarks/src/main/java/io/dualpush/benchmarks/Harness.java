package io.dualpush.benchmarks;

import io.dualpush.local.FileTransactionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * End-to-end benchmark harness (plain Java, no JMH): engine overhead and write parallelism, against
 * the testkit's in-memory fakes. Prints plain text to stdout.
 *
 * <pre>
 * java -jar benchmarks/target/dualpush-benchmarks.jar overhead [--seconds N] [--warmup N] [--concurrency C]
 *     [--window W] [--size BYTES] [--io-threads T] [--log bounded|testkit|file] [--stats-per-second N]
 * java -jar benchmarks/target/dualpush-benchmarks.jar operations [--rounds R] [--driver async|sync|both] and every
 *     overhead option: the overhead drivers with operations off and on (metrics, alerts), rounds interleaved
 * java -jar benchmarks/target/dualpush-benchmarks.jar parallelism [--iterations N] [--warmup N] [--latency-ms MS]
 * java -jar benchmarks/target/dualpush-benchmarks.jar all [any of the above]
 * java -jar benchmarks/target/dualpush-benchmarks.jar log-append [--seconds N] [--writers 1,8,64] [--dir DIR]
 * java -jar benchmarks/target/dualpush-benchmarks.jar log-open [--records N] [--dir DIR]
 * java -jar benchmarks/target/dualpush-benchmarks.jar log-steady [--minutes M] [--rate R] [--segment-mib N] [--dir DIR]
 * java -jar benchmarks/target/dualpush-benchmarks.jar azure [--small N] [--large N] [--threads T] [--rounds R]
 *     [--azure-warmup N] [--rtt-ms MS] [--sizes 4k,1m] [--sides dualpush,plain] [--dir DIR] [--log-window-ms MS]
 * java -jar benchmarks/target/dualpush-benchmarks.jar tree [--files N] [--heap 256m] [--jar JAR]
 *     [--baseline-jar JAR] [--rounds R] [--dir DIR]
 * java -jar benchmarks/target/dualpush-benchmarks.jar redis-dedupe [--seconds N] [--warmup N] [--threads T] [--batches 100,1000]
 * java -jar benchmarks/target/dualpush-benchmarks.jar job [--sizes 4k,1m] [--small N] [--large N] [--rounds R]
 *     [--launcher PATH|java] [--jar JAR] [--baseline-jar JAR] [--java-opts OPTS] [--dir DIR]
 * java -jar benchmarks/target/dualpush-benchmarks.jar takeover [--trials N] [--ttl-ms MS] [--renew-ms MS] [--retry-ms MS]
 * java -jar benchmarks/target/dualpush-benchmarks.jar coordinated-push [--pushes N] [--warmup N] [--rounds R]
 * java -jar benchmarks/target/dualpush-benchmarks.jar exactly-once [--messages N] [--warmup N] [--rounds R] [--batch B] [--dir DIR]
 *     [--store dir|memory]
 * java -jar benchmarks/target/dualpush-benchmarks.jar read [--parts a,b,c,d] [--reads N] [--threads T] [--trials N]
 *     [--warmup N] [--seconds S] [--rounds R] [--azure-reads N] [--objects N] [--size BYTES]
 * </pre>
 */
public final class Harness {
  /** Targets the results are reported against. */
  static final double OVERHEAD_TARGET = 50_000;
  static final double PARALLELISM_TARGET = 1.15;
  static final double GROUP_COMMIT_RATIO_TARGET = 10;
  static final double OPEN_TARGET_MS = 2000;

  private static final Set<String> OVERHEAD_OPTIONS = Set.of("seconds", "warmup", "concurrency", "window", "size", "io-threads", "log",
      "keep-objects", "retention", "stats-per-second");
  /** Issue 15: pushes/s with operations on at most this much below off (5 % slower). */
  static final double OPERATIONS_RATIO_TARGET = 0.95;
  private static final Set<String> OPERATIONS_OPTIONS = union(OVERHEAD_OPTIONS, Set.of("rounds", "driver", "history-detail"));
  private static final Set<String> PARALLELISM_OPTIONS = Set.of("iterations", "par-warmup", "latency-ms");
  private static final Set<String> LOG_APPEND_OPTIONS = Set.of("seconds", "writers", "dir");
  private static final Set<String> LOG_OPEN_OPTIONS = Set.of("records", "dir");
  private static final Set<String> LOG_STEADY_OPTIONS = Set.of("minutes", "rate", "dir", "segment-mib");
  private static final Set<String> AZURE_OPTIONS = Set.of("small", "large", "threads", "rounds", "azure-warmup", "rtt-ms",
      "dir", "sizes", "sides", "log-window-ms");
  static final double AZURE_SPEEDUP_TARGET = 1.6;
  /** Issue 11: dualpush's client CPU per object at most this multiple of the plain SDK's. */
  static final double AZURE_CPU_RATIO_TARGET = 1.05;
  private static final Set<String> OUTAGE_OPTIONS = Set.of("pushes", "window", "size", "heap", "every", "max-repair-minutes",
      "retained-mib", "dir");

  private static final Set<String> REDIS_DEDUPE_OPTIONS = Set.of("seconds", "warmup", "threads", "batches");
  private static final Set<String> TREE_OPTIONS = Set.of("files", "heap", "jar", "baseline-jar", "rounds", "dir");
  private static final Set<String> JOB_OPTIONS = Set.of("small", "large", "small-parallel", "large-parallel", "sizes",
      "rounds", "jar", "launcher", "baseline-jar", "java-opts", "plain-java-opts", "dir", "pause", "sides");
  static final double JOB_RATIO_TARGET = 1.0;
  private static final Set<String> TAKEOVER_OPTIONS = Set.of("trials", "ttl-ms", "renew-ms", "retry-ms");
  private static final Set<String> COORDINATED_OPTIONS = Set.of("pushes", "warmup", "rounds");
  private static final Set<String> EXACTLY_ONCE_OPTIONS = Set.of("messages", "warmup", "rounds", "batch", "dir", "store");
  private static final Set<String> READ_OPTIONS = Set.of("parts", "reads", "threads", "trials", "warmup", "seconds",
      "rounds", "azure-reads", "objects", "size");
  private static final Set<String> DASHBOARD_OPTIONS = Set.of("samples-jar", "clients", "seconds", "change-ms", "rest-rate",
      "rest-seconds", "trials", "dir", "heap", "rate-limit", "connect-parallelism", "warmup", "jfr", "dashboard-gc");

  private Harness() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      usage();
      return;
    }
    String command = args[0];
    Map<String, String> options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      usage();
      System.exit(2);
      return;
    }
    switch (command) {
      case "overhead" -> {
        check(options, OVERHEAD_OPTIONS);
        printOverhead(overhead(options));
      }
      case "operations" -> {
        check(options, OPERATIONS_OPTIONS);
        operations(options);
      }
      case "parallelism" -> {
        check(options, PARALLELISM_OPTIONS);
        printParallelism(parallelism(options));
      }
      case "log-append" -> {
        check(options, LOG_APPEND_OPTIONS);
        logAppend(options);
      }
      case "log-open" -> {
        check(options, LOG_OPEN_OPTIONS);
        logOpen(options);
      }
      case "log-steady" -> {
        check(options, LOG_STEADY_OPTIONS);
        int code = SteadyLoad.run(Double.parseDouble(options.getOrDefault("minutes", "10")),
            intOption(options, "rate", 2000), java.nio.file.Path.of(options.getOrDefault("dir", "target/steady-log")),
            intOption(options, "segment-mib", 64));
        System.exit(code);
      }
      case "azure" -> {
        check(options, AZURE_OPTIONS);
        azure(options);
      }
      case "tree" -> {
        check(options, TREE_OPTIONS);
        tree(options);
      }
      case "job" -> {
        check(options, JOB_OPTIONS);
        job(options);
      }
      case "redis-dedupe" -> {
        check(options, REDIS_DEDUPE_OPTIONS);
        System.setProperty("org.slf4j.simpleLogger.log.io.lettuce", "warn");
        int threads = intOption(options, "threads", 1);
        List<Integer> batches = Arrays.stream(options.getOrDefault("batches", "100,1000").split(","))
            .map(String::trim).map(Integer::parseInt).toList();
        System.out.println("redis-dedupe: started " + now());
        RedisDedupeBench.print(RedisDedupeBench.run(intOption(options, "seconds", 5), intOption(options, "warmup", 2),
            threads, batches), threads);
      }
      case "outage" -> {
        check(options, OUTAGE_OPTIONS);
        outage(options);
      }
      case "takeover" -> {
        check(options, TAKEOVER_OPTIONS);
        takeover(options);
      }
      case "coordinated-push" -> {
        check(options, COORDINATED_OPTIONS);
        coordinatedPush(options);
      }
      case "exactly-once" -> {
        check(options, EXACTLY_ONCE_OPTIONS);
        exactlyOnce(options);
      }
      case "read" -> {
        check(options, READ_OPTIONS);
        read(options);
      }
      case "dashboard" -> {
        check(options, DASHBOARD_OPTIONS);
        dashboard(options, args);
      }
      case "all" -> {
        check(options, union(OVERHEAD_OPTIONS, PARALLELISM_OPTIONS));
        String started = now();
        Parallelism.Result p = parallelism(options);
        printParallelism(p);
        List<Overhead.Result> o = overhead(options);
        printOverhead(o);
        printSummary(started, overheadConfig(options), o, p);
      }
      default -> {
        System.err.println("Unknown command: " + command);
        usage();
        System.exit(2);
      }
    }
  }

  // ------------------------------------------------------------------ takeover

  private static void takeover(Map<String, String> o) throws Exception {
    int trials = intOption(o, "trials", 10);
    int ttl = intOption(o, "ttl-ms", 5000);
    int renew = intOption(o, "renew-ms", 1000);
    int retry = o.containsKey("retry-ms") ? intOption(o, "retry-ms", renew) : 0;
    String started = now();
    System.out.printf(Locale.ROOT, "takeover: two child JVMs with an active-region coordinator each on one local "
        + "redis-server; TTL %d ms, renew interval %d ms, standby retry interval %s, renew deadline the coordinator's "
        + "default; %d graceful and %d SIGKILL trials, alternating; started %s%n", ttl, renew,
        retry > 0 ? retry + " ms" : "the coordinator's default (the renew interval)", trials, trials, started);
    TakeoverBench bench = new TakeoverBench(trials, ttl, renew, retry);
    List<TakeoverBench.Trial> results = bench.run();
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    bench.print(results);
  }

  // ------------------------------------------------------------------ read

  private static void read(Map<String, String> o) throws Exception {
    // The SDK logs every refused connection to the stopped primary at ERROR; part (d) counts them itself.
    System.setProperty("org.slf4j.simpleLogger.log.com.azure", "off");
    // Endpoints go down on purpose, hundreds of times: their breaker lines are not worth reading between the results.
    System.setProperty("org.slf4j.simpleLogger.log.io.dualpush.client", "error");
    Set<String> parts = new java.util.LinkedHashSet<>();
    for (String part : o.getOrDefault("parts", "a,b,c,d").split(",")) {
      String p = part.strip();
      if (!Set.of("a", "b", "c", "d").contains(p)) {
        System.err.println("--parts must list a, b, c and/or d; got '" + o.get("parts") + "'");
        System.exit(2);
      }
      parts.add(p);
    }
    ReadBench.Config c = new ReadBench.Config(intOption(o, "objects", 200), intOption(o, "size", 4096),
        intOption(o, "reads", 20_000), intOption(o, "threads", 8), intOption(o, "trials", 200),
        intOption(o, "warmup", 200), intOption(o, "seconds", 5), intOption(o, "rounds", 5),
        intOption(o, "azure-reads", 400), Set.copyOf(parts));
    String started = now();
    System.out.printf(Locale.ROOT, "read: the failover read client (issue 13), parts %s; %d objects of %d bytes with "
        + "Content-MD5 on each loopback HTTP endpoint; %,d reads per series, %d threads, %d discovery trials, "
        + "%d warm-up reads, %d s x %d rounds for reads/s, %d reads per side on Azurite; started %s%n", parts,
        c.objects(), c.size(), c.reads(), c.threads(), c.trials(), c.warmup(), c.seconds(), c.rounds(),
        c.azureReads(), started);
    new ReadBench(c).run();
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
  }

  // ------------------------------------------------------------------ dashboard

  private static void dashboard(Map<String, String> o, String[] args) throws Exception {
    // Its logs are the child's; here only the JDK's HTTP client would talk.
    DashboardBench.Config c = new DashboardBench.Config(
        Path.of(o.getOrDefault("samples-jar", "samples/target/dualpush-samples.jar")).toAbsolutePath(),
        intOption(o, "clients", 1000), intOption(o, "seconds", 30), intOption(o, "change-ms", 500),
        intOption(o, "rest-rate", 200), intOption(o, "rest-seconds", 30), intOption(o, "trials", 10),
        Path.of(o.getOrDefault("dir", "target/dashboard-bench")).toAbsolutePath(), o.getOrDefault("heap", "512m"),
        intOption(o, "rate-limit", 100_000), intOption(o, "connect-parallelism", 32), intOption(o, "warmup", 10),
        Boolean.parseBoolean(o.getOrDefault("jfr", "false")), o.getOrDefault("dashboard-gc", "ZGC"));
    if (!Files.isRegularFile(c.samplesJar())) {
      System.err.println("no samples jar at " + c.samplesJar() + ": build it (mvn -B package -pl samples -am -DskipTests) "
          + "or give --samples-jar");
      System.exit(2);
    }
    JobBench.delete(c.dir());
    String started = now();
    String command = "java -jar benchmarks/target/dualpush-benchmarks.jar " + String.join(" ", args);
    System.out.printf(Locale.ROOT, "dashboard: %s; started %s%n", command, started);
    DashboardBench bench = new DashboardBench(c);
    DashboardBench.Result r = bench.run();
    bench.print(r, command, started);
  }

  // ------------------------------------------------------------------ coordinated-push

  private static void coordinatedPush(Map<String, String> o) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.lettuce", "warn");
    // One acquire and one release per round: not worth a line each between the results.
    System.setProperty("org.slf4j.simpleLogger.log.io.dualpush.coordinator", "warn");
    int pushes = intOption(o, "pushes", 100_000);
    int warmup = intOption(o, "warmup", 50_000);
    int rounds = intOption(o, "rounds", 3);
    String started = now();
    System.out.printf(Locale.ROOT, "coordinated-push: the async client (window 256, 1 KiB distinct objects, a message id "
        + "each, two in-memory destinations, bounded log) with a Redis-lease coordinator and RedisDedupeStore vs "
        + "without, and with the coordinator alone, on one local redis-server; %,d warm-up + %,d measured pushes per "
        + "round, %d rounds per side, the first side rotating; started %s%n", warmup, pushes, rounds, started);
    List<CoordinatedPushBench.Round> results = new CoordinatedPushBench(pushes, warmup, rounds).run();
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    CoordinatedPushBench.print(results);
  }

  // ------------------------------------------------------------------ exactly-once

  private static void exactlyOnce(Map<String, String> o) throws Exception {
    System.setProperty("org.slf4j.simpleLogger.log.io.lettuce", "warn");
    int messages = intOption(o, "messages", 5_000);
    int warmup = intOption(o, "warmup", 1_000);
    int rounds = intOption(o, "rounds", 5);
    int batch = intOption(o, "batch", 100);
    Path dir = Path.of(o.getOrDefault("dir", "target/exactly-once-bench"));
    String storeOption = o.getOrDefault("store", "dir");
    if (!storeOption.equals("dir") && !storeOption.equals("memory")) {
      throw new IllegalArgumentException("--store must be dir or memory, not " + storeOption);
    }
    boolean inMemory = storeOption.equals("memory");
    String store = inMemory ? "the testkit's InMemoryDestination" : "a FileSystemDestination under " + dir
        + " (fsynced puts)";
    String started = now();
    System.out.printf(Locale.ROOT, "exactly-once: MessageProcessor, one thread, 256-byte messages with new ids, a "
        + "counter as the handler's side effect; message store %s; "
        + "Redis a local redis-server without persistence; %,d warm-up + %,d measured messages per round, %d rounds "
        + "per side, the first side rotating; started %s%n", store, warmup, messages, rounds,
        started);
    ExactlyOnceBench bench = new ExactlyOnceBench(messages, warmup, rounds, batch, dir, inMemory);
    List<ExactlyOnceBench.Round> results = bench.run();
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    bench.print(results);
  }

  // ------------------------------------------------------------------ outage

  /**
   * {@link OutageJob} in a child JVM with a fixed heap: its sample lines as they come, then its
   * result lines. Exits with the child's code, or 1 when the run did not converge.
   */
  private static void outage(Map<String, String> o) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String self;
    try {
      self = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IOException(e);
    }
    Path dir = Path.of(o.getOrDefault("dir", "target/outage-bench")).toAbsolutePath();
    JobBench.delete(dir);
    String heap = o.getOrDefault("heap", "256m");
    List<String> command = List.of(java, "-Xmx" + heap, "-Dorg.slf4j.simpleLogger.defaultLogLevel=off", "-cp", self,
        OutageJob.class.getName(), String.valueOf(intOption(o, "pushes", 1_000_000)),
        String.valueOf(intOption(o, "window", 256)), String.valueOf(intOption(o, "size", 1024)), dir.toString(),
        String.valueOf(intOption(o, "every", 10)), String.valueOf(intOption(o, "max-repair-minutes", 60)),
        String.valueOf(intOption(o, "retained-mib", -1)));
    System.out.printf(Locale.ROOT, "outage: %s; started %s%n", String.join(" ", command), now());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
    int code = p.waitFor();
    System.out.println("outage: the child exited " + code + " at " + now());
    System.exit(code);
  }

  // ------------------------------------------------------------------ tree

  private static void tree(Map<String, String> o) throws IOException, InterruptedException {
    int files = intOption(o, "files", 100_000);
    String heap = o.getOrDefault("heap", "256m");
    List<Path> jars = new java.util.ArrayList<>();
    if (o.containsKey("baseline-jar")) {
      jars.add(Path.of(o.get("baseline-jar")).toAbsolutePath());
    }
    jars.add(Path.of(o.getOrDefault("jar", "samples/target/dualpush-samples.jar")).toAbsolutePath());
    Path dir = Files.createDirectories(Path.of(o.getOrDefault("dir", "target/tree-bench")));
    System.out.printf(Locale.ROOT, "tree: %,d files of a few bytes, 1,000 to a directory; java -Xmx%s -jar on two local "
        + "destinations and a file log; %s; started %s%n", files, heap, jars, now());
    List<TreeBench.Step> steps = new TreeBench(dir, files, heap).run(jars, intOption(o, "rounds", 1));
    System.out.println();
    System.out.println("| jar | step | exit | seconds | files/s | peak RSS (MiB) | what it reported |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (TreeBench.Step s : steps) {
      System.out.printf(Locale.ROOT, "| %s | %s | %d | %.1f | %,.0f | %,d | %s |%n", s.jar(), s.command(), s.exit(),
          s.seconds(), files / s.seconds(), s.peakKib() / 1024, s.summary());
    }
  }

  // ------------------------------------------------------------------ job

  private static void job(Map<String, String> o) throws Exception {
    // The harness's own Azure calls (creating and counting containers) must not log per request.
    System.setProperty("org.slf4j.simpleLogger.log.com.azure", "error");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path jar = Path.of(o.getOrDefault("jar", "samples/target/dualpush-samples.jar")).toAbsolutePath();
    Path self = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> javaOpts = words(o.getOrDefault("java-opts", ""));
    List<String> plainOpts = words(o.getOrDefault("plain-java-opts", ""));
    String launcher = o.getOrDefault("launcher", Files.isExecutable(Path.of("samples/bin/dualpush")) ? "samples/bin/dualpush" : "java");
    List<JobBench.Side> sides = new java.util.ArrayList<>();
    if (launcher.equals("java")) {
      List<String> prefix = new java.util.ArrayList<>(List.of(java));
      prefix.addAll(javaOpts);
      prefix.addAll(List.of("-jar", jar.toString()));
      sides.add(new JobBench.Side("dualpush", prefix, Map.of(), true, false));
    } else {
      // The launcher runs the jar it is given in DUALPUSH_JAR with the java of JAVA_HOME, and keeps
      // its class-data archive under XDG_CACHE_HOME: a fresh one, so its first run is seen.
      Path cache = Path.of(o.getOrDefault("dir", "target/job-bench")).toAbsolutePath().resolve("cache");
      JobBench.delete(cache);
      sides.add(new JobBench.Side("dualpush", List.of(Path.of(launcher).toAbsolutePath().toString()),
          JobBench.env("JAVA_HOME", System.getProperty("java.home"), "DUALPUSH_JAR", jar.toString(),
              "DUALPUSH_JAVA_OPTS", String.join(" ", javaOpts), "XDG_CACHE_HOME", cache.toString()), true, true));
    }
    if (o.containsKey("baseline-jar")) {
      Path baseline = Path.of(o.get("baseline-jar")).toAbsolutePath();
      List<String> prefix = new java.util.ArrayList<>(List.of(java));
      prefix.addAll(javaOpts);
      prefix.addAll(List.of("-jar", baseline.toString()));
      sides.add(new JobBench.Side("dualpush baseline", prefix, Map.of(), true, false));
    }
    List<String> plain = new java.util.ArrayList<>(List.of(java));
    plain.addAll(plainOpts);
    plain.addAll(List.of("-cp", self.toString(), PlainSdkJob.class.getName()));
    sides.add(new JobBench.Side("plain SDK", plain, Map.of(), false, false));
    if (o.containsKey("sides")) {
      // For experiments: only some sides (dualpush, baseline, plain).
      List<String> wanted = List.of(o.get("sides").split(","));
      sides.removeIf(s -> !wanted.contains(s.name().equals("plain SDK") ? "plain" : s.name().equals("dualpush") ? "dualpush" : "baseline"));
    }

    List<JobBench.Workload> workloads = new java.util.ArrayList<>();
    List<String> sizes = List.of(o.getOrDefault("sizes", "4k,1m").split(","));
    if (sizes.contains("4k")) {
      workloads.add(new JobBench.Workload("4 KiB", 4 * 1024, intOption(o, "small", 3000), intOption(o, "small-parallel", 8)));
    }
    if (sizes.contains("1m")) {
      workloads.add(new JobBench.Workload("1 MiB", 1024 * 1024, intOption(o, "large", 600), intOption(o, "large-parallel", 4)));
    }
    int rounds = intOption(o, "rounds", 3);
    Path dir = Files.createDirectories(Path.of(o.getOrDefault("dir", "target/job-bench"))).toAbsolutePath();
    String started = now();
    System.out.printf(Locale.ROOT, "job: the pipeline CLI (launcher %s, jar %s%s) against the plain SDK job, each a child JVM "
            + "per run, on two Azurite instances per workload; %d round(s), the first side rotating; started %s%n",
        launcher, jar, javaOpts.isEmpty() ? "" : ", java options " + javaOpts, rounds, started);
    for (JobBench.Side s : sides) {
      System.out.println("  side " + s.name() + ": " + String.join(" ", s.prefix()) + " ...");
    }
    double pause = o.containsKey("pause") ? Double.parseDouble(o.get("pause")) : 2;
    List<JobBench.Run> runs = new JobBench(dir, rounds, pause).run(workloads, sides);
    List<JobBench.Summary> summaries = JobBench.summarize(runs, workloads, sides);
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    System.out.println();
    System.out.println("| workload | side | objects/s (per run) | ratio to plain SDK | job CPU per object | Azurite CPU per object "
        + "| start-up: CPU / wall |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    for (JobBench.Summary s : summaries) {
      JobBench.Summary reference = summaries.stream()
          .filter(x -> x.workload().equals(s.workload()) && x.side().equals("plain SDK")).findFirst().orElse(s);
      System.out.printf(Locale.ROOT, "| %s × %,d, concurrency %d | %s | %,.0f (%,.0f–%,.0f) | %.2f | %.2f ms | %.2f ms | %.2f s / %.2f s |%n",
          s.workload().label(), s.workload().objects(), s.workload().parallel(), s.side(), s.objectsPerSecond(),
          s.minRate(), s.maxRate(), s.objectsPerSecond() / reference.objectsPerSecond(), s.cpuMsPerObject(),
          s.azuriteMsPerObject(), s.startupCpuSeconds(), s.startupWallSeconds());
    }
    System.out.println();
    System.out.println("Job CPU per object by thread group (ms; each thread's CPU as last seen in /proc/PID/task/*/stat, "
        + "read every 100 ms; \"unseen\": the total minus the groups, i.e. threads that ended between two looks and the "
        + "process's exit):");
    System.out.println();
    StringBuilder head = new StringBuilder("| workload | side |");
    StringBuilder rule = new StringBuilder("|---|---|");
    for (Map.Entry<String, List<String>> g : JobBench.GROUPS) {
      head.append(' ').append(g.getKey()).append(" |");
      rule.append("---:|");
    }
    System.out.println(head + " other | unseen | total |");
    System.out.println(rule + "---:|---:|---:|");
    for (JobBench.Summary s : summaries) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s × %,d | %s |", s.workload().label(),
          s.workload().objects(), s.side()));
      double seen = 0;
      for (double v : s.threadMsPerObject().values()) {
        row.append(String.format(Locale.ROOT, " %.2f |", v));
        seen += v;
      }
      row.append(String.format(Locale.ROOT, " %.2f | %.2f |", s.cpuMsPerObject() - seen, s.cpuMsPerObject()));
      System.out.println(row);
    }
    for (JobBench.Run r : runs) {
      if (r.round() < 0) {
        System.out.printf(Locale.ROOT, "%nFirst run of %s (before round 1, not in the figures above: it records the class-data "
            + "archive as it exits): %s × %,d in %.2f s wall, %.2f s CPU (%.0f objects/s, %.2f ms CPU per object)%n",
            r.side(), r.workload().label(), r.workload().objects(), r.wallSeconds(), r.cpuSeconds(),
            r.workload().objects() / r.wallSeconds(), r.cpuSeconds() * 1000 / r.workload().objects());
      }
    }
    System.out.println();
    for (JobBench.Summary s : summaries) {
      if (s.side().equals("dualpush")) {
        double ratio = summaries.stream().filter(x -> x.workload().equals(s.workload()) && x.side().equals("plain SDK"))
            .mapToDouble(x -> s.objectsPerSecond() / x.objectsPerSecond()).findFirst().orElse(0);
        System.out.printf(Locale.ROOT, "%s: dualpush / plain SDK = %.2f (target >= %.1f -> %s)%n", s.workload().label(), ratio,
            JOB_RATIO_TARGET, ratio >= JOB_RATIO_TARGET ? "MET" : "NOT MET");
      }
    }
  }

  private static List<String> words(String s) {
    return s.isBlank() ? List.of() : List.of(s.trim().split("\\s+"));
  }

  // ------------------------------------------------------------------ overhead

  private static Overhead.Config overheadConfig(Map<String, String> o) {
    String log = o.getOrDefault("log", "bounded");
    if (!log.equals("bounded") && !log.equals("testkit") && !log.equals("file")) {
      throw new IllegalArgumentException("--log must be 'bounded', 'testkit' or 'file'; got '" + log + "'");
    }
    return new Overhead.Config(
        intOption(o, "warmup", 5), intOption(o, "seconds", 10), intOption(o, "concurrency", 16),
        intOption(o, "window", 256), intOption(o, "size", 1024), intOption(o, "io-threads", 2), log,
        intOption(o, "keep-objects", 1000),
        intOption(o, "retention", 10_000), intOption(o, "stats-per-second", 0), historyDetail(o));
  }

  private static io.dualpush.HistoryDetail historyDetail(Map<String, String> o) {
    String v = o.getOrDefault("history-detail", "outcomes");
    return switch (v) {
      case "outcomes" -> io.dualpush.HistoryDetail.OUTCOMES;
      case "steps" -> io.dualpush.HistoryDetail.STEPS;
      default -> throw new IllegalArgumentException("--history-detail must be 'outcomes' or 'steps'; got '" + v + "'");
    };
  }

  private static List<Overhead.Result> overhead(Map<String, String> options) throws InterruptedException {
    Overhead.Config c = overheadConfig(options);
    System.out.printf(Locale.ROOT, "overhead: %d-byte objects, distinct keys, 2 required InMemoryDestinations, %s log, "
            + "ioThreads=%d; warm-up %d s, measure %d s per driver%n",
        c.size(), switch (c.log()) {
          case "testkit" -> "testkit InMemoryTransactionLog";
          case "file" -> "durable FileTransactionLog (fsync)";
          default -> "bounded in-memory";
        }, c.ioThreads(), c.warmupSeconds(), c.seconds());
    if (c.statsPerSecond() > 0) {
      System.out.printf(Locale.ROOT, "overhead: stats() polled %d times a second throughout%n", c.statsPerSecond());
    }
    return new Overhead(c).run();
  }

  // ------------------------------------------------------------------ operations on vs off

  /**
   * The overhead driver(s) on a fresh client per round, operations off then on, then on then off (ABBA), so that
   * drift in the machine's load and the JIT's state falls on both alike; prints each round, the mean pushes/s of
   * each and their ratio against {@link #OPERATIONS_RATIO_TARGET}.
   */
  private static void operations(Map<String, String> options) throws InterruptedException {
    Overhead.Config c = overheadConfig(options);
    int rounds = intOption(options, "rounds", 3);
    String driverOption = options.getOrDefault("driver", "async");
    List<String> drivers = switch (driverOption) {
      case "async" -> List.of("async");
      case "sync" -> List.of("sync");
      case "both" -> List.of("sync", "async");
      default -> throw new IllegalArgumentException("--driver must be async, sync or both; got '" + driverOption + "'");
    };
    System.out.printf(Locale.ROOT, "operations: %d round(s) of off and on, interleaved (ABBA), per driver %s; "
            + "%d-byte objects, %s log, ioThreads=%d; warm-up %d s, measure %d s per run%n",
        rounds, drivers, c.size(), c.log(), c.ioThreads(), c.warmupSeconds(), c.seconds());
    System.out.println("operations: off = no listener, alerts dropped, history off; on = DualPushMetrics bound to a "
        + "SimpleMeterRegistry scraped once a second, the default alert sink (coalescer over SLF4J), the default history "
        + "recording " + c.historyDetail().name().toLowerCase(Locale.ROOT));
    Overhead overhead = new Overhead(c);
    for (String driver : drivers) {
      List<Double> off = new ArrayList<>();
      List<Double> on = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        Overhead.Operations[] order = round % 2 == 0
            ? new Overhead.Operations[] {Overhead.Operations.OFF, Overhead.Operations.ON}
            : new Overhead.Operations[] {Overhead.Operations.ON, Overhead.Operations.OFF};
        for (Overhead.Operations ops : order) {
          Overhead.Result r = overhead.run(driver, ops);
          (ops == Overhead.Operations.ON ? on : off).add(r.pushesPerSecond());
          System.out.printf(Locale.ROOT, "operations %-5s round %d %-3s: %,.0f pushes/s; latency p50 %s p99 %s; "
                  + "failures %d%n", driver, round + 1, ops.name().toLowerCase(Locale.ROOT), r.pushesPerSecond(),
              micros(r.p50Nanos()), micros(r.p99Nanos()), r.failures());
          if (r.failures() > 0) {
            System.out.println("operations " + driver + " first failure: " + r.firstFailure());
          }
        }
      }
      double meanOff = off.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double meanOn = on.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double ratio = meanOff == 0 ? 0 : meanOn / meanOff;
      System.out.printf(Locale.ROOT, "operations %-5s: off %,.0f pushes/s, on %,.0f pushes/s (means of %d); "
              + "on/off %.3f (on %.1f %% %s); target on/off >= %.2f -> %s%n", driver, meanOff, meanOn, rounds, ratio,
          Math.abs(1 - ratio) * 100, ratio <= 1 ? "slower" : "faster", OPERATIONS_RATIO_TARGET,
          ratio >= OPERATIONS_RATIO_TARGET ? "MET" : "NOT MET");
      // Each round's on/off, its two runs back to back: a burst of load on a shared machine moves one round,
      // which the median of the rounds' ratios shrugs off and the ratio of the means does not.
      List<Double> paired = new ArrayList<>();
      for (int i = 0; i < Math.min(on.size(), off.size()); i++) {
        paired.add(off.get(i) == 0 ? 0 : on.get(i) / off.get(i));
      }
      java.util.Collections.sort(paired);
      double median = paired.isEmpty() ? 0 : paired.size() % 2 == 1 ? paired.get(paired.size() / 2)
          : (paired.get(paired.size() / 2 - 1) + paired.get(paired.size() / 2)) / 2;
      System.out.printf(Locale.ROOT, "operations %-5s: per-round on/off %s; median %.3f -> %s%n", driver,
          paired.stream().map(r -> String.format(Locale.ROOT, "%.3f", r)).toList(), median,
          median >= OPERATIONS_RATIO_TARGET ? "MET" : "NOT MET");
    }
  }

  private static void printOverhead(List<Overhead.Result> results) {
    for (Overhead.Result r : results) {
      System.out.printf(Locale.ROOT, "overhead %-5s (%s): %,.0f pushes/s [per-second min %,.0f max %,.0f]; "
              + "latency p50 %s p99 %s p99.9 %s; %,d pushes in %.1f s; failures %d; live heap %s -> %s (%s)%n",
          r.driver(), r.detail(), r.pushesPerSecond(), r.minSecondRate(), r.maxSecondRate(),
          micros(r.p50Nanos()), micros(r.p99Nanos()), micros(r.p999Nanos()), r.pushes(), r.seconds(), r.failures(),
          mib(r.heapBeforeBytes()), mib(r.heapAfterBytes()), perPush(r));
      if (r.failures() > 0) {
        System.out.println("overhead " + r.driver() + " first failure: " + r.firstFailure());
      }
    }
    double best = results.stream().mapToDouble(Overhead.Result::pushesPerSecond).max().orElse(0);
    System.out.printf(Locale.ROOT, "overhead target >= %,.0f pushes/s: best %,.0f -> %s%n", OVERHEAD_TARGET, best,
        best >= OVERHEAD_TARGET ? "MET" : "NOT MET");
  }

  private static String perPush(Overhead.Result r) {
    double bytes = (double) (r.heapAfterBytes() - r.heapBeforeBytes()) / Math.max(1, r.pushes());
    return String.format(Locale.ROOT, "%+.0f B/push over the measured span", bytes);
  }

  // ------------------------------------------------------------------ parallelism

  private static Parallelism.Result parallelism(Map<String, String> o) {
    Parallelism.Config c = new Parallelism.Config(intOption(o, "par-warmup", 20), intOption(o, "iterations", 200),
        Duration.ofMillis(intOption(o, "latency-ms", 20)), 1024);
    System.out.printf(Locale.ROOT, "parallelism: %d sequential pushes each to 1 and to 2 destinations (FaultInjectingDestination, "
        + "%d ms latency), alternating, after %d warm-up rounds%n", c.iterations(), c.latency().toMillis(), c.warmup());
    return new Parallelism(c).run();
  }

  private static void printParallelism(Parallelism.Result r) {
    System.out.printf(Locale.ROOT, "parallelism one destination : p50 %s p99 %s%n", millis(r.oneP50()), millis(r.oneP99()));
    System.out.printf(Locale.ROOT, "parallelism two destinations: p50 %s p99 %s%n", millis(r.twoP50()), millis(r.twoP99()));
    System.out.printf(Locale.ROOT, "parallelism ratio p50(two)/p50(one) = %.3f (target <= %.2f -> %s); failures %d%n",
        r.ratio(), PARALLELISM_TARGET, r.ratio() <= PARALLELISM_TARGET ? "MET" : "NOT MET", r.failures());
  }

  // ------------------------------------------------------------------ the file transaction log

  /** Where the log benchmarks write: {@code --dir}, or {@code target/log-bench} under the working directory (a real disk, not tmpfs). */
  private static Path logDir(Map<String, String> o, String sub) throws IOException {
    Path root = Path.of(o.getOrDefault("dir", "target/log-bench")).toAbsolutePath();
    return Files.createDirectories(root.resolve(sub));
  }

  private static void logAppend(Map<String, String> o) throws Exception {
    int seconds = intOption(o, "seconds", 5);
    List<Integer> writers = new java.util.ArrayList<>();
    for (String w : o.getOrDefault("writers", "1,8,64").split(",")) {
      try {
        writers.add(Integer.parseInt(w.strip()));
      } catch (NumberFormatException e) {
        System.err.println("--writers must be a comma-separated list of thread counts; got '" + o.get("writers") + "'");
        System.exit(2);
      }
    }
    Path dir = logDir(o, "append");
    String started = now();
    System.out.printf(Locale.ROOT, "log-append: durable appends of CopyUpdated-size records to FileTransactionLog in %s, "
        + "1 s warm-up then %d s per cell%n", dir, seconds);
    List<LogBench.AppendResult> results = LogBench.append(dir, seconds, writers);
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    System.out.println();
    StringBuilder header = new StringBuilder("| mode |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int w : writers) {
      header.append(" ").append(w).append(w == 1 ? " writer |" : " writers |");
      rule.append("---:|");
    }
    System.out.println(header);
    System.out.println(rule);
    for (FileTransactionLog.Durability mode : List.of(FileTransactionLog.Durability.GROUP_COMMIT,
        FileTransactionLog.Durability.FSYNC_PER_RECORD)) {
      StringBuilder row = new StringBuilder("| " + mode + " |");
      for (LogBench.AppendResult r : results) {
        if (r.mode() == mode) {
          row.append(String.format(Locale.ROOT, " %,.0f/s (%.1f per fsync) |", r.perSecond(),
              r.syncs() == 0 ? 0.0 : (double) r.appends() / r.syncs()));
        }
      }
      System.out.println(row);
    }
    int most = writers.stream().mapToInt(Integer::intValue).max().orElse(1);
    double group = rate(results, FileTransactionLog.Durability.GROUP_COMMIT, most);
    double fsync = rate(results, FileTransactionLog.Durability.FSYNC_PER_RECORD, most);
    double ratio = group / Math.max(fsync, 1e-9);
    System.out.println();
    System.out.printf(Locale.ROOT, "group@%d / fsync@%d = %,.0f / %,.0f = %.1f (target >= %.0f -> %s)%n", most, most, group, fsync,
        ratio, GROUP_COMMIT_RATIO_TARGET, ratio >= GROUP_COMMIT_RATIO_TARGET ? "MET" : "NOT MET");
  }

  private static double rate(List<LogBench.AppendResult> results, FileTransactionLog.Durability mode, int writers) {
    return results.stream().filter(r -> r.mode() == mode && r.writers() == writers)
        .mapToDouble(LogBench.AppendResult::perSecond).findFirst().orElse(0);
  }

  private static void logOpen(Map<String, String> o) throws IOException {
    int records = intOption(o, "records", 1_000_000);
    Path dir = logDir(o, "open");
    String started = now();
    System.out.printf(Locale.ROOT, "log-open: %,d push-like records (start + 2 copies verified; 1 %% of transactions left open) "
        + "in %s, then FileTransactionLog.open timed 3 times%n", records, dir);
    List<Double> times = LogBench.open(dir, records, 3);
    double best = times.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    double worst = times.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    System.out.printf(Locale.ROOT, "log-open %,d records: %s ms (measured %s, %d CPUs, Java %s); target < %.0f ms: worst %.0f -> %s, best %.0f%n",
        records, times.stream().map(t -> String.format(Locale.ROOT, "%.0f", t)).toList(), started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), OPEN_TARGET_MS, worst,
        worst < OPEN_TARGET_MS ? "MET" : "NOT MET", best);
  }

  // ------------------------------------------------------------------ azure

  private static void azure(Map<String, String> o) throws Exception {
    // The JDK client warns once per request that it sets Content-Length itself; the figures matter here.
    System.setProperty("org.slf4j.simpleLogger.log.com.azure", "error");
    List<Integer> sizes = new java.util.ArrayList<>();
    for (String size : o.getOrDefault("sizes", "4k,1m").split(",")) {
      switch (size.strip()) {
        case "4k" -> sizes.add(4 * 1024);
        case "1m" -> sizes.add(1024 * 1024);
        default -> {
          System.err.println("--sizes must list 4k and/or 1m; got '" + o.get("sizes") + "'");
          System.exit(2);
        }
      }
    }
    Set<String> sides = new java.util.LinkedHashSet<>();
    for (String side : o.getOrDefault("sides", "dualpush,plain").split(",")) {
      switch (side.strip()) {
        case "dualpush" -> sides.add(AzureBench.DUALPUSH);
        case "plain" -> sides.add(AzureBench.SDK);
        default -> {
          System.err.println("--sides must list dualpush and/or plain; got '" + o.get("sides") + "'");
          System.exit(2);
        }
      }
    }
    AzureBench.Config c = new AzureBench.Config(intOption(o, "small", 2000), intOption(o, "large", 200),
        intOption(o, "threads", 8), intOption(o, "rounds", 5), intOption(o, "azure-warmup", 4000),
        o.containsKey("rtt-ms") ? intOption(o, "rtt-ms", 0) : 0, Path.of(o.getOrDefault("dir", "target/azure-bench")).toAbsolutePath(),
        List.copyOf(sizes), Set.copyOf(sides), intOption(o, "log-window-ms", -1));
    String started = now();
    System.out.printf(Locale.ROOT, "azure: two Azurite instances; %d x 4 KiB and %d x 1 MiB distinct objects per side and round "
        + "(sizes %s, sides %s), %d threads each side, %d rounds alternating which side goes first, warm-up %d objects; "
        + "%d ms added to every request; dualpush log in %s, group-commit window %s%n",
        c.smallObjects(), c.largeObjects(), sizes, sides, c.threads(), c.rounds(), c.warmup(), c.rttMillis(), c.dir(),
        c.logWindowMillis() < 0 ? "the log's default" : c.logWindowMillis() + " ms");
    List<AzureBench.Result> results = new AzureBench(c).run();
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), Java %s, %s; load average at end %s%n", started,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), os(), load());
    System.out.println();
    System.out.println("Client CPU: this JVM's (getProcessCpuTime: all its threads, JIT and GC included), not the Azurites'; "
        + "per object, the median of the rounds and the lowest and highest round.");
    System.out.println();
    System.out.println("| size | side | objects | objects/s | MiB/s | p50 | p99 | requests/object | client CPU/object: median "
        + "(min–max of rounds) | threads started/object | Azurite CPU/object |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (AzureBench.Result r : results) {
      System.out.printf(Locale.ROOT, "| %s | %s | %d | %,.0f | %.1f | %s | %s | %.2f | %,.0f µs (%,.0f–%,.0f) | %.2f | %,.0f µs |%n",
          r.size() >= 1024 * 1024 ? "1 MiB" : "4 KiB", r.side(), r.objects(), r.objectsPerSecond(), r.mibPerSecond(),
          millis(r.p50()), millis(r.p99()), r.requestsPerObject(), r.medianClientCpuMicros(), r.minClientCpuMicros(),
          r.maxClientCpuMicros(), r.threadsStartedPerObject(), r.azuriteCpuMicrosPerObject());
    }
    System.out.println();
    System.out.println("Client CPU per object by thread group (µs; each group's threads alive at a round's end, getThreadCpuTime: "
        + "user + system; \"" + AzureBench.UNSEEN + "\": the process total minus the groups) and the log's fsyncs per object:");
    System.out.println();
    StringBuilder head = new StringBuilder("| size | side |");
    StringBuilder rule = new StringBuilder("|---|---|");
    if (!results.isEmpty()) {
      for (String g : results.get(0).cpuMicrosByGroup().keySet()) {
        head.append(' ').append(g).append(" |");
        rule.append("---:|");
      }
    }
    System.out.println(head + " log fsyncs/object |");
    System.out.println(rule + "---:|");
    for (AzureBench.Result r : results) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %s |",
          r.size() >= 1024 * 1024 ? "1 MiB" : "4 KiB", r.side()));
      r.cpuMicrosByGroup().values().forEach(v -> row.append(String.format(Locale.ROOT, " %,.0f |", v)));
      row.append(String.format(Locale.ROOT, " %.2f |", r.logSyncsPerObject()));
      System.out.println(row);
    }
    System.out.println();
    for (int size : sizes) {
      AzureBench.Result d = results.stream().filter(r -> r.size() == size && r.side().equals(AzureBench.DUALPUSH))
          .findFirst().orElse(null);
      AzureBench.Result s = results.stream().filter(r -> r.size() == size && r.side().equals(AzureBench.SDK))
          .findFirst().orElse(null);
      if (d == null || s == null) {
        continue;
      }
      String label = size >= 1024 * 1024 ? "1 MiB" : "4 KiB";
      double ratio = d.objectsPerSecond() / s.objectsPerSecond();
      System.out.printf(Locale.ROOT, "%s: dualpush / plain sequential SDK throughput = %.2f (target >= %.1f -> %s)%n",
          label, ratio, AZURE_SPEEDUP_TARGET, ratio >= AZURE_SPEEDUP_TARGET ? "MET" : "NOT MET");
      double[] pairs = AzureBench.roundRatios(d, s);
      double cpu = AzureBench.median(pairs);
      System.out.printf(Locale.ROOT, "%s: dualpush / plain SDK client CPU per object = %.2f, median of %d back-to-back round "
              + "pairs (%.2f–%.2f; medians of the sides %.2f) (target <= %.2f -> %s)%n", label, cpu, pairs.length,
          Arrays.stream(pairs).min().orElse(Double.NaN), Arrays.stream(pairs).max().orElse(Double.NaN),
          d.medianClientCpuMicros() / s.medianClientCpuMicros(), AZURE_CPU_RATIO_TARGET,
          cpu <= AZURE_CPU_RATIO_TARGET ? "MET" : "NOT MET");
    }
  }

  // ------------------------------------------------------------------ summary

  private static void printSummary(String started, Overhead.Config c, List<Overhead.Result> o, Parallelism.Result p) {
    Runtime rt = Runtime.getRuntime();
    System.out.println();
    System.out.println("## Results");
    System.out.println();
    System.out.printf(Locale.ROOT, "Measured %s on %d CPU(s), max heap %s, Java %s (%s), %s; load average at end %s%n", started,
        rt.availableProcessors(), mib(rt.maxMemory()), System.getProperty("java.version"), System.getProperty("java.vm.name"),
        os(), load());
    System.out.println();
    System.out.println("| Benchmark | Configuration | Result | p50 | p99 | Target | Met |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Overhead.Result r : o) {
      boolean async = r.driver().equals("async");
      System.out.printf(Locale.ROOT, "| overhead, %s client | %s, ioThreads %d, %d B objects, %d s | %,.0f pushes/s | %s | %s | %s | %s |%n",
          r.driver(), r.detail(), c.ioThreads(), c.size(), c.seconds(), r.pushesPerSecond(), micros(r.p50Nanos()),
          micros(r.p99Nanos()), async ? String.format(Locale.ROOT, ">= %,.0f pushes/s", OVERHEAD_TARGET) : "(reference)",
          async ? (r.pushesPerSecond() >= OVERHEAD_TARGET ? "yes" : "no") : "");
    }
    System.out.printf(Locale.ROOT, "| parallelism, 1 destination | %d ms injected latency, %d sequential pushes | | %s | %s | | |%n",
        p.latency().toMillis(), p.iterations(), millis(p.oneP50()), millis(p.oneP99()));
    System.out.printf(Locale.ROOT, "| parallelism, 2 destinations | same run, alternating with the above | | %s | %s | | |%n",
        millis(p.twoP50()), millis(p.twoP99()));
    System.out.printf(Locale.ROOT, "| parallelism ratio | p50(2) / p50(1) | %.3f | | | <= %.2f | %s |%n",
        p.ratio(), PARALLELISM_TARGET, p.ratio() <= PARALLELISM_TARGET ? "yes" : "no");
  }

  /** The 1-minute load average at the end of the run, so a busy machine shows in the results. */
  private static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static String os() {
    String pretty = "";
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith("PRETTY_NAME=")) {
          pretty = line.substring("PRETTY_NAME=".length()).replace("\"", "") + ", ";
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or not readable: the JVM's own description below is enough.
    }
    return pretty + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
  }

  private static String now() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
  }

  // ------------------------------------------------------------------ options

  private static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("Unexpected argument: " + a);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("Missing value for --" + name);
      }
      options.put(name, value);
    }
    return options;
  }

  private static void check(Map<String, String> options, Set<String> allowed) {
    for (String name : options.keySet()) {
      if (!allowed.contains(name)) {
        System.err.println("Unknown option --" + name + " (allowed: " + allowed + ")");
        System.exit(2);
      }
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.HashSet<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static int intOption(Map<String, String> options, String name, int defaultValue) {
    String v = options.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < (name.equals("warmup") || name.equals("par-warmup") || name.equals("log-window-ms") ? 0 : 1)) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      System.err.println("--" + name + " must be a positive whole number; got '" + v + "'");
      System.exit(2);
      return defaultValue;
    }
  }

  private static void usage() {
    System.out.println("""
        usage: java -jar dualpush-benchmarks.jar <command> [options]
          overhead     pushes/s of small distinct objects to two in-memory destinations, sync and async clients
                       --seconds N (10)  --warmup N (5)  --concurrency C sync threads (16)  --window W async in-flight (256)
                       --size BYTES (1024)  --io-threads T per destination (2)  --log bounded|testkit|file (bounded)
                       --stats-per-second N  a thread calling stats() N times a second (0)
                       --keep-objects N kept per destination (1000)  --retention N terminal txns in the bounded log (10000, the default)
          operations   the overhead driver(s) with operations off (no listener, alerts dropped, no history) and on
                       (DualPushMetrics bound and scraped, default alert sink and history), interleaved rounds;
                       pushes/s of each and on/off (not in `all`)
                       --rounds R (3)  --driver async|sync|both (async)  --history-detail outcomes|steps (outcomes)
               and every overhead option
          parallelism  p50 push latency to two 20 ms destinations / to one, same run
                       --iterations N (200)  --par-warmup N (20)  --latency-ms MS (20)
          all          parallelism, then overhead, then a Markdown summary (accepts every option above)
          redis-dedupe dedupe claims/s against a local redis-server: one claim per round trip vs claimAll batches (not in `all`)
                       --seconds N (5)  --warmup N (2)  --threads T (1)  --batches LIST (100,1000)
          log-append   durable appends/s to FileTransactionLog, GROUP_COMMIT vs FSYNC_PER_RECORD, on a real disk (not in `all`)
                       --seconds N (5)  --writers LIST (1,8,64)  --dir DIR (target/log-bench)
          log-open     time to open (replay) a log of N records, 3 runs (not in `all`)
                       --records N (1000000)  --dir DIR (target/log-bench)
          log-steady   disk use of the file log under a steady push load through the engine (not in `all`)
                       --minutes M (10)  --rate PUSHES_PER_S (2000)  --segment-mib N (64)  --dir DIR (target/steady-log)
          azure        dualpush (file log, 2 Azure destinations) vs plain SDK upload to A then B, on two Azurite
                       instances started from npm (not in `all`)
                       --small N 4 KiB objects (2000)  --large N 1 MiB objects (200)  --threads T each side (8)
                       --rounds R per side, alternating which side goes first; CPU per object is the median of
                       the rounds (5)  --azure-warmup N objects per side before measuring, in passes of a round,
                       the sides taking turns (4000; for 1 MiB at most a round)  --rtt-ms MS added to every request of both sides, a stand-in
                       for a far region's round trip (0)  --sizes 4k,1m (both)  --sides dualpush,plain (both; one
                       alone to profile it)  --dir DIR (target/azure-bench)  --log-window-ms MS the dualpush
                       log's groupCommitWindow (the log's default; 0 turns it off)
          tree         the pipeline CLI (java -jar, fixed heap) on a tree of tiny files: push, status, verify,
                       re-push; wall time and peak RSS (not in `all`)
                       --files N (100000)  --heap SIZE (256m)  --jar JAR (samples/target/dualpush-samples.jar)
                       --baseline-jar JAR run alternately with --jar  --rounds R (1)  --dir DIR (target/tree-bench)
          job          the pipeline CLI's push (a child JVM per run, as users run it) against the seed design as a plain
                       SDK job (a child JVM: parallel single-shot uploads, no log), on two Azurite instances (not in `all`)
                       --sizes 4k,1m  --small N 4 KiB objects (3000)  --small-parallel N (8)  --large N 1 MiB objects (600)
                       --large-parallel N (4)  --rounds R (3, the first side rotating)
                       --launcher PATH|java (samples/bin/dualpush when present, else java -jar)
                       --jar JAR (samples/target/dualpush-samples.jar)  --baseline-jar JAR another build, run with java -jar
                       --java-opts "OPTS" added to the CLI's JVM (e.g. a JFR recording)  --plain-java-opts "OPTS"
                       --pause SECONDS between runs (2)  --dir DIR data and work files (target/job-bench)
                       --sides dualpush,baseline,plain (all) for experiments: run only these
          outage       one of two required destinations down while --pushes objects go through the async client
                       (durable file log) in a child JVM of --heap; then it returns and repair must converge.
                       A line every --every seconds: pushes, open transactions, live heap, repair threads' CPU
                       --pushes N (1000000)  --window N in flight (256)  --size BYTES (1024)  --heap SIZE (256m)
                       --every SECONDS (10)  --max-repair-minutes M (60)  --dir DIR (target/outage-bench)
                       --retained-mib M (the client's default budget of retained payloads)
          takeover     takeover time between two child JVMs with an active-region coordinator on one local
                       redis-server: after a graceful close (target < 0.5 s) and after SIGKILL (target <= TTL +
                       one renew interval), trials alternating (not in `all`)
                       --trials N of each kind (10)  --ttl-ms MS (5000)  --renew-ms MS (1000)
                       --retry-ms MS a standby's retry interval (the coordinator's default: the renew interval, at most 250 ms)
          coordinated-push  async-client pushes/s with a Redis-lease coordinator and RedisDedupeStore vs without
                       (embedded dedupe), and with the coordinator alone, same run, rounds rotating (not in `all`)
                       --pushes N measured per round (100000)  --warmup N per round (50000)  --rounds R per side (3)
          exactly-once messages/s processed exactly once by MessageProcessor (Redis dedupe batched and not, the embedded
                       file dedupe store) vs no dedupe and vs the handler alone, same run, rounds rotating (not in `all`)
                       --messages N measured per round (5000)  --warmup N per round (1000)  --rounds R per side (5)
                       --batch B messages per processAll (100)  --dir DIR message stores and logs (target/exactly-once-bench)
                       --store dir|memory write-ahead copies in a FileSystemDestination under DIR, or in memory (dir)
          read         the failover read client (issue 13) on two loopback HTTP endpoints and two Azurites (not in `all`):
                       (a) one endpoint refusing connections: first read after it went down and steady reads;
                       (b) one endpoint adding 200 ms to 10% of requests: p99 with and without hedging, hedges/read;
                       (c) reads/s vs a plain HttpClient, rounds alternating; (d) primary Azurite stopped: the SDK's
                       secondaryHost retry vs the client over two AzureBlobDestinations
                       --parts a,b,c,d (all)  --reads N per series (20000)  --threads T for (b), (c), (d) (8)
                       --trials N discovery trials (200)  --warmup N reads (200)  --seconds S per round (5)
                       --rounds R per side (5)  --azure-reads N per side (400)  --objects N (200)  --size BYTES (4096)
          dashboard    the dashboard sample (issue 16) in a child JVM (java -jar SAMPLES_JAR dashboard), in one run:
                       (a) event-to-client latency of live updates at N WebSocket sessions while edge goes down and up;
                       (b) REST latency at a fixed request rate, open loop; (c) failover detection, secondary down
                       --samples-jar JAR (samples/target/dualpush-samples.jar)  --clients N (1000)  --seconds S for (a) (30)
                       --change-ms MS between edge changes (500)  --rest-rate R req/s (200)  --rest-seconds S (30)
                       --trials N for (c) (10)  --dir DIR (target/dashboard-bench)  --heap SIZE dashboard -Xmx (512m)
                       --rate-limit N the dashboard's per-client limit (100000)  --connect-parallelism N (32)
                       --warmup S of edge changes and of REST load before (a), not recorded (10)
                       --jfr true  record the dashboard's JVM with JDK Flight Recorder (profile) into DIR/dashboard.jfr
                       --dashboard-gc NAME the dashboard JVM's collector: ZGC (-XX:+UseZGC, as samples/bin/dualpush starts
                       the dashboard), G1 (the JVM's default under plain java -jar), Parallel, Serial""");
  }

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "%.0f us", nanos / 1e3);
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024));
  }
}
