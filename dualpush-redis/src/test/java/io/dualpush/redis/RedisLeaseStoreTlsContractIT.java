package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link io.dualpush.testkit.LeaseStoreContract} against a redis-server speaking TLS with an ACL user and password, on real time. */
@DisplayName("RedisLeaseStore keeps the LeaseStore contract: TLS with an ACL user and password")
class RedisLeaseStoreTlsContractIT extends RedisLeaseContract {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("lease-tls").tls(true).password(true));

  @Override
  protected RedisExtension server() {
    return server;
  }
}
