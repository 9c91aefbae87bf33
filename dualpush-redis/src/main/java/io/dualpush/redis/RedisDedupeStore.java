package io.dualpush.redis;

import io.dualpush.DedupeStateLostException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DedupeStore} in Redis, shared by every worker and region that reaches the server: a
 * claim is one atomic script ({@code SET NX PX}), and {@link #claimAll} claims a whole batch in one
 * round trip per group of keys (one script on a standalone server; on a Redis Cluster one script
 * per bucket, all sent at once).
 *
 * <pre>{@code
 * RedisDedupeStore dedupe = RedisDedupeStore.builder().client(redisClient).build();
 * DualPushClient client = new DualPushClientBuilder()...dedupeStore(dedupe).buildClient();
 * }</pre>
 *
 * <p><b>Keys.</b> Under the key prefix {@code P} (default {@value #DEFAULT_PREFIX}) a message id
 * {@code M} lives in the key {@code {P:dedupe:B}:id:M}, where the bucket {@code B} is 0 on a
 * standalone server and {@code crc32(M) mod }{@value #CLUSTER_BUCKETS} on a cluster, so that the
 * ids of one bucket share a hash slot with their bucket's marker {@code {P:dedupe:B}:epoch}. The
 * value is {@code c} while claimed (expiring after the claim TTL) and {@code d|outcome} once done
 * (expiring after the done TTL).
 *
 * <p><b>Data loss.</b> A Redis that restarted without persistence, was flushed, or evicted keys has
 * forgotten which ids were processed; treating every id as new would push them again. Every claim
 * script first checks its bucket's marker key; when the marker is gone the claim is refused with a
 * {@link DedupeStateLostException}, as is every later claim in that bucket, until the application
 * has dealt with the loss and called {@link #acknowledgeStateLoss()}, which writes the markers again.
 * The builder writes the markers when none exist at all (a new deployment), so a loss that happens
 * while no store is running, with no marker left behind, is not detected unless {@link
 * Builder#requireExistingState(boolean)} is set. Run Redis with persistence ({@code appendonly yes})
 * and {@code maxmemory-policy noeviction} to make losses rare.
 *
 * <p>Errors: a server that does not answer within the timeout (the connection's, or {@link
 * Builder#timeout(Duration)}) or fails gives a transient {@link io.dualpush.DestinationException}
 * with the cause kept. Neither errors nor {@link #toString()} show a credential. Thread-safe.
 */
public final class RedisDedupeStore implements DedupeStore, AutoCloseable {
  /** The key prefix unless {@link Builder#keyPrefix(String)} sets another. */
  public static final String DEFAULT_PREFIX = "dualpush";
  /** Buckets of ids on a Redis Cluster, each with its marker, spread over the cluster's slots. */
  public static final int CLUSTER_BUCKETS = 64;

  // KEYS: marker, then one key per id. ARGV: claim ttl ms. Answers {'L'} when the marker is gone, else per id
  // 'C' (claimed now), 'P' (in progress elsewhere) or the done value 'd|outcome'.
  private static final String CLAIM = """
      if redis.call('EXISTS', KEYS[1]) == 0 then
        return {'L'}
      end
      local out = {}
      for i = 2, #KEYS do
        if redis.call('SET', KEYS[i], 'c', 'NX', 'PX', ARGV[1]) then
          out[i - 1] = 'C'
        else
          local v = redis.call('GET', KEYS[i])
          if v and string.sub(v, 1, 2) == 'd|' then
            out[i - 1] = v
          else
            out[i - 1] = 'P'
          end
        end
      end
      return out
      """;

  // KEYS: id key. ARGV: outcome, ttl ms.
  private static final String DONE = """
      redis.call('SET', KEYS[1], 'd|' .. ARGV[1], 'PX', ARGV[2])
      return 1
      """;

  // KEYS: id key. Deletes an unfinished claim only: a done id stays remembered.
  private static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == 'c' then
        redis.call('DEL', KEYS[1])
        return 1
      end
      return 0
      """;

  // KEYS: markers of one slot. ARGV: 'count', or 'set' and the value. Answers how many markers existed before.
  private static final String MARKERS = """
      local existing = 0
      for i = 1, #KEYS do
        existing = existing + redis.call('EXISTS', KEYS[i])
      end
      if ARGV[1] == 'set' then
        for i = 1, #KEYS do
          redis.call('SET', KEYS[i], ARGV[2])
        end
      end
      return existing
      """;

  private final RedisAccess redis;
  private final String prefix;
  private final int buckets;
  private final RedisAccess.Script claim;
  private final RedisAccess.Script done;
  private final RedisAccess.Script release;
  private final RedisAccess.Script markers;

  private RedisDedupeStore(Builder b) {
    this.prefix = b.prefix;
    this.redis = RedisAccess.open("redis-dedupe:" + prefix, Objects.requireNonNull(b.source), b.timeout);
    try {
      this.buckets = redis.isCluster() ? CLUSTER_BUCKETS : 1;
      this.claim = redis.script("dedupe claim", CLAIM);
      this.done = redis.script("dedupe markDone", DONE);
      this.release = redis.script("dedupe release", RELEASE);
      this.markers = redis.script("dedupe markers", MARKERS);
      // Counted over every bucket first: a cluster node that lost its data must not look like a new deployment.
      if (markers("count") == 0) {
        if (b.requireExistingState) {
          throw lost("no marker key exists", "requireExistingState is set; claims are refused");
        }
        markers("set");
      }
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
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
   * Configures a {@link RedisDedupeStore}. Exactly one of {@code client(...)} and {@code
   * connection(...)} is required; TLS, AUTH/ACL and timeouts are the client's, set on its {@code
   * RedisURI}. Not thread-safe.
   */
  public static final class Builder {
    private RedisAccess.@Nullable Source source;
    private String prefix = DEFAULT_PREFIX;
    private boolean prefixSet;
    private @Nullable Duration timeout;
    private boolean requireExistingState;

    private Builder() {}

    /**
     * A standalone (or Sentinel) server through the caller's client; the store opens one
     * connection, and closes it on {@link RedisDedupeStore#close()}.
     *
     * @param client the caller's client, credentials and TLS on its {@code RedisURI}
     * @return this builder
     */
    public Builder client(RedisClient client) {
      return source(new RedisAccess.ClientSource(InvalidInputException.requireNonNull(client, "client")));
    }

    /**
     * A Redis Cluster through the caller's cluster client; the store opens one connection, and
     * closes it on {@link RedisDedupeStore#close()}.
     *
     * @param client the caller's cluster client
     * @return this builder
     */
    public Builder client(RedisClusterClient client) {
      return source(new RedisAccess.ClusterClientSource(InvalidInputException.requireNonNull(client, "client")));
    }

    /**
     * The caller's own connection (String keys and values, as {@code RedisClient.connect()} gives);
     * the store does not close it.
     *
     * @param connection the caller's connection
     * @return this builder
     */
    public Builder connection(StatefulRedisConnection<String, String> connection) {
      return source(new RedisAccess.ConnectionSource(InvalidInputException.requireNonNull(connection, "connection")));
    }

    /**
     * The caller's own cluster connection; the store does not close it.
     *
     * @param connection the caller's cluster connection
     * @return this builder
     */
    public Builder connection(StatefulRedisClusterConnection<String, String> connection) {
      return source(new RedisAccess.ClusterConnectionSource(InvalidInputException.requireNonNull(connection, "connection")));
    }

    private Builder source(RedisAccess.Source s) {
      if (source != null) {
        throw new InvalidInputException("client", "a Redis client or connection was already set");
      }
      source = s;
      return this;
    }

    /**
     * The prefix of every key, {@value #DEFAULT_PREFIX} unless set: stores with different prefixes
     * share a server without seeing each other's ids.
     *
     * @param keyPrefix letters, digits and {@code . _ : -}, without braces
     * @return this builder
     */
    public Builder keyPrefix(String keyPrefix) {
      if (prefixSet) {
        throw new InvalidInputException("keyPrefix", "keyPrefix was already set to '" + prefix + "'");
      }
      prefix = RedisLeaseStore.requirePrefix(keyPrefix);
      prefixSet = true;
      return this;
    }

    /**
     * The longest wait for one answer; the connection's own timeout (its {@code RedisURI}'s) unless set.
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder timeout(Duration timeout) {
      InvalidInputException.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new InvalidInputException("timeout", "'timeout' must be positive; got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * When true, {@link #build()} does not write the marker keys when none exist, and every claim
     * fails with {@link DedupeStateLostException} until {@link RedisDedupeStore#acknowledgeStateLoss()}:
     * for deployments where an empty server always means lost state. False unless set.
     *
     * @param require true to treat a server without markers as one that lost its state
     * @return this builder
     */
    public Builder requireExistingState(boolean require) {
      this.requireExistingState = require;
      return this;
    }

    /**
     * The store; with a client, opens its connection now, and writes the marker keys when none exist.
     *
     * @return the store
     * @throws InvalidInputException when no client or connection was set
     * @throws io.dualpush.DestinationException when the server cannot be reached
     * @throws DedupeStateLostException when {@link #requireExistingState(boolean)} is set and no marker exists
     */
    public RedisDedupeStore build() {
      if (source == null) {
        throw new InvalidInputException("client", "a Redis client or connection is required: call client(...) or connection(...)");
      }
      return new RedisDedupeStore(this);
    }
  }

  // ------------------------------------------------------------------ keys

  private int bucket(String messageId) {
    if (buckets == 1) {
      return 0;
    }
    CRC32 crc = new CRC32();
    crc.update(messageId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return (int) (crc.getValue() % buckets);
  }

  private String tag(int bucket) {
    return "{" + prefix + ":dedupe:" + bucket + "}";
  }

  private String idKey(String messageId) {
    return tag(bucket(messageId)) + ":id:" + messageId;
  }

  private String marker(int bucket) {
    return tag(bucket) + ":epoch";
  }

  // ------------------------------------------------------------------ the SPI

  @Override
  public DedupeClaim claim(String messageId, Duration claimTtl) {
    RedisAccess.requireText(messageId, "messageId");
    long ttl = RedisAccess.requireTtlMillis(claimTtl, "claimTtl");
    int b = bucket(messageId);
    List<Object> answer = redis.call(claim, ScriptOutputType.MULTI, new String[] {marker(b), idKey(messageId)},
        Long.toString(ttl));
    return answers(b, List.of(messageId), answer).get(messageId);
  }

  /**
   * Claims every id as {@link #claim} does, in one round trip per bucket: one script for the whole
   * batch on a standalone server; on a cluster one script per bucket, all sent before any answer is
   * awaited (Lettuce pipelines them). An id given twice is claimed once.
   *
   * @param messageIds the ids to claim; none null or blank
   * @param claimTtl how long an unfinished claim blocks others
   * @return each distinct id's answer, in the order of first occurrence
   * @throws DedupeStateLostException when a bucket's marker is gone (no claim of that bucket was made)
   */
  @Override
  public Map<String, DedupeClaim> claimAll(Collection<String> messageIds, Duration claimTtl) {
    InvalidInputException.requireNonNull(messageIds, "messageIds");
    long ttl = RedisAccess.requireTtlMillis(claimTtl, "claimTtl");
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String id : messageIds) {
      distinct.add(RedisAccess.requireText(id, "messageIds"));
    }
    Map<Integer, List<String>> byBucket = new LinkedHashMap<>();
    for (String id : distinct) {
      byBucket.computeIfAbsent(bucket(id), k -> new ArrayList<>()).add(id);
    }
    Map<Integer, CompletableFuture<List<Object>>> sent = new LinkedHashMap<>();
    for (Map.Entry<Integer, List<String>> e : byBucket.entrySet()) {
      List<String> ids = e.getValue();
      String[] keys = new String[ids.size() + 1];
      keys[0] = marker(e.getKey());
      for (int i = 0; i < ids.size(); i++) {
        keys[i + 1] = idKey(ids.get(i));
      }
      sent.put(e.getKey(), redis.eval(claim, ScriptOutputType.MULTI, keys, Long.toString(ttl)));
    }
    Map<String, DedupeClaim> byId = new LinkedHashMap<>();
    RuntimeException first = null;
    for (Map.Entry<Integer, CompletableFuture<List<Object>>> e : sent.entrySet()) {
      try {
        byId.putAll(answers(e.getKey(), byBucket.get(e.getKey()), redis.await(e.getValue(), "dedupe claimAll")));
      } catch (RuntimeException ex) {
        // Wait for every bucket (its claims may have been made) before reporting the first failure.
        if (first == null) {
          first = ex;
        }
      }
    }
    if (first != null) {
      throw first;
    }
    Map<String, DedupeClaim> ordered = new LinkedHashMap<>();
    for (String id : distinct) {
      ordered.put(id, byId.get(id));
    }
    return ordered;
  }

  private Map<String, DedupeClaim> answers(int bucket, List<String> ids, List<Object> answer) {
    if (answer.size() == 1 && "L".equals(answer.get(0))) {
      throw lost("the marker key " + marker(bucket) + " is missing", "claims are refused");
    }
    Map<String, DedupeClaim> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      String v = String.valueOf(answer.get(i));
      DedupeClaim c;
      if ("C".equals(v)) {
        c = DedupeClaim.claimed();
      } else if ("P".equals(v)) {
        c = DedupeClaim.inProgress();
      } else {
        c = DedupeClaim.duplicate(v.substring(2));
      }
      out.put(ids.get(i), c);
    }
    return out;
  }

  private DedupeStateLostException lost(String what, String consequence) {
    return new DedupeStateLostException("Redis dedupe store '" + prefix + "' has lost the message ids it remembered ("
        + what + ": the server restarted without persistence, was flushed, or evicted keys), so it cannot tell new "
        + "messages from ones already pushed; " + consequence + " until the application has reconciled (replayed or "
        + "checked the destinations) and called acknowledgeStateLoss(). Run Redis with appendonly yes and "
        + "maxmemory-policy noeviction.", describe());
  }

  @Override
  public void markDone(String messageId, String outcome, Duration ttl) {
    RedisAccess.requireText(messageId, "messageId");
    InvalidInputException.requireNonNull(outcome, "outcome");
    long ttlMillis = RedisAccess.requireTtlMillis(ttl, "ttl");
    redis.call(done, ScriptOutputType.INTEGER, new String[] {idKey(messageId)}, outcome, Long.toString(ttlMillis));
  }

  @Override
  public void release(String messageId) {
    RedisAccess.requireText(messageId, "messageId");
    redis.call(release, ScriptOutputType.INTEGER, new String[] {idKey(messageId)});
  }

  /**
   * Accepts that the server lost the ids it remembered and writes the marker keys again, so that
   * claims succeed again; call it once the application has dealt with the loss (replayed from a known
   * point, checked the destinations, or accepted that some messages may be pushed twice). Ids
   * claimed or done since the loss stay as they are. Any store instance sharing the prefix may call it,
   * for all of them.
   */
  public void acknowledgeStateLoss() {
    markers("set");
  }

  /** Counts the markers, or sets them all ({@code mode} "set"); returns how many existed. One script per slot. */
  private int markers(String mode) {
    Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
    for (int b = 0; b < buckets; b++) {
      String key = marker(b);
      bySlot.computeIfAbsent(io.lettuce.core.cluster.SlotHash.getSlot(key), k -> new ArrayList<>()).add(key);
    }
    String value = "epoch@" + System.currentTimeMillis();
    List<CompletableFuture<Long>> sent = new ArrayList<>();
    for (List<String> keys : bySlot.values()) {
      sent.add(redis.eval(markers, ScriptOutputType.INTEGER, keys.toArray(String[]::new), mode, value));
    }
    int existing = 0;
    for (CompletableFuture<Long> f : sent) {
      existing += redis.await(f, "dedupe markers").intValue();
    }
    return existing;
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
    return "RedisDedupeStore{prefix '" + prefix + "', " + (redis.isCluster() ? "cluster" : "standalone") + "}";
  }

  @Override
  public String toString() {
    return describe();
  }
}
