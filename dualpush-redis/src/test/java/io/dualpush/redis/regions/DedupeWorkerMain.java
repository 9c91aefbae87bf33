package io.dualpush.redis.regions;

import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.spi.DedupeClaim;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A dedupe worker in a child JVM, for {@link DedupeWorkersIT}: claims ids {@code <prefix>0} to
 * {@code <prefix>(count-1)} in one batch with the given claim TTL through {@link RedisDedupeStore},
 * prints {@code CLAIMING t=NANOS} before and {@code CLAIMED n=N t=NANOS} after, and then holds the
 * claims without ever processing them until it is killed: a worker that crashed mid-claim.
 *
 * <p>Arguments: {@code host:port keyPrefix idPrefix count claimTtlMillis}.
 */
public final class DedupeWorkerMain {
  private DedupeWorkerMain() {}

  /**
   * Claims, reports and then sleeps until killed.
   *
   * @param args {@code host:port keyPrefix idPrefix count claimTtlMillis}
   * @throws Exception when Redis cannot be reached; the parent sees the exit
   */
  public static void main(String[] args) throws Exception {
    String[] hostPort = args[0].split(":");
    RedisClient client = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
    RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(args[1]).build();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < Integer.parseInt(args[3]); i++) {
      ids.add(args[2] + i);
    }
    System.out.println("CLAIMING t=" + System.nanoTime());
    System.out.flush();
    Map<String, DedupeClaim> answers = store.claimAll(ids, Duration.ofMillis(Long.parseLong(args[4])));
    long claimed = answers.values().stream().filter(c -> c.status() == DedupeClaim.Status.CLAIMED).count();
    System.out.println("CLAIMED n=" + claimed + " t=" + System.nanoTime());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
