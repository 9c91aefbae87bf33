package io.dualpush.samples.drill;

import io.dualpush.samples.drill.RegionProcess.Event;
import io.dualpush.testkit.RedisServerProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code dualpush drill}: a disaster-recovery drill in one command. It starts two region processes ({@value #EAST}
 * and {@value #WEST}, child JVMs of this jar running {@link DrillRegion}) that share a Redis lease and a pair of
 * destination directories, acts as their producer (a push every {@value #INTERVAL_MILLIS} ms to whichever region is
 * active, each acknowledged only once verified at both destinations), kills the active region with SIGKILL, re-sends
 * the pushes that were in flight at that instant to the standby once it is active (as a queue redelivers
 * unacknowledged messages), keeps pushing, and then reads every pushed object back from both directories and checks
 * its MD5. Exit {@value #EXIT_PASS} when every push is verified at both destinations, nothing else was written, and
 * the takeover (kill to the standby's first verified push) is within {@code --max-takeover}; {@value #EXIT_FAIL}
 * otherwise, with the reasons; {@value #EXIT_USAGE} for a bad command line; {@value #EXIT_ENVIRONMENT} when Redis or
 * a region cannot be started. The regions are killed whatever happens, also on Ctrl-C (a shutdown hook).
 *
 * <p>Not thread-safe: one drill per instance, run on the caller's thread.
 */
public final class DrillCommand {
  /** The drill passed. */
  public static final int EXIT_PASS = 0;
  /** The drill failed: a push lost, corrupted or unacknowledged, something unexpected written, or takeover too slow. */
  public static final int EXIT_FAIL = 2;
  /** A bad command line; nothing was started. The CLI's code for usage errors. */
  public static final int EXIT_USAGE = 1;
  /** Redis or a region process could not be started. The CLI's code for environment failures. */
  public static final int EXIT_ENVIRONMENT = 3;
  /** The command's synopsis, for the CLI's usage text. */
  public static final String USAGE = DrillOptions.USAGE;

  static final String EAST = "eastus";
  static final String WEST = "westus2";
  static final int INTERVAL_MILLIS = 25;
  /** Pushes sent at once just before the kill, so that the kill always finds some in flight. */
  static final int BURST = 4;
  /** How long after the burst the active region is killed. */
  static final int KILL_DELAY_MILLIS = 10;
  private static final Duration START_WAIT = Duration.ofSeconds(120);

  private final DrillOptions options;
  private final PrintStream out;
  private final PrintStream err;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final List<RegionProcess> regions = new ArrayList<>();
  private final Map<RegionProcess, Boolean> active = new LinkedHashMap<>();
  private final Map<String, Push> pushes = new LinkedHashMap<>();
  private final Set<String> outstanding = new LinkedHashSet<>();
  private final Set<String> resend = new LinkedHashSet<>();
  private final List<String> ackMismatches = new ArrayList<>();
  private final String run = HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
  private String failure;
  private int nacks;
  private int resent;
  private RegionProcess killed;
  private RegionProcess survivor;
  private long killNanos;
  private long survivorActiveNanos;
  private long firstVerifiedNanos;
  private final List<String> inFlight = new ArrayList<>();

  /** One message of the producer, and what became of it. */
  static final class Push {
    final String key;
    final int seq;
    final String md5;
    Phase phase;
    long ackNanos;
    String ackedBy;
    final List<String> acks = new ArrayList<>();

    Push(String key, int seq, String md5, Phase phase) {
      this.key = key;
      this.seq = seq;
      this.md5 = md5;
      this.phase = phase;
    }
  }

  /** When a push was first sent, relative to the kill. */
  enum Phase {
    BEFORE_KILL, IN_FLIGHT, AFTER_KILL
  }

  private DrillCommand(DrillOptions options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the drill as the CLI's {@code drill} command.
   *
   * @param args the arguments after {@code drill}
   * @param out where the report goes
   * @param err where progress and problems go
   * @return the exit code: {@value #EXIT_PASS} passed, {@value #EXIT_FAIL} failed, {@value #EXIT_USAGE} bad usage,
   *     {@value #EXIT_ENVIRONMENT} Redis or a region could not be started
   */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    DrillOptions options;
    try {
      options = DrillOptions.parse(args);
    } catch (DrillOptions.BadUsage e) {
      err.println("dualpush: " + e.getMessage());
      return EXIT_USAGE;
    }
    try {
      return new DrillCommand(options, out, err).drill();
    } catch (IOException | UncheckedIOException | StartFailure e) {
      err.println("dualpush: drill: " + e.getMessage());
      return EXIT_ENVIRONMENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("dualpush: drill: interrupted");
      return EXIT_ENVIRONMENT;
    }
  }

  /** Redis or a region did not start. */
  static final class StartFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartFailure(String message) {
      super(message);
    }
  }

  private int drill() throws IOException, InterruptedException {
    Path dir = options.dir().isPresent() ? Files.createDirectories(options.dir().get())
        : Files.createTempDirectory("dualpush-drill-");
    Map<String, Path> destinations = new LinkedHashMap<>();
    destinations.put("primary", Files.createDirectories(dir.resolve("primary")));
    destinations.put("secondary", Files.createDirectories(dir.resolve("secondary")));
    Path messages = Files.createDirectories(dir.resolve("messages"));
    RedisServerProcess server = null;
    Thread hook = new Thread(this::killAll, "drill-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      String redis;
      if (options.redis().isPresent()) {
        redis = options.redis().get();
        Optional<String> variable = options.redisPasswordEnv();
        String password = variable.map(System::getenv).orElse(null);
        if (variable.isPresent() && (password == null || password.isEmpty())) {
          throw new StartFailure("--redis-password-env " + variable.get() + ": that environment variable is not set "
              + "or empty");
        }
      } else {
        err.println("drill: starting a local redis-server");
        server = RedisServerProcess.builder("drill").build();
        server.start();
        redis = "redis://" + server.host() + ":" + server.port();
      }
      for (String name : List.of(EAST, WEST)) {
        // The password stays in the environment, which the regions inherit: never on a command line.
        List<String> args = new ArrayList<>(List.of("--redis", redis, "--run", run, "--ttl-ms",
            Long.toString(options.ttl().toMillis()), "--primary", destinations.get("primary").toString(),
            "--secondary", destinations.get("secondary").toString(),
            "--messages", messages.toString(), "--log", dir.resolve("log-" + name).toString()));
        options.redisPasswordEnv().ifPresent(variable -> args.addAll(List.of("--redis-password-env", variable)));
        RegionProcess r = RegionProcess.start(name, args, dir.resolve(name + ".stderr.txt"), events);
        synchronized (regions) {
          regions.add(r);
        }
        active.put(r, false);
      }
      err.println("drill: run " + run + " in " + dir + ": regions " + EAST + " and " + WEST + " starting");
      awaitActiveAndStandby();
      err.println("drill: " + activeRegion() + " is active; pushing for " + options.duration().toSeconds()
          + " s, killing it after " + options.killAfter().toSeconds() + " s");
      produce();
    } finally {
      synchronized (regions) {
        for (RegionProcess r : regions) {
          if (r != killed) {
            r.close(15);
          }
        }
      }
      if (server != null) {
        server.close();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook runs
      }
    }
    if (options.loseOne() && !pushes.isEmpty()) {
      // Test-only sabotage: the check below must catch a copy that is not there, whatever the regions said.
      String victim = inFlight.isEmpty() ? pushes.keySet().iterator().next() : inFlight.get(0);
      Files.deleteIfExists(destinations.get("secondary").resolve(victim));
      err.println("drill: --lose-one (test only): deleted " + victim + " from the secondary");
    }
    Map<String, String> expected = new LinkedHashMap<>();
    pushes.values().forEach(p -> expected.put(p.key, p.md5));
    DrillChecker.Result check = DrillChecker.check(expected, destinations, DrillPayload.prefix(run));
    DrillReport report = report(dir, destinations, check);
    out.print(options.json() ? report.toJson() : report.toText());
    out.flush();
    return report.passed() ? EXIT_PASS : EXIT_FAIL;
  }

  private void killAll() {
    synchronized (regions) {
      regions.forEach(RegionProcess::kill);
    }
  }

  private void awaitActiveAndStandby() throws InterruptedException {
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    Set<RegionProcess> standby = new LinkedHashSet<>();
    while (activeRegion() == null || standby.isEmpty()) {
      long left = deadline - System.nanoTime();
      Event e = left > 0 ? events.poll(left, TimeUnit.NANOSECONDS) : null;
      if (e == null) {
        throw new StartFailure("the regions did not start within " + START_WAIT.toSeconds() + " s (one active, one "
            + "standby); their stderr: " + regions.stream().map(r -> r.stderrFile().toString()).toList());
      }
      if (e.kind().equals("FAILED")) {
        throw new StartFailure("region " + e.region() + " could not start: "
            + String.join(" ", e.words().subList(1, e.words().size())) + " (its stderr: " + e.region().stderrFile() + ")");
      }
      if (e.kind().equals("EXITED")) {
        throw new StartFailure("region " + e.region() + " exited while starting (its stderr: "
            + e.region().stderrFile() + ")");
      }
      if (e.kind().equals("STANDBY")) {
        standby.add(e.region());
      }
      handle(e);
    }
  }

  /** The producer: pushes, kills, waits for the takeover, re-sends, pushes on, then waits for the last answers. */
  private void produce() throws InterruptedException {
    long interval = TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS);
    long duration = options.duration().toNanos();
    long takeoverWait = Math.max(options.maxTakeover().toNanos(), options.ttl().multipliedBy(4).toNanos())
        + TimeUnit.SECONDS.toNanos(60);
    long drainWait = options.ttl().multipliedBy(3).plusSeconds(30).toNanos();
    long t0 = System.nanoTime();
    long nextTick = t0;
    int seq = 0;
    while (failure == null) {
      Event e = events.poll(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
      for (; e != null; e = events.poll()) {
        handle(e);
      }
      long now = System.nanoTime();
      if (failure != null || now < nextTick) {
        continue;
      }
      if (killed == null && now - t0 >= options.killAfter().toNanos() && activeRegion() != null) {
        RegionProcess victim = activeRegion();
        for (int i = 0; i < BURST; i++) {
          send(victim, newPush(seq++, Phase.BEFORE_KILL));
        }
        // A few milliseconds for the region to start on them: the kill then lands mid-push, with claims taken,
        // copies half written or acknowledgements still in the pipe, which is what a real crash leaves.
        Thread.sleep(KILL_DELAY_MILLIS);
        kill(victim);
        continue;
      }
      if (killed != null && survivorActiveNanos == 0 && now - killNanos > takeoverWait) {
        failure = "the standby " + survivor + " did not become active within "
            + TimeUnit.NANOSECONDS.toSeconds(takeoverWait) + " s of the kill";
        break;
      }
      nextTick = now + interval;
      RegionProcess target = activeRegion();
      if (target != null && (killed == null || survivorActiveNanos != 0)) {
        for (String key : List.copyOf(resend)) {
          resend.remove(key);
          resent++;
          send(target, pushes.get(key));
        }
        if (now - t0 < duration) {
          send(target, newPush(seq++, killed == null ? Phase.BEFORE_KILL : Phase.AFTER_KILL));
        }
      }
      if (now - t0 >= duration && killed != null) {
        if (outstanding.isEmpty() && resend.isEmpty()) {
          break;
        }
        if (now - t0 >= duration + drainWait) {
          break; // what is still unacknowledged is reported as such
        }
      }
    }
  }

  private Push newPush(int seq, Phase phase) {
    String key = DrillPayload.key(run, seq);
    Push p = new Push(key, seq, DrillChecker.md5(DrillPayload.content(run, seq)), phase);
    pushes.put(key, p);
    return p;
  }

  private void send(RegionProcess region, Push p) {
    outstanding.add(p.key);
    if (!region.send("PUSH " + p.key + " " + Base64.getEncoder().encodeToString(DrillPayload.content(run, p.seq)))) {
      resend.add(p.key);
    }
  }

  private void kill(RegionProcess victim) {
    killNanos = System.nanoTime();
    victim.kill();
    killed = victim;
    active.put(victim, false);
    survivor = regions.stream().filter(r -> r != victim).findFirst().orElseThrow();
    // Sent and not acknowledged when the region died: a queue would redeliver these to whoever is active next.
    inFlight.addAll(outstanding);
    for (String key : inFlight) {
      pushes.get(key).phase = Phase.IN_FLIGHT;
    }
    resend.addAll(inFlight);
    err.println("drill: killed " + victim + " (SIGKILL) with " + inFlight.size() + " pushes in flight; waiting for "
        + survivor + " to take over");
  }

  private void handle(Event e) {
    RegionProcess r = e.region();
    switch (e.kind()) {
      case "ACTIVE" -> {
        active.put(r, true);
        if (killed != null && r == survivor && survivorActiveNanos == 0) {
          survivorActiveNanos = e.receivedNanos();
          err.println("drill: " + r + " is active " + millis(survivorActiveNanos - killNanos) + " ms after the kill");
        }
      }
      case "STANDBY", "LOST" -> active.put(r, false);
      case "ACK" -> {
        if (e.words().size() < 4) {
          return;
        }
        Push p = pushes.get(e.words().get(1));
        if (p == null) {
          return;
        }
        String md5 = e.words().get(2);
        String status = e.words().get(3);
        p.acks.add(r + ":" + status);
        if (!md5.equals(p.md5)) {
          ackMismatches.add(p.key + " acknowledged by " + r + " with md5 " + md5 + ", sent " + p.md5);
        }
        if (p.ackNanos == 0) {
          p.ackNanos = e.receivedNanos();
          p.ackedBy = r.name();
        }
        outstanding.remove(p.key);
        if (r == survivor && firstVerifiedNanos == 0 && !status.equals("duplicate")) {
          firstVerifiedNanos = e.receivedNanos();
        }
      }
      case "NACK" -> {
        nacks++;
        if (e.words().size() >= 2 && pushes.containsKey(e.words().get(1))) {
          Push p = pushes.get(e.words().get(1));
          if (p.ackNanos == 0) {
            resend.add(p.key);
          }
        }
      }
      case "EXITED" -> {
        if (r != killed) {
          failure = "region " + r + " exited unexpectedly (its stderr: " + r.stderrFile() + ")";
        }
      }
      default -> {
        // READY, CLOSED: nothing to do
      }
    }
  }

  private RegionProcess activeRegion() {
    for (Map.Entry<RegionProcess, Boolean> e : active.entrySet()) {
      if (e.getValue() && e.getKey() != killed && e.getKey().isAlive()) {
        return e.getKey();
      }
    }
    return null;
  }

  private DrillReport report(Path dir, Map<String, Path> destinations, DrillChecker.Result check) {
    int before = 0;
    int after = 0;
    int acknowledged = 0;
    int duplicates = 0;
    int redelivered = 0;
    List<String> unacknowledged = new ArrayList<>();
    for (Push p : pushes.values()) {
      switch (p.phase) {
        case BEFORE_KILL -> before++;
        case AFTER_KILL -> after++;
        default -> { }
      }
      if (p.ackNanos != 0) {
        acknowledged++;
      } else {
        unacknowledged.add(p.key);
      }
      duplicates += (int) p.acks.stream().filter(a -> a.endsWith(":duplicate")).count();
      redelivered += (int) p.acks.stream().filter(a -> a.endsWith(":redelivered")).count();
    }
    long takeoverActive = survivorActiveNanos == 0 ? -1 : survivorActiveNanos - killNanos;
    long takeoverVerified = firstVerifiedNanos == 0 ? -1 : firstVerifiedNanos - killNanos;
    List<String> reasons = new ArrayList<>();
    if (failure != null) {
      reasons.add(failure);
    }
    int lost = check.lost(pushes.size());
    if (lost > 0) {
      reasons.add(lost + " of " + pushes.size() + " pushes not verified at both destinations (read back)");
    }
    if (!check.unexpected().isEmpty()) {
      reasons.add(check.unexpected().size() + " objects under the drill's prefix that were never pushed");
    }
    if (!unacknowledged.isEmpty()) {
      reasons.add(unacknowledged.size() + " pushes never acknowledged by a region");
    }
    if (!ackMismatches.isEmpty()) {
      reasons.add(ackMismatches.size() + " acknowledgements with another MD5 than the content sent");
    }
    if (takeoverVerified < 0) {
      reasons.add("the standby never verified a push after the kill");
    } else if (takeoverVerified > options.maxTakeover().toNanos()) {
      reasons.add("takeover took " + millis(takeoverVerified) + " ms (kill to the standby's first verified push), over "
          + "--max-takeover " + options.maxTakeover().toMillis() + " ms");
    }
    if (pushes.isEmpty()) {
      reasons.add("nothing was pushed");
    }
    return new DrillReport(reasons, run, DrillPayload.prefix(run), dir, destinations,
        killed == null ? "-" : killed.name(), survivor == null ? "-" : survivor.name(), options.ttl(),
        options.maxTakeover(), millisOrNull(takeoverActive), millisOrNull(takeoverVerified), pushes.size(), before,
        inFlight, after, acknowledged, unacknowledged, resent, nacks, check, duplicates, redelivered, ackMismatches);
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static Long millisOrNull(long nanos) {
    return nanos < 0 ? null : millis(nanos);
  }
}
