package io.dualpush.redis;

import io.dualpush.DedupeStateLostException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.HealthStatus;
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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DedupeStore} in Redis, shared by every worker and region that reaches the server: a
 * claim is one atomic script ({@code SET NX PX}), and {@link #claimAll} claims a whole batch in one
 * round trip per group of keys (one script on a standalone server; on a Redis Cluster one script
 * per bucket, all sent at once); {@link #markDoneAll} marks a batch done the same way.
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
 * Each marker holds an epoch that a store reads when it opens and checks on every claim: a store that
 * opens on the emptied server writes new markers, and the stores already running are still told of
 * the loss, because the epoch changed under them; an acknowledgement writes an epoch every store
 * adopts. The builder writes the markers when none exist at all (a new deployment), so a loss that
 * happens while no store is running, with no marker left behind, is not detected unless {@link
 * Builder#requireExistingState(boolean)} is set. Run Redis with persistence ({@code appendonly yes})
 * and {@code maxmemory-policy noeviction} to make losses rare.
 *
 * <p>Errors: a server that does not answer within the timeout (the connection's, or {@link
 * Builder#timeout(Duration)}) or fails gives a transient {@link io.dualpush.DestinationException}
 * with the cause kept. Neither errors nor {@link #toString()} show a credential. Thread-safe.
 */
public final class RedisDedupeStore implements DedupeStore, AutoCloseable {
  /** The key prefix unless {@link Builder#keyPrefix(String)} sets another. */
  public static final String DEFAULT_PREFIX = StoreSettings.DEFAULT_PREFIX;
  private static final Logger LOG = LoggerFactory.getLogger(RedisDedupeStore.class);
  /** Buckets of ids on a Redis Cluster, each with its marker, spread over the cluster's slots. */
  public static final int CLUSTER_BUCKETS = 64;

  // KEYS: marker, then one key per id. ARGV: claim ttl ms, the epoch this store knows. Answers {'L'} when the
  // marker is gone, {'E', value} when it holds another epoch (written since this store opened), else per id
  // 'C' (claimed now), 'P' (in progress elsewhere) or the done value 'd|outcome'.
  private static final String CLAIM = """
      local epoch = redis.call('GET', KEYS[1])
      if not epoch then
        return {'L'}
      end
      if epoch ~= ARGV[2] then
        return {'E', epoch}
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

  // KEYS: marker, id key. ARGV: the epoch this store knows. Reads only. Answers {'L'} or {'E', epoch} as CLAIM
  // does, else {'F'} when the id is free (never claimed, released, or expired: Redis has dropped the key) or
  // {'V', value}: 'c' while claimed, 'd|outcome' once done.
  private static final String PEEK = """
      local epoch = redis.call('GET', KEYS[1])
      if not epoch then
        return {'L'}
      end
      if epoch ~= ARGV[1] then
        return {'E', epoch}
      end
      local v = redis.call('GET', KEYS[2])
      if not v then
        return {'F'}
      end
      return {'V', v}
      """;

  // KEYS: id key. ARGV: outcome, ttl ms.
  private static final String DONE = """
      redis.call('SET', KEYS[1], 'd|' .. ARGV[1], 'PX', ARGV[2])
      return 1
      """;

  // KEYS: the ids' keys (one bucket). ARGV: ttl ms, then one outcome per key.
  private static final String DONE_ALL = """
      for i = 1, #KEYS do
        redis.call('SET', KEYS[i], 'd|' .. ARGV[i + 1], 'PX', ARGV[1])
      end
      return #KEYS
      """;

  // KEYS: id key. Deletes an unfinished claim only: a done id stays remembered.
  private static final String RELEASE = """
      if redis.call('GET', KEYS[1]) == 'c' then
        redis.call('DEL', KEYS[1])
        return 1
      end
      return 0
      """;

  // KEYS: markers of one slot. ARGV: 'count'; or 'set' and the value; or 'init' and the value (set where absent).
  // Answers how many markers existed before.
  private static final String MARKERS = """
      local existing = 0
      for i = 1, #KEYS do
        existing = existing + redis.call('EXISTS', KEYS[i])
      end
      if ARGV[1] == 'set' then
        for i = 1, #KEYS do
          redis.call('SET', KEYS[i], ARGV[2])
        end
      elseif ARGV[1] == 'init' then
        for i = 1, #KEYS do
          redis.call('SET', KEYS[i], ARGV[2], 'NX')
        end
      end
      return existing
      """;

  // KEYS: one marker. ARGV: a value to set when it is absent, or ''. Answers its value, or '' when absent.
  private static final String EPOCH = """
      local v = redis.call('GET', KEYS[1])
      if not v and ARGV[1] ~= '' then
        redis.call('SET', KEYS[1], ARGV[1])
        v = ARGV[1]
      end
      return v or ''
      """;

  /** Marker values written by {@link #acknowledgeStateLoss()}: a store that meets one adopts it. */
  private static final String ACKNOWLEDGED = "ack:";

  private final RedisAccess redis;
  private final String prefix;
  private final int buckets;
  private final RedisAccess.Script claim;
  private final RedisAccess.Script done;
  private final RedisAccess.Script doneAll;
  private final RedisAccess.Script release;
  private final RedisAccess.Script peek;
  private final RedisAccess.Script markers;
  private final RedisAccess.Script epochScript;
  /**
   * The marker value this store opened with (or adopted from an acknowledgement): a marker holding
   * another value was written after a loss, by a store that opened on the emptied server.
   */
  private volatile String epoch;

  private RedisDedupeStore(Builder b) {
    this.prefix = b.settings.prefix();
    this.redis = b.settings.open("redis-dedupe");
    try {
      this.buckets = redis.isCluster() ? CLUSTER_BUCKETS : 1;
      this.claim = redis.script("dedupe claim", CLAIM);
      this.done = redis.script("dedupe markDone", DONE);
      this.doneAll = redis.script("dedupe markDoneAll", DONE_ALL);
      this.release = redis.script("dedupe release", RELEASE);
      this.peek = redis.script("dedupe peek", PEEK);
      this.markers = redis.script("dedupe markers", MARKERS);
      this.epochScript = redis.script("dedupe epoch", EPOCH);
      // Counted over every bucket first: a cluster node that lost its data must not look like a new deployment.
      if (markers("count", "") == 0) {
        if (b.requireExistingState) {
          throw lost("no marker key exists", "requireExistingState is set; claims are refused");
        }
        // Two workers starting together on an empty server agree on bucket 0's value, then fill the rest with it.
        this.epoch = epochOf(0, "new:" + UUID.randomUUID());
        markers("init", epoch);
      } else {
        this.epoch = openingEpoch();
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
    private final StoreSettings settings = new StoreSettings();
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
      settings.client(client);
      return this;
    }

    /**
     * A Redis Cluster through the caller's cluster client; the store opens one connection, and
     * closes it on {@link RedisDedupeStore#close()}.
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
     * share a server without seeing each other's ids.
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
      settings.requireSource();
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
    String[] keys = {marker(b), idKey(messageId)};
    String known = epoch;
    List<Object> answer = redis.call(claim, ScriptOutputType.MULTI, keys, Long.toString(ttl), known);
    if (adopted(answer, known)) {
      answer = redis.call(claim, ScriptOutputType.MULTI, keys, Long.toString(ttl), epoch);
    }
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
    Map<String, DedupeClaim> byId = claimBuckets(byBucket, ttl, true);
    Map<String, DedupeClaim> ordered = new LinkedHashMap<>();
    for (String id : distinct) {
      ordered.put(id, byId.get(id));
    }
    return ordered;
  }

  private Map<String, DedupeClaim> claimBuckets(Map<Integer, List<String>> byBucket, long ttl, boolean mayAdopt) {
    String known = epoch;
    Map<Integer, CompletableFuture<List<Object>>> sent = new LinkedHashMap<>();
    for (Map.Entry<Integer, List<String>> e : byBucket.entrySet()) {
      List<String> ids = e.getValue();
      String[] keys = new String[ids.size() + 1];
      keys[0] = marker(e.getKey());
      for (int i = 0; i < ids.size(); i++) {
        keys[i + 1] = idKey(ids.get(i));
      }
      sent.put(e.getKey(), redis.eval(claim, ScriptOutputType.MULTI, keys, Long.toString(ttl), known));
    }
    Map<String, DedupeClaim> byId = new LinkedHashMap<>();
    Map<Integer, List<String>> again = new LinkedHashMap<>();
    RuntimeException first = null;
    for (Map.Entry<Integer, CompletableFuture<List<Object>>> e : sent.entrySet()) {
      try {
        List<Object> answer = redis.await(e.getValue(), "dedupe claimAll");
        if (mayAdopt && adopted(answer, known)) {
          // Refused before any claim of its bucket was made: claimed again under the adopted epoch below.
          again.put(e.getKey(), byBucket.get(e.getKey()));
          continue;
        }
        byId.putAll(answers(e.getKey(), byBucket.get(e.getKey()), answer));
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
    if (!again.isEmpty()) {
      byId.putAll(claimBuckets(again, ttl, false));
    }
    return byId;
  }

  /**
   * Whether {@code answer} refused a claim because the marker now holds an acknowledgement written
   * since this store read it; if so the store adopts it, so that the claim can be sent again. A marker
   * re-created by a store that opened on an emptied server is not adopted: {@link #answers} reports it.
   */
  private boolean adopted(List<Object> answer, String known) {
    if (answer.size() == 2 && "E".equals(answer.get(0))) {
      String now = String.valueOf(answer.get(1));
      if (now.startsWith(ACKNOWLEDGED)) {
        synchronized (this) {
          if (epoch.equals(known)) {
            LOG.info("Redis dedupe store '{}': another store acknowledged a loss of the message ids; claims go on",
                prefix);
            epoch = now;
          }
        }
        return true;
      }
    }
    return false;
  }

  private Map<String, DedupeClaim> answers(int bucket, List<String> ids, List<Object> answer) {
    if (answer.size() == 1 && "L".equals(answer.get(0))) {
      throw lost("the marker key " + marker(bucket) + " is missing", "claims are refused");
    }
    if (answer.size() == 2 && "E".equals(answer.get(0))) {
      throw lost("the marker key " + marker(bucket) + " was written again since this store opened, by a store "
          + "that started on the emptied server", "claims are refused");
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
  public boolean supportsPeek() {
    return true;
  }

  /**
   * Reads the id's key (one read-only script with its bucket's marker, no write): {@code c} is
   * {@code IN_PROGRESS}, {@code d|outcome} is {@code DUPLICATE}; a key Redis has expired or deleted is
   * free. As a claim would be, a peek is refused with {@link DedupeStateLostException} when the bucket's
   * marker is gone or was written again since this store opened: after a loss every id would look free.
   *
   * @throws DedupeStateLostException when the store has lost the ids it remembered
   */
  @Override
  public Optional<DedupeClaim> peek(String messageId) {
    RedisAccess.requireText(messageId, "messageId");
    int b = bucket(messageId);
    String[] keys = {marker(b), idKey(messageId)};
    String known = epoch;
    List<Object> answer = redis.call(peek, ScriptOutputType.MULTI, keys, known);
    if (adopted(answer, known)) {
      answer = redis.call(peek, ScriptOutputType.MULTI, keys, epoch);
    }
    String kind = String.valueOf(answer.get(0));
    if ("L".equals(kind) || "E".equals(kind)) {
      answers(b, List.of(messageId), answer); // throws the loss, as a claim would
    }
    if ("F".equals(kind)) {
      return Optional.empty();
    }
    String v = String.valueOf(answer.get(1));
    return Optional.of(v.startsWith("d|") ? DedupeClaim.duplicate(v.substring(2)) : DedupeClaim.inProgress());
  }

  @Override
  public void markDone(String messageId, String outcome, Duration ttl) {
    RedisAccess.requireText(messageId, "messageId");
    InvalidInputException.requireNonNull(outcome, "outcome");
    long ttlMillis = RedisAccess.requireTtlMillis(ttl, "ttl");
    redis.call(done, ScriptOutputType.INTEGER, new String[] {idKey(messageId)}, outcome, Long.toString(ttlMillis));
  }

  /**
   * Marks every id done as {@link #markDone} does, in one round trip per bucket: one script for the
   * whole batch on a standalone server; on a cluster one script per bucket, all sent before any answer
   * is awaited. When one bucket's script fails, the others' answers are still awaited and the first
   * failure is thrown (the ids of the buckets that answered are marked).
   *
   * @param outcomes each claimed id with its outcome
   * @param ttl how long the ids are remembered as processed
   */
  @Override
  public void markDoneAll(Map<String, String> outcomes, Duration ttl) {
    InvalidInputException.requireNonNull(outcomes, "outcomes");
    String ttlMillis = Long.toString(RedisAccess.requireTtlMillis(ttl, "ttl"));
    Map<Integer, List<Map.Entry<String, String>>> byBucket = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : outcomes.entrySet()) {
      RedisAccess.requireText(e.getKey(), "outcomes");
      InvalidInputException.requireNonNull(e.getValue(), "outcomes");
      byBucket.computeIfAbsent(bucket(e.getKey()), k -> new ArrayList<>()).add(e);
    }
    List<CompletableFuture<Long>> sent = new ArrayList<>();
    for (List<Map.Entry<String, String>> entries : byBucket.values()) {
      String[] keys = new String[entries.size()];
      String[] args = new String[entries.size() + 1];
      args[0] = ttlMillis;
      for (int i = 0; i < entries.size(); i++) {
        keys[i] = idKey(entries.get(i).getKey());
        args[i + 1] = entries.get(i).getValue();
      }
      sent.add(redis.eval(doneAll, ScriptOutputType.INTEGER, keys, args));
    }
    RuntimeException first = null;
    for (CompletableFuture<Long> f : sent) {
      try {
        redis.await(f, "dedupe markDoneAll");
      } catch (RuntimeException ex) {
        if (first == null) {
          first = ex;
        }
      }
    }
    if (first != null) {
      throw first;
    }
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
    String acknowledged = ACKNOWLEDGED + UUID.randomUUID();
    markers("set", acknowledged);
    epoch = acknowledged;
  }

  /** The marker value of an existing deployment: bucket 0's, or, when that node lost it, the first one found. */
  private String openingEpoch() {
    for (int b = 0; b < buckets; b++) {
      String v = epochOf(b, "");
      if (!v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

  private String epochOf(int bucket, String ifAbsent) {
    Object v = redis.call(epochScript, ScriptOutputType.VALUE, new String[] {marker(bucket)}, ifAbsent);
    return String.valueOf(v);
  }

  /** Counts the markers, or sets them all ({@code mode} "set"); returns how many existed. One script per slot. */
  private int markers(String mode, String value) {
    Map<Integer, List<String>> bySlot = new LinkedHashMap<>();
    for (int b = 0; b < buckets; b++) {
      String key = marker(b);
      bySlot.computeIfAbsent(io.lettuce.core.cluster.SlotHash.getSlot(key), k -> new ArrayList<>()).add(key);
    }
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

  /**
   * Sends Redis a {@code PING} and waits at most the store's timeout (its builder's, or the connection's): healthy
   * when it answers. The detail of a failure names what went wrong and at most the server's address, never a
   * password. Never throws. Thread-safe.
   *
   * @return whether Redis answered, and how long it took
   */
  @Override
  public HealthStatus probe() {
    return redis.ping();
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
