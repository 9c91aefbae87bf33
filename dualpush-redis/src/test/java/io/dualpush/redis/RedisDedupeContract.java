package io.dualpush.redis;

import io.dualpush.spi.DedupeStore;
import io.dualpush.testkit.DedupeStoreContract;
import io.dualpush.testkit.RedisExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link DedupeStoreContract} against a real redis-server, on real time; a subclass names the server (standalone,
 * cluster, TLS) by its {@link RedisExtension}. One instance per class, so that the connection is opened once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RedisDedupeContract extends DedupeStoreContract {
  private TestRedis redis;

  /**
   * The server this class runs the contract against, registered by the subclass.
   *
   * @return the extension that started it
   */
  protected abstract RedisExtension server();

  @BeforeAll
  void connect() {
    redis = TestRedis.connect(server());
  }

  @AfterAll
  void disconnect() {
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
