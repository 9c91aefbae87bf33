package io.dualpush.benchmarks;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * Parallelism: a push to two destinations that each take {@code latency} per write should take
 * about as long as a push to one, because the engine writes the copies in parallel. Measured in one
 * run, one push at a time, alternating the two configurations (and which goes first) so that drift
 * in the machine's load falls on both alike.
 */
final class Parallelism {
  record Config(int warmup, int iterations, Duration latency, int size) {}

  record Result(int iterations, Duration latency, long oneP50, long oneP99, long twoP50, long twoP99, long failures) {
    double ratio() {
      return (double) twoP50 / oneP50;
    }
  }

  private final Config config;

  Parallelism(Config config) {
    this.config = config;
  }

  Result run() {
    byte[] template = new byte[config.size()];
    new Random(11).nextBytes(template);
    InMemoryTransactionLog oneLog = new InMemoryTransactionLog();
    InMemoryTransactionLog twoLog = new InMemoryTransactionLog();
    try (DualPushClient one = new DualPushClientBuilder()
            .destination(DestinationOptions.of("primary"), slow("one-primary"))
            .transactionLog(oneLog)
            .buildClient();
        DualPushClient two = new DualPushClientBuilder()
            .destination(DestinationOptions.of("primary"), slow("two-primary"))
            .destination(DestinationOptions.of("secondary"), slow("two-secondary"))
            .transactionLog(twoLog)
            .buildClient()) {
      long[] oneNanos = new long[config.iterations()];
      long[] twoNanos = new long[config.iterations()];
      long failures = 0;
      int n = 0;
      for (int i = -config.warmup(); i < config.iterations(); i++) {
        boolean oneFirst = (i & 1) == 0;
        for (int k = 0; k < 2; k++) {
          boolean isOne = (k == 0) == oneFirst;
          DualPushClient client = isOne ? one : two;
          byte[] bytes = template.clone();
          bytes[0] = (byte) n;
          bytes[1] = (byte) (n >>> 8);
          bytes[2] = (byte) (n >>> 16);
          PushRequest request = PushRequest.of("bench/par-" + n++ + ".bin", PushContent.ofBytes(bytes));
          long t0 = System.nanoTime();
          try {
            client.push(request);
          } catch (RuntimeException e) {
            failures++;
          }
          long elapsed = System.nanoTime() - t0;
          if (i >= 0) {
            (isOne ? oneNanos : twoNanos)[i] = elapsed;
          }
        }
      }
      Arrays.sort(oneNanos);
      Arrays.sort(twoNanos);
      return new Result(config.iterations(), config.latency(), percentile(oneNanos, 0.50), percentile(oneNanos, 0.99),
          percentile(twoNanos, 0.50), percentile(twoNanos, 0.99), failures);
    }
  }

  private FaultInjectingDestination slow(String name) {
    return FaultInjectingDestination.wrap(new InMemoryDestination(name)).latency(config.latency());
  }

  /** Nearest-rank percentile of sorted samples. */
  private static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
