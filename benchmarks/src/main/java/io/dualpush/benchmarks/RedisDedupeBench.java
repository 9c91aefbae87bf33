package io.dualpush.benchmarks;

import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dedupe claims per second against a local redis-server (started by the testkit's launcher, no
 * persistence): one claim per round trip, and {@code claimAll} batches of 100 and 1,000, in the same
 * run on the same server and connection. Every claim is of a new id, so each one writes a key.
 */
final class RedisDedupeBench {
  /** Issue 12: batched claims at least this multiple of one claim per round trip. */
  static final double BATCH_RATIO_TARGET = 5;

  record Result(String mode, long claims, double seconds) {
    double perSecond() {
      return claims / seconds;
    }
  }

  private RedisDedupeBench() {}

  static List<Result> run(int seconds, int warmup, int threads, List<Integer> batches) throws Exception {
    List<Result> results = new ArrayList<>();
    try (RedisServerProcess server = RedisServerProcess.builder("dedupe-bench").build()) {
      server.start();
      RedisClient client = RedisClient.create(RedisURI.create(server.uri()));
      try (RedisDedupeStore store = RedisDedupeStore.builder().client(client).build()) {
        List<Integer> modes = new ArrayList<>();
        modes.add(1);
        modes.addAll(batches);
        for (int batch : modes) {
          measure(store, batch, threads, warmup, "warmup-" + batch);
          results.add(new Result(batch == 1 ? "claim (one per round trip)" : "claimAll, batches of " + batch,
              measure(store, batch, threads, seconds, "run-" + batch), seconds));
        }
      } finally {
        client.shutdown();
      }
    }
    return results;
  }

  /** Claims new ids for {@code seconds} from {@code threads} threads; returns how many were claimed. */
  private static long measure(RedisDedupeStore store, int batch, int threads, int seconds, String tag)
      throws InterruptedException {
    AtomicLong claimed = new AtomicLong();
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    Duration ttl = Duration.ofMinutes(5);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String prefix = tag + "-" + t + "-" + System.nanoTime() + "-";
      Thread w = new Thread(() -> {
        long n = 0;
        List<String> ids = new ArrayList<>(batch);
        while (System.nanoTime() < deadline) {
          if (batch == 1) {
            store.claim(prefix + n++, ttl);
            claimed.incrementAndGet();
          } else {
            ids.clear();
            for (int i = 0; i < batch; i++) {
              ids.add(prefix + n++);
            }
            claimed.addAndGet(store.claimAll(ids, ttl).size());
          }
        }
      }, "dedupe-bench-" + t);
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    return claimed.get();
  }

  static void print(List<Result> results, int threads) {
    System.out.println();
    System.out.printf(Locale.ROOT, "redis-dedupe: %d thread(s), one connection, local redis-server, new ids%n", threads);
    System.out.println("| mode | claims | seconds | claims/s | × one per round trip |");
    System.out.println("|---|---|---|---|---|");
    double single = results.get(0).perSecond();
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "| %s | %,d | %.1f | %,.0f | %.1f |%n", r.mode(), r.claims(), r.seconds(), r.perSecond(),
          r.perSecond() / single);
    }
    double best = results.stream().mapToDouble(Result::perSecond).max().orElse(single);
    System.out.printf(Locale.ROOT, "batched/single %.1f× (target at least %.0f×): %s%n", best / single, BATCH_RATIO_TARGET,
        best / single >= BATCH_RATIO_TARGET ? "met" : "NOT met");
  }
}
