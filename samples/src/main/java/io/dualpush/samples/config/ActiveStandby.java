package io.dualpush.samples.config;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CoordinatorListener;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.redis.RedisLeaseStore;
import io.dualpush.spi.Lease;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process as one region of an active/standby pair: a {@link RedisLeaseStore} and an
 * {@link ActiveRegionCoordinator} on the lease both regions' files name, and a
 * {@link RedisDedupeStore} when the file turns dedupe on. Role changes are printed, one line each
 * ({@code active: ...}, {@code standby: ...}, {@code fenced: ...}), and logged. The Redis password
 * is read from its environment variable when connecting and is never printed or logged.
 *
 * <p>Thread-safe; {@link #close()} releases the lease (the other region takes over at once), then
 * disconnects.
 */
public final class ActiveStandby implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ActiveStandby.class);

  private final RedisClient redis;
  private final RedisLeaseStore leases;
  private final ActiveRegionCoordinator coordinator;
  private final Optional<RedisDedupeStore> dedupe;
  private boolean closed; // guarded by this

  private ActiveStandby(RedisClient redis, RedisLeaseStore leases, ActiveRegionCoordinator coordinator,
      Optional<RedisDedupeStore> dedupe) {
    this.redis = redis;
    this.leases = leases;
    this.coordinator = coordinator;
    this.dedupe = dedupe;
  }

  /**
   * Connects to Redis and starts competing for the lease.
   *
   * @param config the {@code redis} section
   * @param env the environment, holding the password's variable
   * @param out where role changes are printed
   * @return the started region
   */
  public static ActiveStandby start(JobConfig.Redis config, Function<String, String> env, PrintStream out) {
    RedisURI uri = RedisURI.create(config.uri());
    config.passwordEnv().ifPresent(variable -> {
      String password = env.apply(variable);
      // Read here, never stored in the configuration object, never printed.
      uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> RedisCredentials.just(null,
          password == null ? new char[0] : password.toCharArray())));
    });
    RedisClient redis = RedisClient.create(uri);
    RedisLeaseStore leases = null;
    RedisDedupeStore dedupe = null;
    try {
      leases = RedisLeaseStore.builder().client(redis).build();
      if (config.dedupe()) {
        dedupe = RedisDedupeStore.builder().client(redis).build();
      }
      String owner = config.owner().orElseGet(ActiveStandby::defaultOwner);
      String name = config.leaseName();
      ActiveRegionCoordinator.Builder builder = ActiveRegionCoordinator.builder().leaseStore(leases).leaseName(name)
          .owner(owner).ttl(config.ttl());
      config.renew().ifPresent(builder::renewInterval);
      builder.listener(new CoordinatorListener() {
        @Override
        public void onActive(Lease lease) {
          say(out, "active: holding lease '" + name + "' as " + owner + " (fencing token " + lease.fencingToken() + ")");
        }

        @Override
        public void onStandby(Optional<Lease> holder) {
          say(out, "standby: waiting for the active region's lease '" + name + "'"
              + holder.map(h -> " (held by " + h.owner() + ")").orElse(""));
        }

        @Override
        public void onLeaseLost(Lease lost, Throwable cause) {
          say(out, "fenced: lost lease '" + name + "' (fencing token " + lost.fencingToken() + "): "
              + cause.getClass().getSimpleName() + "; pushing stops, copies not verified are not counted");
        }
      });
      ActiveRegionCoordinator coordinator = builder.build();
      coordinator.start();
      return new ActiveStandby(redis, leases, coordinator, Optional.ofNullable(dedupe));
    } catch (RuntimeException e) {
      if (dedupe != null) {
        dedupe.close();
      }
      if (leases != null) {
        leases.close();
      }
      redis.shutdown();
      throw e;
    }
  }

  private static void say(PrintStream out, String line) {
    LOG.info(line);
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** {@code HOSTNAME-PID}: unique enough per job, and readable in {@code status} and in Redis. */
  static String defaultOwner() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown-host";
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /**
   * The coordinator; every push of a client it is given to carries its fencing token.
   *
   * @return the started coordinator
   */
  public ActiveRegionCoordinator coordinator() {
    return coordinator;
  }

  /**
   * Adds the coordinator and, when configured, the dedupe store to a client builder.
   *
   * @param builder the builder
   * @return the same builder
   */
  public DualPushClientBuilder addTo(DualPushClientBuilder builder) {
    builder.coordinator(coordinator);
    dedupe.ifPresent(builder::dedupeStore);
    return builder;
  }

  /**
   * Waits for the lease.
   *
   * @param wait the longest wait, or {@code null} for no bound
   * @return whether this process is active
   * @throws InterruptedException when interrupted
   */
  public boolean awaitActive(Duration wait) throws InterruptedException {
    return coordinator.awaitActive(wait == null ? Duration.ofDays(365_000) : wait);
  }

  /**
   * Stops acting and releases the lease (when held), so that the other region takes over at once; stays
   * connected. Thread-safe: a {@link #close()} from another thread waits for the release to be sent.
   */
  public synchronized void releaseLease() {
    coordinator.close();
  }

  /** Releases the lease (when held) and disconnects from Redis; waits for a release under way on another thread. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    coordinator.close();
    dedupe.ifPresent(RedisDedupeStore::close);
    leases.close();
    redis.shutdown();
  }
}
