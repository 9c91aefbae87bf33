package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link io.dualpush.testkit.LeaseStoreContract} against a real Redis Cluster of three masters, on real time. */
@DisplayName("RedisLeaseStore keeps the LeaseStore contract: Redis Cluster of three masters")
class RedisLeaseStoreClusterContractIT extends RedisLeaseContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("lease-cluster").cluster(true));

  @Override
  protected RedisExtension server() {
    return server;
  }
}
