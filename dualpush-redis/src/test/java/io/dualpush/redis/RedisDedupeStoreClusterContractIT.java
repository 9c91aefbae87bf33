package io.dualpush.redis;

import io.dualpush.spi.DedupeStore;
import io.dualpush.testkit.DedupeStoreContract;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DedupeStoreContract} against a real Redis Cluster of three masters, on real time. */
@DisplayName("RedisDedupeStore keeps the DedupeStore contract: Redis Cluster of three masters")
class RedisDedupeStoreClusterContractIT extends DedupeStoreContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("dedupe-cluster").cluster(true));
  static TestRedis redis;

  @BeforeAll
  static void connect() {
    redis = TestRedis.connect(server);
  }

  @AfterAll
  static void disconnect() {
    redis.close();
  }

  @Override
  protected DedupeStore createStore() {
    return RedisContracts.dedupeStore(redis);
  }

  @Override
  protected void closeStore(DedupeStore store) {
    ((RedisDedupeStore) store).close();
  }

  @Override
  protected void advance(Duration d) {
    RedisContracts.sleep(d);
  }

  @Override
  protected Duration claimTtl() {
    return RedisContracts.CLAIM_TTL;
  }

  @Override
  protected Duration doneTtl() {
    return RedisContracts.DONE_TTL;
  }

  @Override
  protected Duration expiryMargin() {
    return RedisContracts.MARGIN;
  }
}
