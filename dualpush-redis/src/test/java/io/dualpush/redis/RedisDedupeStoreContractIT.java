package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link io.dualpush.testkit.DedupeStoreContract} against a real standalone redis-server, on real time. */
@DisplayName("RedisDedupeStore keeps the DedupeStore contract: standalone")
class RedisDedupeStoreContractIT extends RedisDedupeContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("dedupe"));

  @Override
  protected RedisExtension server() {
    return server;
  }
}
