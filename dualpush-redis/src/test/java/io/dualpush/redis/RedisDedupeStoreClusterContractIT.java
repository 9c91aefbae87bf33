package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link io.dualpush.testkit.DedupeStoreContract} against a real Redis Cluster of three masters, on real time. */
@DisplayName("RedisDedupeStore keeps the DedupeStore contract: Redis Cluster of three masters")
class RedisDedupeStoreClusterContractIT extends RedisDedupeContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("dedupe-cluster").cluster(true));

  @Override
  protected RedisExtension server() {
    return server;
  }
}
