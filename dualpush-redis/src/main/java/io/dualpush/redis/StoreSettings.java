package io.dualpush.redis;

import io.dualpush.InvalidInputException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What the builders of both stores collect, checked in one place: where Redis is (the caller's
 * client or connection), the key prefix and the answer timeout. Not thread-safe, as the builders.
 */
final class StoreSettings {
  /** The key prefix unless one is set; the stores' {@code DEFAULT_PREFIX}. */
  static final String DEFAULT_PREFIX = "dualpush";

  private RedisAccess.@Nullable Source source;
  private String prefix = DEFAULT_PREFIX;
  private boolean prefixSet;
  private @Nullable Duration timeout;

  void client(RedisClient client) {
    source(new RedisAccess.ClientSource(InvalidInputException.requireNonNull(client, "client")));
  }

  void client(RedisClusterClient client) {
    source(new RedisAccess.ClusterClientSource(InvalidInputException.requireNonNull(client, "client")));
  }

  void connection(StatefulRedisConnection<String, String> connection) {
    source(new RedisAccess.ConnectionSource(InvalidInputException.requireNonNull(connection, "connection")));
  }

  void connection(StatefulRedisClusterConnection<String, String> connection) {
    source(new RedisAccess.ClusterConnectionSource(InvalidInputException.requireNonNull(connection, "connection")));
  }

  private void source(RedisAccess.Source s) {
    if (source != null) {
      throw new InvalidInputException("client", "a Redis client or connection was already set");
    }
    source = s;
  }

  void keyPrefix(@Nullable String keyPrefix) {
    if (prefixSet) {
      throw new InvalidInputException("keyPrefix", "keyPrefix was already set to '" + prefix + "'");
    }
    String p = RedisAccess.requireText(keyPrefix, "keyPrefix");
    if (!p.matches("[A-Za-z0-9._:-]{1,100}")) {
      throw new InvalidInputException("keyPrefix",
          "'keyPrefix' must be 1-100 letters, digits, '.', '_', ':' or '-'; got '" + p + "'");
    }
    prefix = p;
    prefixSet = true;
  }

  void timeout(@Nullable Duration t) {
    InvalidInputException.requireNonNull(t, "timeout");
    if (t.isNegative() || t.isZero()) {
      throw new InvalidInputException("timeout", "'timeout' must be positive; got " + t);
    }
    timeout = t;
  }

  /** Refuses a build without a client or connection, before anything is opened. */
  void requireSource() {
    if (source == null) {
      throw new InvalidInputException("client", "a Redis client or connection is required: call client(...) or connection(...)");
    }
  }

  String prefix() {
    return prefix;
  }

  /** Opens the store's access to Redis; {@code kind} names the store in errors and logs. */
  RedisAccess open(String kind) {
    requireSource();
    return RedisAccess.open(kind + ":" + prefix, java.util.Objects.requireNonNull(source), timeout);
  }
}
