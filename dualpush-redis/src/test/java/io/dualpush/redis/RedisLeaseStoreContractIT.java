package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link io.dualpush.testkit.LeaseStoreContract} against a real standalone redis-server, on real time. */
@DisplayName("RedisLeaseStore keeps the LeaseStore contract: standalone")
class RedisLeaseStoreContractIT extends RedisLeaseContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("lease"));

  @Override
  protected RedisExtension server() {
    return server;
  }
}
