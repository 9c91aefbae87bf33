package io.dualpush.redis;

import io.dualpush.InvalidInputException;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A {@link LeaseStore} in Redis, shared by every region that reaches the server: acquire, renew,
 * release and current are one Lua script each, atomic on the server, and check owner and token.
 *
 * <pre>{@code
 * RedisLeaseStore leases = RedisLeaseStore.builder().client(redisClient).build();
 * Optional<Lease> lease = leases.acquire("active_dc", "westeurope", Duration.ofSeconds(5));
 * }</pre>
 *
 * <p><b>Keys.</b> A lease {@code N} under the key prefix {@code P} (default {@value #DEFAULT_PREFIX})
 * has two keys sharing the hash tag {@code {P:lease:N}}, so both are in one slot of a Redis
 * Cluster: {@code {P:lease:N}:holder} holds {@code token|ttlMillis|owner} and expires by {@code PX}
 * with the lease (set in the same command, never SETNX-then-EXPIRE), and {@code {P:lease:N}:token}
 * holds the last fencing token given, without expiry.
 *
 * <p><b>Fencing tokens.</b> An acquisition's token is {@code max(INCR(token key), server time in
 * microseconds)}, stored back into the token key by the same script. Tokens of one name therefore
 * strictly increase across release and expiry, and also after the server lost its data (a restart
 * without persistence, a flush, an eviction), as long as the server's clock moves forward between
 * the last acquisition before the loss and the first after it: a token counter that restarted from
 * nothing still begins above every earlier token. A destination that refuses stale tokens thus
 * keeps refusing a former holder even then.
 *
 * <p><b>Time.</b> {@link Lease#expiresAt()} is the server's {@code TIME} plus the TTL; the holder
 * still measures its lease on its own monotonic clock (see {@link LeaseStore}).
 *
 * <p>Errors: a server that does not answer within the timeout (the connection's, or {@link
 * Builder#timeout(Duration)}) or fails gives a transient {@link io.dualpush.DestinationException}
 * with the cause kept; no call waits longer. Neither errors nor {@link #toString()} show a
 * credential: the store never sees one, it uses the caller's client or connection as configured.
 * Thread-safe.
 */
public final class RedisLeaseStore implements LeaseStore, AutoCloseable {
  /** The key prefix unless {@link Builder#keyPrefix(String)} sets another. */
  public static final String DEFAULT_PREFIX = StoreSettings.DEFAULT_PREFIX;

  // KEYS: holder, token counter. ARGV: owner, ttl ms. Answers {1, token, now µs} or {0}.
  private static final String ACQUIRE = """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      if redis.call('EXISTS', KEYS[1]) == 1 then
        return {0}
      end
      local token = redis.call('INCR', KEYS[2])
      if now > token then
        token = now
      end
      local tokenText = string.format('%.0f', token)
      redis.call('SET', KEYS[2], tokenText)
      redis.call('SET', KEYS[1], tokenText .. '|' .. ARGV[2] .. '|' .. ARGV[1], 'PX', ARGV[2])
      return {1, tokenText, string.format('%.0f', now)}
      """;

  // KEYS: holder. ARGV: owner, token, ttl ms. Answers {1, now µs} or {0}.
  private static final String RENEW = """
      local v = redis.call('GET', KEYS[1])
      if not v then
        return {0}
      end
      local token, ttl, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
      if token ~= ARGV[2] or owner ~= ARGV[1] then
        return {0}
      end
      redis.call('SET', KEYS[1], token .. '|' .. ARGV[3] .. '|' .. owner, 'PX', ARGV[3], 'XX')
      local t = redis.call('TIME')
      return {1, string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))}
      """;

  // KEYS: holder. ARGV: owner, token. Answers 1 when it was held and is now deleted, else 0.
  private static final String RELEASE = """
      local v = redis.call('GET', KEYS[1])
      if not v then
        return 0
      end
      local token, ttl, owner = string.match(v, '^(%d+)|(%d+)|(.*)$')
      if token ~= ARGV[2] or owner ~= ARGV[1] then
        return 0
      end
      redis.call('DEL', KEYS[1])
      return 1
      """;

  // KEYS: holder. Answers {value, pttl ms, now µs} or {}.
  private static final String CURRENT = """
      local v = redis.call('GET', KEYS[1])
      if not v then
        return {}
      end
      local pttl = redis.call('PTTL', KEYS[1])
      if pttl < 0 then
        return {}
      end
      local t = redis.call('TIME')
      return {v, tostring(pttl), string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))}
      """;

  private final RedisAccess redis;
  private final String prefix;
  private final RedisAccess.Script acquire;
  private final RedisAccess.Script renew;
  private final RedisAccess.Script release;
  private final RedisAccess.Script current;

  private RedisLeaseStore(Builder b) {
    this.prefix = b.settings.prefix();
    this.redis = b.settings.open("redis-lease");
    this.acquire = redis.script("lease acquire", ACQUIRE);
    this.renew = redis.script("lease renew", RENEW);
    this.release = redis.script("lease release", RELEASE);
    this.current = redis.script("lease current", CURRENT);
  }

  /**
   * A builder; {@link Builder#client(RedisClient)} or another source of a connection is required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Configures a {@link RedisLeaseStore}. Exactly one of {@code client(...)} and {@code
   * connection(...)} is required; TLS, AUTH/ACL and timeouts are the client's, set on its {@code
   * RedisURI}. Not thread-safe.
   */
  public static final class Builder {
    private final StoreSettings settings = new StoreSettings();

    private Builder() {}

    /**
     * A standalone (or Sentinel) server through the caller's client; the store opens one
     * connection, and closes it on {@link RedisLeaseStore#close()}.
     *
     * @param client the caller's client, credentials and TLS on its {@code RedisURI}
     * @return this builder
     */
    public Builder client(RedisClient client) {
      settings.client(client);
      return this;
    }

    /**
     * A Redis Cluster through the caller's cluster client; the store opens one connection, and
     * closes it on {@link RedisLeaseStore#close()}.
     *
     * @param client the caller's cluster client
     * @return this builder
     */
    public Builder client(RedisClusterClient client) {
      settings.client(client);
      return this;
    }

    /**
     * The caller's own connection (String keys and values, as {@code RedisClient.connect()} gives);
     * the store does not close it.
     *
     * @param connection the caller's connection
     * @return this builder
     */
    public Builder connection(StatefulRedisConnection<String, String> connection) {
      settings.connection(connection);
      return this;
    }

    /**
     * The caller's own cluster connection; the store does not close it.
     *
     * @param connection the caller's cluster connection
     * @return this builder
     */
    public Builder connection(StatefulRedisClusterConnection<String, String> connection) {
      settings.connection(connection);
      return this;
    }

    /**
     * The prefix of every key, {@value #DEFAULT_PREFIX} unless set: stores with different prefixes
     * share a server without seeing each other's leases.
     *
     * @param keyPrefix letters, digits and {@code . _ : -}, without braces
     * @return this builder
     */
    public Builder keyPrefix(String keyPrefix) {
      settings.keyPrefix(keyPrefix);
      return this;
    }

    /**
     * The longest wait for one answer; the connection's own timeout (its {@code RedisURI}'s) unless set.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      settings.timeout(timeout);
      return this;
    }

    /**
     * The store; with a client, opens its connection now.
     *
     * @return the store
     * @throws InvalidInputException when no client or connection was set
     * @throws io.dualpush.DestinationException when the connection cannot be opened
     */
    public RedisLeaseStore build() {
      settings.requireSource();
      return new RedisLeaseStore(this);
    }
  }

  private String[] keys(String name) {
    String tag = "{" + prefix + ":lease:" + name + "}";
    return new String[] {tag + ":holder", tag + ":token"};
  }

  @Override
  public Optional<Lease> acquire(String name, String owner, Duration ttl) {
    RedisAccess.requireText(name, "name");
    RedisAccess.requireText(owner, "owner");
    long ttlMillis = RedisAccess.requireTtlMillis(ttl, "ttl");
    List<Object> answer = redis.call(acquire, ScriptOutputType.MULTI, keys(name), owner, Long.toString(ttlMillis));
    if (number(answer.get(0)) == 0) {
      return Optional.empty();
    }
    long token = number(answer.get(1));
    Instant now = micros(number(answer.get(2)));
    return Optional.of(new Lease(name, owner, token, now.plusMillis(ttlMillis), Duration.ofMillis(ttlMillis)));
  }

  @Override
  public Optional<Lease> renew(Lease lease, Duration ttl) {
    InvalidInputException.requireNonNull(lease, "lease");
    long ttlMillis = RedisAccess.requireTtlMillis(ttl, "ttl");
    String[] keys = keys(lease.name());
    List<Object> answer = redis.call(renew, ScriptOutputType.MULTI, new String[] {keys[0]}, lease.owner(),
        Long.toString(lease.fencingToken()), Long.toString(ttlMillis));
    if (number(answer.get(0)) == 0) {
      return Optional.empty();
    }
    Instant now = micros(number(answer.get(1)));
    return Optional.of(new Lease(lease.name(), lease.owner(), lease.fencingToken(), now.plusMillis(ttlMillis),
        Duration.ofMillis(ttlMillis)));
  }

  @Override
  public boolean release(Lease lease) {
    InvalidInputException.requireNonNull(lease, "lease");
    String[] keys = keys(lease.name());
    Long released = redis.call(release, ScriptOutputType.INTEGER, new String[] {keys[0]}, lease.owner(),
        Long.toString(lease.fencingToken()));
    return released != null && released == 1L;
  }

  @Override
  public Optional<Lease> current(String name) {
    RedisAccess.requireText(name, "name");
    List<Object> answer = redis.call(current, ScriptOutputType.MULTI, new String[] {keys(name)[0]});
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    String value = (String) answer.get(0);
    long pttl = number(answer.get(1));
    Instant now = micros(number(answer.get(2)));
    int first = value.indexOf('|');
    int second = value.indexOf('|', first + 1);
    long token = Long.parseLong(value.substring(0, first));
    long ttlMillis = Long.parseLong(value.substring(first + 1, second));
    String owner = value.substring(second + 1);
    return Optional.of(new Lease(name, owner, token, now.plusMillis(pttl), Duration.ofMillis(ttlMillis)));
  }

  /** Closes the connection the store opened from a client; a connection given to the builder stays open. */
  @Override
  public void close() {
    redis.close();
  }

  /**
   * What this store is, without any credential: its key prefix and whether it talks to a cluster.
   *
   * @return a description for logs and health
   */
  public String describe() {
    return "RedisLeaseStore{prefix '" + prefix + "', " + (redis.isCluster() ? "cluster" : "standalone") + "}";
  }

  @Override
  public String toString() {
    return describe();
  }

  static long number(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    return Long.parseLong(o.toString());
  }

  /** The server's time, to the millisecond: Redis keeps expiry times in milliseconds. */
  static Instant micros(long micros) {
    return Instant.ofEpochMilli(micros / 1000);
  }
}
