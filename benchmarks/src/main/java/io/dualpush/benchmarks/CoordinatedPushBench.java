package io.dualpush.benchmarks;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.redis.RedisLeaseStore;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.RedisClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Engine pushes/s with an active-region coordinator (a Redis lease) and {@link RedisDedupeStore}
 * against the same engine without them (the embedded default dedupe store, no coordinator), in the
 * same run, rounds alternating between the two sides and the first side rotating. The {@code
 * overhead} benchmark's async driver: 1 KiB distinct objects, a window of 256 in flight, two
 * in-memory destinations (keeping their newest 1,000 objects), two I/O threads each, the bounded
 * in-memory log. Every push carries a message id of its own on both sides, so both pay for dedupe:
 * the difference is the Redis round trips (claim, mark done) and the fencing token on each write.
 * Redis is a local redis-server started by the testkit's {@link RedisServerProcess}.
 *
 * <p>A third side, the coordinator with the embedded dedupe store, splits the cost between the
 * lease (a token read before each write, no Redis call per push) and the Redis dedupe (two round
 * trips per push). Reported per side: the median of the rounds' pushes/s, their range, and this
 * JVM's CPU per push (redis-server's CPU is not in it).
 */
final class CoordinatedPushBench {
  static final String WITHOUT = "without (embedded dedupe, no coordinator)";
  static final String WITH = "with (Redis lease coordinator + RedisDedupeStore)";
  static final String LEASE_ONLY = "Redis lease coordinator, embedded dedupe";
  private static final List<String> SIDES = List.of(WITHOUT, WITH, LEASE_ONLY);
  private static final int WINDOW = 256;
  private static final int KEEP = 1000;

  private final int pushes;
  private final int warmup;
  private final int rounds;

  /** One round of one side. */
  record Round(String side, int round, double pushesPerSecond, double cpuMicrosPerPush, long failures, String firstFailure) {}

  CoordinatedPushBench(int pushes, int warmup, int rounds) {
    this.pushes = pushes;
    this.warmup = warmup;
    this.rounds = rounds;
  }

  List<Round> run() throws Exception {
    List<Round> results = new ArrayList<>();
    try (RedisServerProcess server = RedisServerProcess.builder("coordinated-push").build()) {
      server.start();
      RedisClient redis = RedisClient.create(server.uri());
      try {
        for (int r = 1; r <= rounds; r++) {
          // The first side rotates from round to round.
          for (int i = 0; i < SIDES.size(); i++) {
            String side = SIDES.get((i + r - 1) % SIDES.size());
            Round round = round(redis, side, r);
            results.add(round);
            System.out.printf(Locale.ROOT, "  round %d %s: %,.0f pushes/s, %.1f µs CPU per push%s%n", r, round.side(),
                round.pushesPerSecond(), round.cpuMicrosPerPush(),
                round.failures() > 0 ? ", " + round.failures() + " failures, first: " + round.firstFailure() : "");
          }
        }
      } finally {
        redis.shutdown();
      }
    }
    return results;
  }

  private Round round(RedisClient redis, String side, int number) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    InMemoryDestination primary = new InMemoryDestination("primary");
    InMemoryDestination secondary = new InMemoryDestination("secondary");
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .destination(DestinationOptions.of("primary"), primary)
        .destination(DestinationOptions.of("secondary"), secondary)
        .transactionLog(new BoundedInMemoryTransactionLog(10_000))
        .ioThreads(2).maxInFlight(WINDOW);
    RedisLeaseStore leases = null;
    RedisDedupeStore dedupe = null;
    ActiveRegionCoordinator coordinator = null;
    if (!side.equals(WITHOUT)) {
      leases = RedisLeaseStore.builder().client(redis).keyPrefix("bench-" + run).build();
      coordinator = ActiveRegionCoordinator.builder().leaseStore(leases).leaseName("active_dc").owner("bench")
          .ttl(Duration.ofSeconds(10)).build();
      coordinator.start();
      if (!coordinator.awaitActive(Duration.ofSeconds(30))) {
        throw new IllegalStateException("the coordinator did not become active");
      }
      builder.coordinator(coordinator);
    }
    if (side.equals(WITH)) {
      dedupe = RedisDedupeStore.builder().client(redis).keyPrefix("bench-" + run).build();
      builder.dedupeStore(dedupe);
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    byte[] template = new byte[1024];
    new Random(7).nextBytes(template);
    AtomicLong failures = new AtomicLong();
    AtomicReference<Throwable> first = new AtomicReference<>();
    try (DualPushAsyncClient client = builder.buildAsyncClient()) {
      Semaphore window = new Semaphore(WINDOW);
      long cpu0 = 0;
      long t0 = 0;
      for (long n = 0; n < warmup + pushes; n++) {
        if (n == warmup) {
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
        PushRequest request = PushRequest.builder("bench/obj-" + n, PushContent.ofBytes(bytes))
            .messageId(run + "-" + n).build();
        client.push(request).whenComplete((receipt, e) -> {
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
      if (!window.tryAcquire(WINDOW, 5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("pushes did not complete");
      }
      long elapsed = System.nanoTime() - t0;
      long cpu = os.getProcessCpuTime() - cpu0;
      Throwable f = first.get();
      return new Round(side, number, pushes / (elapsed / 1e9), cpu / 1e3 / pushes, failures.get(),
          f == null ? "" : f.toString());
    } finally {
      if (coordinator != null) {
        coordinator.close();
      }
      if (dedupe != null) {
        dedupe.close();
      }
      if (leases != null) {
        leases.close();
      }
    }
  }

  /** Prints the sides' medians and the ratio. */
  static void print(List<Round> rounds) {
    System.out.println();
    System.out.println("| side | rounds | pushes/s: median (min–max) | client CPU per push: median |");
    System.out.println("|---|---:|---:|---:|");
    double[] medians = new double[SIDES.size()];
    int i = 0;
    for (String side : SIDES) {
      double[] rate = rounds.stream().filter(r -> r.side().equals(side)).mapToDouble(Round::pushesPerSecond).sorted().toArray();
      double[] cpu = rounds.stream().filter(r -> r.side().equals(side)).mapToDouble(Round::cpuMicrosPerPush).sorted().toArray();
      if (rate.length == 0) {
        continue;
      }
      medians[i++] = rate[rate.length / 2];
      System.out.printf(Locale.ROOT, "| %s | %d | %,.0f (%,.0f–%,.0f) | %.1f µs |%n", side, rate.length, rate[rate.length / 2],
          rate[0], rate[rate.length - 1], cpu[cpu.length / 2]);
    }
    if (i == SIDES.size()) {
      System.out.printf(Locale.ROOT, "%nwith / without: %.2f of the pushes/s; lease only / without: %.2f%n",
          medians[1] / medians[0], medians[2] / medians[0]);
    }
    long failed = rounds.stream().mapToLong(Round::failures).sum();
    System.out.println("failed pushes: " + failed);
  }
}
