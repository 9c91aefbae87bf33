package io.dualpush.redis;

import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.HealthStatus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One Lettuce connection (standalone or cluster) and the scripts run on it, shared by both stores:
 * EVALSHA, falling back to EVAL (which caches the script) when the server answers NOSCRIPT (after a
 * restart or SCRIPT FLUSH); every wait bounded by a timeout; every failure a {@link
 * DestinationException} whose message holds no secret. Thread-safe, as Lettuce connections are.
 */
final class RedisAccess implements AutoCloseable {
  /** Where the connection comes from: the caller's client (we connect and close) or connection (theirs to close). */
  sealed interface Source permits ClientSource, ClusterClientSource, ConnectionSource, ClusterConnectionSource {}

  record ClientSource(RedisClient client) implements Source {}

  record ClusterClientSource(RedisClusterClient client) implements Source {}

  record ConnectionSource(StatefulRedisConnection<String, String> connection) implements Source {}

  record ClusterConnectionSource(StatefulRedisClusterConnection<String, String> connection) implements Source {}

  /** A Lua script and its SHA-1, as EVALSHA names it. */
  record Script(String name, String body, String sha) {}

  private final String id;
  private final StatefulConnection<String, String> connection;
  private final RedisScriptingAsyncCommands<String, String> commands;
  private final Supplier<CompletableFuture<String>> ping;
  private final boolean cluster;
  private final boolean owned;
  private final Duration timeout;

  private RedisAccess(String id, StatefulConnection<String, String> connection,
      RedisScriptingAsyncCommands<String, String> commands, boolean cluster, boolean owned, Duration timeout) {
    this.id = id;
    this.connection = connection;
    this.commands = commands;
    // Both connection kinds' async commands are also the base commands, which hold PING.
    @SuppressWarnings("unchecked")
    BaseRedisAsyncCommands<String, String> base = (BaseRedisAsyncCommands<String, String>) commands;
    this.ping = () -> base.ping().toCompletableFuture();
    this.cluster = cluster;
    this.owned = owned;
    this.timeout = timeout;
  }

  /**
   * Opens (for a client) or adopts (for a connection) the connection {@code source} names.
   *
   * @param id the store's id in errors, such as {@code redis-lease:dualpush}
   * @param timeout the longest wait for an answer; null for the connection's own timeout
   */
  static RedisAccess open(String id, Source source, @Nullable Duration timeout) {
    try {
      RedisAccess access;
      if (source instanceof ClientSource s) {
        StatefulRedisConnection<String, String> c = s.client().connect();
        access = new RedisAccess(id, c, c.async(), false, true, timeout != null ? timeout : c.getTimeout());
      } else if (source instanceof ClusterClientSource s) {
        StatefulRedisClusterConnection<String, String> c = s.client().connect();
        access = new RedisAccess(id, c, c.async(), true, true, timeout != null ? timeout : c.getTimeout());
      } else if (source instanceof ConnectionSource s) {
        StatefulRedisConnection<String, String> c = s.connection();
        access = new RedisAccess(id, c, c.async(), false, false, timeout != null ? timeout : c.getTimeout());
      } else {
        StatefulRedisClusterConnection<String, String> c = ((ClusterConnectionSource) source).connection();
        access = new RedisAccess(id, c, c.async(), true, false, timeout != null ? timeout : c.getTimeout());
      }
      return access;
    } catch (RuntimeException e) {
      // Lettuce's messages name the address and the server's answer (WRONGPASS...), never the password.
      throw new DestinationException(id, true, "cannot connect to Redis for " + id + ": " + e.getMessage(), e);
    }
  }

  /** Whether this is a Redis Cluster connection, whose scripts must keep their keys in one hash slot. */
  boolean isCluster() {
    return cluster;
  }

  /** The store's id used in errors. */
  String id() {
    return id;
  }

  /** The longest wait for one answer. */
  Duration timeout() {
    return timeout;
  }

  /**
   * Sends PING and waits at most {@link #timeout()}: healthy when the server answers, else unhealthy with a
   * detail that holds no credential (the address Lettuce names at most, never the password). Never throws.
   */
  HealthStatus ping() {
    long start = System.nanoTime();
    try {
      await(ping.get(), "PING");
      return HealthStatus.healthy(Duration.ofNanos(System.nanoTime() - start));
    } catch (RuntimeException e) {
      return HealthStatus.unhealthy(Duration.ofNanos(System.nanoTime() - start), e.getMessage() == null
          ? e.getClass().getSimpleName() : e.getMessage());
    }
  }

  /** A script, with its SHA-1 as the server computes it. */
  Script script(String name, String body) {
    return new Script(name, body, commands.digest(body));
  }

  /** Runs {@code script} with EVALSHA, or EVAL when the server does not have it cached; does not wait. */
  <T> CompletableFuture<T> eval(Script script, ScriptOutputType type, String[] keys, String... args) {
    CompletableFuture<T> bySha = commands.<T>evalsha(script.sha(), type, keys, args).toCompletableFuture();
    return bySha.exceptionallyCompose(e -> {
      if (unwrap(e) instanceof RedisNoScriptException) {
        return commands.<T>eval(script.body(), type, keys, args).toCompletableFuture();
      }
      return CompletableFuture.failedFuture(e);
    });
  }

  /** Runs {@code script} and waits for its answer, at most {@link #timeout()}. */
  <T> T call(Script script, ScriptOutputType type, String[] keys, String... args) {
    return await(eval(script, type, keys, args), script.name());
  }

  /**
   * Waits for {@code future} at most {@link #timeout()}; a timeout cancels it. Failures become a
   * transient {@link DestinationException} that keeps the cause.
   */
  <T> T await(CompletableFuture<T> future, String operation) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new DestinationException(id, true, "Redis did not answer " + operation + " for " + id + " within " + timeout
          + " (server down, paused or unreachable?)", e);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new DestinationException(id, true, "interrupted while waiting for Redis to answer " + operation + " for " + id, e);
    } catch (ExecutionException | CancellationException e) {
      Throwable cause = unwrap(e);
      throw new DestinationException(id, true, "Redis failed " + operation + " for " + id + ": " + cause.getMessage(), cause);
    }
  }

  /** The failure inside the wrappers a future puts around it. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Closes the connection when this store opened it; a connection the caller gave stays theirs. */
  @Override
  public void close() {
    if (owned) {
      connection.close();
    }
  }

  /** Checks a name or owner: non-blank, and naming the field when not. */
  static String requireText(@Nullable String value, String field) {
    if (value == null) {
      throw new InvalidInputException(field, "'" + field + "' cannot be null.");
    }
    if (value.isBlank()) {
      throw new InvalidInputException(field, "'" + field + "' must not be blank; got '" + value + "'");
    }
    return value;
  }

  /** Checks a TTL: at least 1 ms, as PX needs, naming the field when not. */
  static long requireTtlMillis(@Nullable Duration ttl, String field) {
    if (ttl == null) {
      throw new InvalidInputException(field, "'" + field + "' cannot be null.");
    }
    if (ttl.isNegative() || ttl.toMillis() < 1) {
      throw new InvalidInputException(field, "'" + field + "' must be at least 1 ms; got " + ttl);
    }
    return ttl.toMillis();
  }
}
