package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DedupeStateLostException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeClaim.Status;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RedisDedupeStore on a real three-master Redis Cluster: batches across slots and nodes, and a data loss. */
@DisplayName("RedisDedupeStore on a Redis Cluster")
class RedisDedupeStoreClusterIT {
  private static final Duration TTL = Duration.ofSeconds(30);
  @RegisterExtension static RedisExtension server =
      new RedisExtension(RedisServerProcess.builder("dedupe-cluster-it").cluster(true));
  static TestRedis redis;

  @BeforeAll
  static void connect() {
    redis = TestRedis.connect(server);
  }

  @AfterAll
  static void disconnect() {
    redis.close();
  }

  @Test
  @DisplayName("claimAll of ids spread over every master claims each once, and answers a second batch in progress or duplicate")
  void claimAllAcrossSlots() {
    try (RedisDedupeStore store = redis.dedupe().build();
        StatefulRedisClusterConnection<String, String> c = Objects.requireNonNull(redis.clusterClient()).connect()) {
      List<String> ids = IntStream.range(0, 500).mapToObj(i -> "cluster-" + i + "-" + UUID.randomUUID()).toList();

      Map<String, DedupeClaim> first = store.claimAll(ids, TTL);
      assertThat(first.keySet()).containsExactlyElementsOf(ids);
      assertThat(first.values()).allMatch(a -> a.status() == Status.CLAIMED);

      // The keys really are on every master, in many slots.
      Set<String> nodes = new HashSet<>();
      Set<Integer> slots = new HashSet<>();
      for (String id : ids) {
        String key = keyOf(c, id);
        int slot = SlotHash.getSlot(key);
        slots.add(slot);
        RedisClusterNode node = c.getPartitions().getPartitionBySlot(slot);
        nodes.add(node.getNodeId());
      }
      assertThat(nodes).hasSize(3);
      assertThat(slots).hasSizeGreaterThan(10);

      store.markDone(ids.get(0), "txn-0", TTL);
      Map<String, DedupeClaim> second = store.claimAll(ids, TTL);
      assertThat(second.get(ids.get(0))).isEqualTo(DedupeClaim.duplicate("txn-0"));
      assertThat(second.values().stream().skip(1)).allMatch(a -> a.status() == Status.IN_PROGRESS);
    }
  }

  /** Finds the key of {@code id} by its documented layout: one of the buckets' tags. */
  private static String keyOf(StatefulRedisClusterConnection<String, String> c, String id) {
    for (int b = 0; b < RedisDedupeStore.CLUSTER_BUCKETS; b++) {
      String key = "{dualpush:dedupe:" + b + "}:id:" + id;
      if (c.sync().exists(key) == 1) {
        return key;
      }
    }
    throw new AssertionError("no key for " + id);
  }

  @Test
  @DisplayName("a restart of the cluster without persistence is reported by claimAll, and acknowledged once")
  void stateLoss() throws Exception {
    try (RedisDedupeStore store = redis.dedupe().build()) {
      List<String> ids = IntStream.range(0, 50).mapToObj(i -> "lost-" + i + "-" + UUID.randomUUID()).toList();
      store.claimAll(ids, TTL);
      server.restart();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .ignoreExceptionsInstanceOf(io.dualpush.DestinationException.class)
          .untilAsserted(() -> assertThatThrownBy(() -> store.claimAll(ids, TTL))
              .isInstanceOf(DedupeStateLostException.class));
      store.acknowledgeStateLoss();
      assertThat(store.claimAll(ids, TTL).values()).allMatch(a -> a.status() == Status.CLAIMED);
    }
  }
}
