package io.dualpush.benchmarks;

import io.dualpush.testkit.RedisServerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Takeover time between two regions, each a child JVM ({@link TakeoverChild}) with an
 * active-region coordinator on one local redis-server (started by the testkit's {@link
 * RedisServerProcess}): from the moment the active one is asked to close (graceful: it releases the
 * lease) or is killed with SIGKILL (it releases nothing) to the moment the standby's listener hears
 * {@code onActive}. Both times are {@link System#nanoTime()} readings, which on Linux are {@code
 * CLOCK_MONOTONIC} and shared by every process, so the child's reading is compared with the
 * parent's directly.
 *
 * <p>Trials alternate graceful and SIGKILL. The survivor of a trial is the active region of the
 * next, and a fresh standby is started beside it and given time to settle, so that each trial starts
 * from a holder that has renewed for a while. Before each kill or close the bench waits a random
 * part of a renew interval, so the kill falls anywhere between two renewals, as in production.
 * Targets: graceful under 0.5 s; SIGKILL at most TTL + one renew interval. A standby learns of a
 * release only when it next tries to acquire, so the graceful figure is spread over the standby's
 * retry interval ({@code --retry-ms}; the renew interval unless set).
 */
final class TakeoverBench {
  static final double GRACEFUL_TARGET_SECONDS = 0.5;

  private final int trials;
  private final long ttlMillis;
  private final long renewMillis;
  private final long retryMillis;

  /** One trial's outcome. */
  record Trial(int number, String kind, double seconds, long oldToken, long newToken) {}

  /** {@code retryMillis} 0: the coordinator's default retry interval (the renew interval, at most 250 ms). */
  TakeoverBench(int trials, long ttlMillis, long renewMillis, long retryMillis) {
    this.trials = trials;
    this.ttlMillis = ttlMillis;
    this.renewMillis = renewMillis;
    this.retryMillis = retryMillis;
  }

  /** A child region and the lines it prints, as they come. */
  private static final class Region implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final Writer stdin;

    Region(List<String> command, Path stderr) throws IOException {
      java.nio.file.Files.createDirectories(stderr.getParent());
      // The children's logs (the coordinator's FAILOVER alerts among them) go to a file each, off the table.
      process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String l;
          while ((l = in.readLine()) != null) {
            lines.add(l);
          }
        } catch (IOException e) {
          // killed: the pipe closed
        }
      }, "takeover-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line starting with {@code event}; earlier lines of other events are dropped. */
    String await(String event, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (true) {
        String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (l == null) {
          throw new IllegalStateException("no " + event + " within " + seconds + " s (alive " + process.isAlive() + ")");
        }
        if (l.startsWith(event + " ")) {
          return l;
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  static long field(String line, String name) {
    for (String w : line.split(" ")) {
      if (w.startsWith(name + "=")) {
        return Long.parseLong(w.substring(name.length() + 1));
      }
    }
    throw new IllegalStateException("no " + name + " in " + line);
  }

  List<Trial> run() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("java.class.path");
    List<Trial> results = new ArrayList<>();
    Random random = new Random(1);
    try (RedisServerProcess redis = RedisServerProcess.builder("takeover").build()) {
      redis.start();
      String lease = "takeover-" + UUID.randomUUID();
      List<String> base = List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, TakeoverChild.class.getName(),
          redis.host() + ":" + redis.port(), lease);
      List<Region> all = new ArrayList<>();
      try {
        Region active = start(base, "r0", all);
        long token = field(active.await("ACTIVE", 60), "token");
        for (int n = 1; n <= 2 * trials; n++) {
          Region standby = start(base, "r" + n, all);
          standby.await("STANDBY", 60);
          // Settle: the holder renews a few times, the standby retries a few times.
          Thread.sleep(3 * renewMillis + random.nextInt((int) renewMillis));
          boolean graceful = n % 2 == 1;
          long t0 = System.nanoTime();
          if (graceful) {
            active.stdin.write("close\n");
            active.stdin.flush();
          } else {
            active.process.destroyForcibly();
          }
          String line = standby.await("ACTIVE", 60);
          double seconds = (field(line, "t") - t0) / 1e9;
          long newToken = field(line, "token");
          results.add(new Trial(n, graceful ? "graceful" : "SIGKILL", seconds, token, newToken));
          System.out.printf(Locale.ROOT, "  trial %d %s: %.3f s (token %d -> %d)%n", n, graceful ? "graceful" : "SIGKILL",
              seconds, token, newToken);
          active.process.waitFor(30, TimeUnit.SECONDS);
          active = standby;
          token = newToken;
        }
      } finally {
        for (Region r : all) {
          r.close();
        }
      }
    }
    return results;
  }

  private Region start(List<String> base, String owner, List<Region> all) throws IOException {
    List<String> command = new ArrayList<>(base);
    command.addAll(List.of(owner, Long.toString(ttlMillis), Long.toString(renewMillis)));
    if (retryMillis > 0) {
      command.add(Long.toString(retryMillis));
    }
    Region r = new Region(command, Path.of("target", "takeover-bench", owner + ".stderr"));
    all.add(r);
    return r;
  }

  /** Prints the trials' table and the summary against the targets. */
  void print(List<Trial> results) {
    System.out.println();
    System.out.println("| kind | trials | median | min | max | target | met |");
    System.out.println("|---|---:|---:|---:|---:|---|---|");
    for (String kind : List.of("graceful", "SIGKILL")) {
      double[] s = results.stream().filter(t -> t.kind().equals(kind)).mapToDouble(Trial::seconds).sorted().toArray();
      if (s.length == 0) {
        continue;
      }
      double target = kind.equals("graceful") ? GRACEFUL_TARGET_SECONDS : (ttlMillis + renewMillis) / 1000.0;
      double max = s[s.length - 1];
      System.out.printf(Locale.ROOT, "| %s | %d | %.3f s | %.3f s | %.3f s | %s %.3f s | %s |%n", kind, s.length,
          s[s.length / 2], s[0], max, kind.equals("graceful") ? "<" : "<=", target,
          (kind.equals("graceful") ? max < target : max <= target) ? "yes (every trial)" : "no");
    }
    System.out.println();
    System.out.println("tokens strictly increasing: " + results.stream().allMatch(t -> t.newToken() > t.oldToken())
        + "; all trials: " + Arrays.toString(results.stream().mapToDouble(Trial::seconds).toArray()));
  }
}
