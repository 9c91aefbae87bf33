package io.dualpush.redis;

import io.dualpush.spi.LeaseStore;
import io.dualpush.testkit.LeaseStoreContract;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LeaseStoreContract} against a real standalone redis-server, on real time. */
@DisplayName("RedisLeaseStore keeps the LeaseStore contract: standalone")
class RedisLeaseStoreContractIT extends LeaseStoreContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("lease"));
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
  protected LeaseStore createStore() {
    return RedisContracts.leaseStore(redis);
  }

  @Override
  protected void closeStore(LeaseStore store) {
    ((RedisLeaseStore) store).close();
  }

  @Override
  protected void advance(Duration d) {
    RedisContracts.sleep(d);
  }

  @Override
  protected Duration ttl() {
    return RedisContracts.LEASE_TTL;
  }

  @Override
  protected Duration expiryMargin() {
    return RedisContracts.MARGIN;
  }
}
