package io.dualpush.benchmarks;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CoordinatorListener;
import io.dualpush.redis.RedisLeaseStore;
import io.dualpush.spi.Lease;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * One region of {@link TakeoverBench}, in a child JVM: an {@link ActiveRegionCoordinator} over a
 * {@link RedisLeaseStore}, printing {@code ACTIVE token=T t=NANOS}, {@code STANDBY t=NANOS} and
 * {@code LOST t=NANOS} as its listener hears them ({@link System#nanoTime()}: {@code
 * CLOCK_MONOTONIC} on Linux, shared with the parent). On {@code close} from stdin it closes the
 * coordinator (releasing the lease), prints {@code CLOSED t=NANOS} and exits.
 *
 * <p>Arguments: {@code host:port leaseName owner ttlMillis renewMillis [retryMillis]} (the retry interval
 * of a standby: the coordinator's default, the renew interval but at most 250 ms, unless given).
 */
public final class TakeoverChild {
  private TakeoverChild() {}

  /**
   * Runs the coordinator until {@code close} arrives on stdin or the process is killed.
   *
   * @param args {@code host:port leaseName owner ttlMillis renewMillis [retryMillis]}
   * @throws Exception when Redis cannot be reached
   */
  public static void main(String[] args) throws Exception {
    String[] hostPort = args[0].split(":");
    RedisClient redis = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
    RedisLeaseStore store = RedisLeaseStore.builder().client(redis).build();
    ActiveRegionCoordinator.Builder builder = ActiveRegionCoordinator.builder();
    if (args.length > 5) {
      builder.retryInterval(Duration.ofMillis(Long.parseLong(args[5])));
    }
    ActiveRegionCoordinator coordinator = builder
        .leaseStore(store).leaseName(args[1]).owner(args[2])
        .ttl(Duration.ofMillis(Long.parseLong(args[3]))).renewInterval(Duration.ofMillis(Long.parseLong(args[4])))
        .listener(new CoordinatorListener() {
          @Override
          public void onActive(Lease lease) {
            emit("ACTIVE token=" + lease.fencingToken());
          }

          @Override
          public void onStandby(Optional<Lease> holder) {
            emit("STANDBY");
          }

          @Override
          public void onLeaseLost(Lease lost, Throwable cause) {
            emit("LOST");
          }
        })
        .build();
    coordinator.start();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null && !line.strip().equals("close")) {
        // only "close" is understood
      }
    }
    coordinator.close();
    emit("CLOSED");
    store.close();
    redis.shutdown();
    System.exit(0);
  }

  private static synchronized void emit(String event) {
    System.out.println(event + " t=" + System.nanoTime());
    System.out.flush();
  }
}
