package io.dualpush.benchmarks;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.testkit.AzuriteProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The pipeline job end to end, the way users run it, against the seed design's dual push written
 * as a plain Azure SDK job, on the same two Azurite instances ("regions"), alternating.
 *
 * <p>Each side is a child JVM started afresh per run, so what is measured includes start-up and
 * JIT compilation, as a job pays them:
 * <ul>
 *   <li><b>dualpush</b>: the packaged CLI, {@code push DIR --destination a=azure-env:VAR_A/C
 *       --destination b=azure-env:VAR_B/C --log LOGDIR --parallel N}, through the launcher given
 *       (a launcher script, or {@code java -jar}); the durable file log (group commit, fsync) and
 *       hash verification included;</li>
 *   <li><b>dualpush (baseline jar)</b>, optionally: another build of the same CLI through
 *       {@code java -jar}, to measure before and after in one run;</li>
 *   <li><b>plain SDK</b>: {@link PlainSdkJob} from this jar: N threads, one single-shot upload per
 *       copy, both copies in parallel, the MD5 the service returns, no durable log.</li>
 * </ul>
 * Both read the same files (distinct random content per object, generated once and kept), write
 * into fresh containers per run, and find the connection strings in their environment (never on a
 * command line, never printed). Per run: the child's wall time, its CPU (user + system, from the
 * shell that waited for it: {@code times}), and both Azurites' CPU over the run. Every run must
 * exit 0 and leave every object in both containers, or the benchmark stops with the child's output.
 */
final class JobBench {
  /** One workload: {@code objects} files of {@code size} bytes pushed {@code parallel} at a time. */
  record Workload(String label, int size, int objects, int parallel) {}

  /**
   * How one side is started: the command before the job's own arguments, and extra environment.
   * {@code firstRun}: the side's first run differs from later ones (a launcher records a class-data
   * archive), so it gets one run of the first workload before round 1, reported on its own.
   */
  record Side(String name, List<String> prefix, Map<String, String> env, boolean cli, boolean firstRun) {}

  /**
   * One run of one side. {@code threadCpu}: CPU seconds by thread group (see {@link #GROUPS}), as
   * last seen in {@code /proc} while the child ran; what threads that ended between two looks
   * used is in no group, so the groups add up to less than {@code cpuSeconds}.
   */
  record Run(String side, Workload workload, int round, double wallSeconds, double cpuSeconds, double azuriteCpuSeconds,
      String summary, Map<String, Double> threadCpu) {}

  /**
   * Thread groups for the CPU split, by the name the JVM gives each thread (the kernel keeps its
   * first 15 characters), first match wins.
   */
  static final List<Map.Entry<String, List<String>>> GROUPS = List.of(
      Map.entry("JIT", List.of("C1 CompilerThre", "C2 CompilerThre")),
      Map.entry("GC + VM", List.of("GC Thread", "G1 ", "VM ", "Service Thread", "Sweeper thread", "Monitor Deflati",
          "Reference Handl", "Finalizer", "Signal Dispatch", "Common-Cleaner", "Notification Th")),
      Map.entry("HTTP client", List.of("azure-sdk-globa", "HttpClient-", "ForkJoinPool.co", "parallel-", "Thread-")),
      Map.entry("SDK calls", List.of("dualpush-io-", "pool-")),
      Map.entry("hash + log append", List.of("dualpush-push-")),
      Map.entry("log writer", List.of("dualpush-log-wr", "dualpush-log-co", "dualpush-wal-wr")),
      Map.entry("main + timers", List.of("main", "java", "dualpush-timer", "dualpush-progre", "dualpush-repair")));

  static final String ENV_A = "DUALPUSH_BENCH_A";
  static final String ENV_B = "DUALPUSH_BENCH_B";
  private static final Pattern TIMES = Pattern.compile("(\\d+)m([0-9.]+)s\\s+(\\d+)m([0-9.]+)s");

  private final Path dir;
  private final int rounds;
  private final double pauseSeconds;

  JobBench(Path dir, int rounds, double pauseSeconds) {
    this.dir = dir;
    this.rounds = rounds;
    this.pauseSeconds = pauseSeconds;
  }

  /** Runs every workload: its own pair of Azurites, each round every side once, the first side rotating. */
  List<Run> run(List<Workload> workloads, List<Side> sides) throws Exception {
    List<Run> runs = new ArrayList<>();
    for (Workload w : workloads) {
      Path data = generate(w);
      Path empty = Files.createDirectories(dir.resolve("data").resolve("empty"));
      try (AzuriteProcess a = new AzuriteProcess("job-a"); AzuriteProcess b = new AzuriteProcess("job-b")) {
        a.start();
        b.start();
        BlobServiceClient sa = new BlobServiceClientBuilder().connectionString(a.connectionString()).buildClient();
        BlobServiceClient sb = new BlobServiceClientBuilder().connectionString(b.connectionString()).buildClient();
        Map<String, String> env = Map.of(ENV_A, a.connectionString(), ENV_B, b.connectionString());
        if (w.equals(workloads.get(0))) {
          for (Side side : sides) {
            if (side.firstRun()) {
              runs.add(once(side, w, -1, data, env, a, b, sa, sb));
            }
          }
        }
        for (int round = 0; round < rounds; round++) {
          for (int i = 0; i < sides.size(); i++) {
            Side side = sides.get((i + round) % sides.size());
            // Start-up alone: the same command on an empty directory (no object, no request per object).
            runs.add(once(side, new Workload(w.label() + " start-up", 0, 0, w.parallel()), round, empty, env, a, b, sa, sb));
            runs.add(once(side, w, round, data, env, a, b, sa, sb));
          }
        }
      }
    }
    return runs;
  }

  private Run once(Side side, Workload w, int round, Path source, Map<String, String> env, AzuriteProcess a,
      AzuriteProcess b, BlobServiceClient sa, BlobServiceClient sb) throws Exception {
    String container = String.format(Locale.ROOT, "r%d-%s-%s", round + 1, side.name(), w.label())
        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
    container = container.length() > 63 ? container.substring(0, 63) : container;
    BlobContainerClient ca = sa.createBlobContainer(container);
    BlobContainerClient cb = sb.createBlobContainer(container);
    Path work = dir.resolve("run");
    delete(work);
    Files.createDirectories(work);
    Path log = work.resolve("log");
    List<String> args = side.cli()
        ? List.of("push", source.toString(), "--destination", "a=azure-env:" + ENV_A + "/" + container,
            "--destination", "b=azure-env:" + ENV_B + "/" + container, "--log", log.toString(),
            "--parallel", Integer.toString(w.parallel()))
        : List.of(source.toString(), ENV_A, ENV_B, container, Integer.toString(w.parallel()));
    Path times = work.resolve("times");
    // Kept after the run (the last run of each container name), to read what the child printed.
    Path out = Files.createDirectories(dir.resolve("output")).resolve(container + ".txt");
    List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c",
        // The shell waits for the child, then reports the CPU its children used (user, system).
        "t=$1; shift; \"$@\"; rc=$?; times > \"$t\"; exit $rc", "sh", times.toString()));
    cmd.addAll(side.prefix());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().putAll(env);
    pb.environment().putAll(side.env());
    Thread.sleep((long) (pauseSeconds * 1000)); // let the emulators finish what the last run left them
    double azuriteBefore = cpu(a, b);
    long start = System.nanoTime();
    Process p = pb.start();
    Map<String, Double> threadCpu = watchThreads(p);
    int exit = p.waitFor();
    double wall = (System.nanoTime() - start) / 1e9;
    double azurite = cpu(a, b) - azuriteBefore;
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    if (exit != 0) {
      throw new IllegalStateException(side.name() + " " + w.label() + " round " + (round + 1) + " exited " + exit
          + "; command: " + String.join(" ", cmd.subList(5, cmd.size())) + "; its output:\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }
    long inA = ca.listBlobs().stream().count();
    long inB = cb.listBlobs().stream().count();
    if (inA != w.objects() || inB != w.objects()) {
      throw new IllegalStateException(side.name() + " " + w.label() + " round " + (round + 1) + " exited 0 but left "
          + inA + " and " + inB + " objects in the two containers, not " + w.objects());
    }
    double cpu = childCpu(times);
    String summary = lines.stream()
        .filter(l -> l.startsWith("pushed ") || l.contains(" transaction(s), ") || l.startsWith("plain SDK: "))
        .reduce((x, y) -> x + " / " + y).orElse("");
    Run r = new Run(side.name(), w, round, wall, cpu, azurite, summary, threadCpu);
    System.out.printf(Locale.ROOT, "  %-7s %-24s %-16s %6.2f s wall  %7.2f s CPU  Azurite %6.2f s CPU  %s%n",
        round < 0 ? "first" : "round " + (round + 1),
        side.name(), w.label(), wall, cpu, azurite, w.objects() == 0 ? "" : String.format(Locale.ROOT, "%.0f obj/s",
            w.objects() / wall));
    return r;
  }

  /**
   * Until {@code p} ends: every 100 ms, the CPU time of each thread of the JVM it runs (its java
   * descendant, or itself), from {@code /proc/PID/task/TID/stat}; then the last figure of each
   * thread, summed by {@link #GROUPS} (names outside them under "other"). Empty where there is no
   * {@code /proc}.
   */
  private static Map<String, Double> watchThreads(Process p) throws InterruptedException {
    Map<Long, Long> ticks = new java.util.HashMap<>();
    Map<Long, String> names = new java.util.HashMap<>();
    long java = -1;
    while (p.isAlive()) {
      if (java < 0) {
        java = p.toHandle().descendants()
            .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
            .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
      }
      if (java >= 0) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(java), "task"))) {
          for (Path t : (Iterable<Path>) tasks::iterator) {
            try {
              String stat = Files.readString(t.resolve("stat"));
              int open = stat.indexOf('(');
              int close = stat.lastIndexOf(')');
              String[] f = stat.substring(close + 2).split(" ");
              long tid = Long.parseLong(t.getFileName().toString());
              // fields 14 and 15 of stat (utime, stime); f[0] is field 3
              ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
              names.put(tid, stat.substring(open + 1, close));
            } catch (IOException | RuntimeException e) {
              // the thread ended between the listing and the read
            }
          }
        } catch (IOException | java.io.UncheckedIOException e) {
          // the process ended
        }
      }
      Thread.sleep(100);
    }
    Map<String, Double> groups = new LinkedHashMap<>();
    for (Map.Entry<Long, Long> e : ticks.entrySet()) {
      String name = names.get(e.getKey());
      String group = GROUPS.stream().filter(g -> g.getValue().stream().anyMatch(name::startsWith)).map(Map.Entry::getKey)
          .findFirst().orElse("other");
      groups.merge(group, e.getValue() / (double) CLOCK_TICKS, Double::sum);
    }
    return groups;
  }

  /** Clock ticks per second of {@code /proc}'s CPU times; 100 on Linux unless configured otherwise. */
  private static final long CLOCK_TICKS = clockTicks();

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      return p.waitFor() == 0 ? Long.parseLong(out) : 100;
    } catch (IOException | InterruptedException | NumberFormatException e) {
      return 100;
    }
  }

  private static double cpu(AzuriteProcess a, AzuriteProcess b) {
    return (a.cpuTime().toNanos() + b.cpuTime().toNanos()) / 1e9;
  }

  /** User + system seconds of the shell's children, from the second line of {@code times}. */
  private static double childCpu(Path times) throws IOException {
    List<String> lines = Files.readAllLines(times);
    if (lines.size() < 2) {
      throw new IOException("unexpected output of times: " + lines);
    }
    Matcher m = TIMES.matcher(lines.get(1));
    if (!m.find()) {
      throw new IOException("unexpected output of times: " + lines);
    }
    return Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2)) + Integer.parseInt(m.group(3)) * 60
        + Double.parseDouble(m.group(4));
  }

  /** The workload's files, distinct random content each, generated once and kept under {@code dir/data}. */
  private Path generate(Workload w) throws IOException {
    Path data = dir.resolve("data").resolve(w.label().replaceAll("[^A-Za-z0-9]+", "-"));
    Path marker = dir.resolve("data").resolve(data.getFileName() + ".generated");
    String expected = w.objects() + " x " + w.size();
    if (Files.exists(marker) && Files.readString(marker).equals(expected)) {
      return data;
    }
    delete(data);
    Files.createDirectories(data);
    byte[] bytes = new byte[w.size()];
    for (int i = 0; i < w.objects(); i++) {
      new SplittableRandom(((long) w.size() << 32) ^ i).nextBytes(bytes);
      try (OutputStream o = Files.newOutputStream(data.resolve(String.format(Locale.ROOT, "obj-%05d.bin", i)))) {
        o.write(bytes);
      }
    }
    Files.writeString(marker, expected);
    return data;
  }

  /** Objects/s over the summed wall time of a side's runs of one workload, and CPU per object. */
  record Summary(String side, Workload workload, int runs, double objectsPerSecond, double minRate, double maxRate,
      double cpuMsPerObject, double azuriteMsPerObject, double startupCpuSeconds, double startupWallSeconds,
      Map<String, Double> threadMsPerObject) {}

  static List<Summary> summarize(List<Run> runs, List<Workload> workloads, List<Side> sides) {
    List<Summary> out = new ArrayList<>();
    for (Workload w : workloads) {
      for (Side s : sides) {
        List<Run> mine = runs.stream()
            .filter(r -> r.side().equals(s.name()) && r.workload().equals(w) && r.round() >= 0).toList();
        List<Run> startup = runs.stream()
            .filter(r -> r.side().equals(s.name()) && r.workload().label().equals(w.label() + " start-up")).toList();
        if (mine.isEmpty()) {
          continue;
        }
        double wall = mine.stream().mapToDouble(Run::wallSeconds).sum();
        double objects = (double) w.objects() * mine.size();
        out.add(new Summary(s.name(), w, mine.size(), objects / wall,
            mine.stream().mapToDouble(r -> w.objects() / r.wallSeconds()).min().orElse(0),
            mine.stream().mapToDouble(r -> w.objects() / r.wallSeconds()).max().orElse(0),
            mine.stream().mapToDouble(Run::cpuSeconds).sum() * 1000 / objects,
            mine.stream().mapToDouble(Run::azuriteCpuSeconds).sum() * 1000 / objects,
            startup.stream().mapToDouble(Run::cpuSeconds).average().orElse(0),
            startup.stream().mapToDouble(Run::wallSeconds).average().orElse(0), perObject(mine, objects)));
      }
    }
    return out;
  }

  /** Thread groups' CPU in ms per object over the runs, in {@link #GROUPS} order, then "other". */
  private static Map<String, Double> perObject(List<Run> runs, double objects) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> g : GROUPS) {
      out.put(g.getKey(), 0.0);
    }
    out.put("other", 0.0);
    for (Run r : runs) {
      r.threadCpu().forEach((k, v) -> out.merge(k, v * 1000 / objects, Double::sum));
    }
    return out;
  }

  /** Insertion-ordered map, for small option tables. */
  static Map<String, String> env(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static void delete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
