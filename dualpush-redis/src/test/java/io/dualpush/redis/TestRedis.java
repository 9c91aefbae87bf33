package io.dualpush.redis;

import io.dualpush.testkit.RedisExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Lettuce clients for a test server, built as a user would from a {@link RedisURI}: TLS trusting
 * the server's generated CA, and the ACL user's credentials when the server requires them.
 */
final class TestRedis implements AutoCloseable {
  /** Short enough that a stopped or paused server fails a call quickly, long enough for a busy machine. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final RedisExtension server;
  private final ClientResources resources;
  private final @Nullable RedisClient client;
  private final @Nullable RedisClusterClient clusterClient;

  private TestRedis(RedisExtension server) {
    this.server = server;
    this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    SslOptions ssl = server.caCertificate().map(ca -> SslOptions.builder().jdkSslProvider().trustManager(ca.toFile()).build())
        .orElse(null);
    if (server.process().isCluster()) {
      List<RedisURI> seeds = server.ports().stream().map(this::uri).toList();
      RedisClusterClient c = RedisClusterClient.create(resources, seeds);
      ClusterClientOptions.Builder options = ClusterClientOptions.builder();
      if (ssl != null) {
        options.sslOptions(ssl);
      }
      c.setOptions(options.build());
      this.clusterClient = c;
      this.client = null;
    } else {
      RedisClient c = RedisClient.create(resources, uri(server.port()));
      ClientOptions.Builder options = ClientOptions.builder();
      if (ssl != null) {
        options.sslOptions(ssl);
      }
      c.setOptions(options.build());
      this.client = c;
      this.clusterClient = null;
    }
  }

  static TestRedis connect(RedisExtension server) {
    return new TestRedis(server);
  }

  /** The URI of the node on {@code port}, with the ACL user's credentials when the server requires them. */
  RedisURI uri(int port) {
    RedisURI.Builder b = RedisURI.builder().withHost(server.host()).withPort(port).withTimeout(TIMEOUT)
        .withSsl(server.process().isTls());
    server.username().ifPresent(user -> b.withAuthentication(user, server.userPassword().orElseThrow()));
    return b.build();
  }

  RedisLeaseStore.Builder leases() {
    RedisLeaseStore.Builder b = RedisLeaseStore.builder();
    return client != null ? b.client(client) : b.client(java.util.Objects.requireNonNull(clusterClient));
  }

  RedisDedupeStore.Builder dedupe() {
    RedisDedupeStore.Builder b = RedisDedupeStore.builder();
    return client != null ? b.client(client) : b.client(java.util.Objects.requireNonNull(clusterClient));
  }

  @Nullable RedisClient client() {
    return client;
  }

  @Nullable RedisClusterClient clusterClient() {
    return clusterClient;
  }

  @Override
  public void close() {
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (clusterClient != null) {
      clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
