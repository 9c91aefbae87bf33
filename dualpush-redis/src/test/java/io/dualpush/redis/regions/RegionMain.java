package io.dualpush.redis.regions;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CoordinatorListener;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushReceipt;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.RedisLeaseStore;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Lease;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * One "region" in a child JVM, for {@link ActiveStandbyIT}: a Redis lease through {@link
 * RedisLeaseStore} and an {@link ActiveRegionCoordinator}, and a {@link DualPushClient} with that
 * coordinator writing to two local directories (and optionally an Azurite container) that the
 * other region shares. Prints one event a line to stdout, flushed, for the parent to read:
 *
 * <pre>
 * READY
 * ACTIVE token=T t=NANOS              the coordinator became active (onActive)
 * STANDBY t=NANOS                     it is standby (onStandby)
 * LOST token=T cause=X t=NANOS        it lost the lease it held (onLeaseLost)
 * DEST id=D key=K token=T result=ok|stale|error t=NANOS   one destination write, as the destination answered it
 * HELD id=D key=K token=T t=NANOS     the hold marker file existed when this push began: the write waits, token in hand, until it is gone
 * PUSHED key=K seq=N token=T verified=true|false state=S t=NANOS
 * REFUSED key=K seq=N cause=X t=NANOS the push threw (NotActiveException while standby, ...)
 * CLOSED t=NANOS                      after "close" on stdin: client and coordinator closed (the lease released)
 * </pre>
 *
 * <p>Arguments ({@code --name value}): {@code --redis host:port}, {@code --lease}, {@code --owner},
 * {@code --ttl-ms}, {@code --renew-ms}, {@code --deadline-ms}, {@code --dir1}, {@code --dir2},
 * {@code --azure} (connection string) with {@code --container}, {@code --log} (its own transaction
 * log directory), {@code --mode push|idle}, {@code --interval-ms} between pushes, {@code --hold}
 * (a marker file path), {@code --store-timeout-ms} (the lease store's own call timeout, its default
 * unless given: Lettuce's client is left as a user would create it). Pushes key {@code obj-<seq % 50>} with content {@code owner=O seq=N}, so two
 * regions write the same keys.
 */
public final class RegionMain {
  private static final Object OUT = new Object();
  private static volatile boolean closing;

  private RegionMain() {}

  /**
   * Runs the region until "close" arrives on stdin (or the process is killed).
   *
   * @param args see the class description
   * @throws Exception on a failure to start; the parent sees the exit and the stack trace on stderr
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = parse(args);
    String owner = o.get("owner");
    String[] hostPort = o.get("redis").split(":");
    RedisClient redis = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
    RedisLeaseStore.Builder store = RedisLeaseStore.builder().client(redis);
    if (o.containsKey("store-timeout-ms")) {
      store.timeout(Duration.ofMillis(Long.parseLong(o.get("store-timeout-ms"))));
    }
    RedisLeaseStore leases = store.build();
    Path hold = o.containsKey("hold") ? Path.of(o.get("hold")) : null;
    ActiveRegionCoordinator coordinator = ActiveRegionCoordinator.builder()
        .leaseStore(leases)
        .leaseName(o.getOrDefault("lease", "active_dc"))
        .owner(owner)
        .ttl(Duration.ofMillis(Long.parseLong(o.get("ttl-ms"))))
        .renewInterval(Duration.ofMillis(Long.parseLong(o.get("renew-ms"))))
        .renewDeadline(Duration.ofMillis(Long.parseLong(o.get("deadline-ms"))))
        .listener(new CoordinatorListener() {
          @Override
          public void onActive(Lease lease) {
            emit("ACTIVE token=" + lease.fencingToken());
          }

          @Override
          public void onStandby(Optional<Lease> holder) {
            emit("STANDBY holder=" + holder.map(Lease::owner).orElse("-"));
          }

          @Override
          public void onLeaseLost(Lease lost, Throwable cause) {
            emit("LOST token=" + lost.fencingToken() + " cause=" + word(cause));
          }
        })
        .build();
    DualPushClientBuilder builder = new DualPushClientBuilder()
        .destination("dir1", new Watched("dir1", new FileSystemDestination(Path.of(o.get("dir1"))), hold))
        .destination("dir2", new Watched("dir2", new FileSystemDestination(Path.of(o.get("dir2"))), hold))
        .transactionLog(Path.of(o.get("log")))
        .coordinator(coordinator);
    if (o.containsKey("azure")) {
      BlobContainerClient container = new BlobServiceClientBuilder().connectionString(o.get("azure")).buildClient()
          .getBlobContainerClient(o.get("container"));
      container.createIfNotExists();
      builder.destination("azure", new Watched("azure", new AzureBlobDestination(container), hold));
    }
    DualPushClient client = builder.buildClient();
    Thread commands = new Thread(() -> readCommands(client, coordinator, redis), "commands");
    commands.start();
    coordinator.start();
    emit("READY");
    if (o.getOrDefault("mode", "push").equals("push")) {
      push(client, owner, Long.parseLong(o.getOrDefault("interval-ms", "20")));
    }
    commands.join();
  }

  /** The push loop: one push at a time, whatever the role, so that a standby's attempts show as REFUSED. */
  private static void push(DualPushClient client, String owner, long intervalMillis) throws InterruptedException {
    for (long seq = 0; !closing; seq++) {
      String key = "obj-" + (seq % 50);
      byte[] content = ("owner=" + owner + " seq=" + seq + "\n").getBytes(StandardCharsets.UTF_8);
      // Armed between pushes only, so that a push already under way when the marker appears is not held halfway.
      Watched.armed = Watched.hold != null && Files.exists(Watched.hold);
      try {
        PushReceipt r = client.push(key, content);
        emit("PUSHED key=" + key + " seq=" + seq + " token=" + Watched.lastToken(key) + " verified=" + r.isVerified()
            + " state=" + r.state() + " failed=" + r.copies().stream().filter(c -> c.status().name().equals("FAILED"))
                .map(CopyRecord::destinationId).collect(Collectors.joining(",")));
      } catch (RuntimeException e) {
        if (closing) {
          return;
        }
        emit("REFUSED key=" + key + " seq=" + seq + " cause=" + word(e));
      }
      Thread.sleep(intervalMillis);
    }
  }

  private static void readCommands(DualPushClient client, ActiveRegionCoordinator coordinator, RedisClient redis) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.strip().equals("close")) {
          break;
        }
      }
    } catch (Exception e) {
      // stdin closed: the parent is gone; close as asked
    }
    closing = true;
    // The coordinator first: its close releases the lease, which is what the standby waits for.
    coordinator.close();
    emit("CLOSED");
    client.close();
    redis.shutdown();
    System.exit(0);
  }

  /** The exception's class and, when a stale fencing token is among its causes, "stale". */
  static String word(Throwable t) {
    if (t == null) {
      return "-";
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StaleFencingTokenException) {
        return t.getClass().getSimpleName() + "/stale";
      }
    }
    return t.getClass().getSimpleName();
  }

  static void emit(String event) {
    synchronized (OUT) {
      System.out.println(event + " t=" + System.nanoTime());
      System.out.flush();
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return o;
  }

  /**
   * A destination that reports each write with the fencing token it carries, and holds the writes of
   * a push that started while the marker file existed, until the file is gone: the test hook that
   * makes "a late write with the old token" deterministic (the engine took the token and started the
   * write; the parent then freezes the JVM).
   */
  static final class Watched implements Destination {
    private static final Map<String, Long> LAST_TOKEN = new ConcurrentHashMap<>();
    /** The marker file; the same for every destination of this process. */
    static volatile Path hold;
    /** Whether the marker existed when the push under way started. */
    static volatile boolean armed;
    private final String id;
    private final Destination delegate;

    Watched(String id, Destination delegate, Path hold) {
      this.id = id;
      this.delegate = delegate;
      Watched.hold = hold;
    }

    static String lastToken(String key) {
      Long t = LAST_TOKEN.get(key);
      return t == null ? "-" : t.toString();
    }

    @Override
    public PutResult put(WriteRequest request) {
      OptionalLong token = request.fencingToken();
      String t = token.isPresent() ? Long.toString(token.getAsLong()) : "-";
      if (token.isPresent()) {
        LAST_TOKEN.put(request.key(), token.getAsLong());
      }
      if (armed && Files.exists(hold)) {
        emit("HELD id=" + id + " key=" + request.key() + " token=" + t);
        while (Files.exists(hold)) {
          try {
            Thread.sleep(5);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while held", e);
          }
        }
      }
      try {
        PutResult r = delegate.put(request);
        emit("DEST id=" + id + " key=" + request.key() + " token=" + t + " result=ok");
        return r;
      } catch (StaleFencingTokenException e) {
        emit("DEST id=" + id + " key=" + request.key() + " token=" + t + " result=stale current=" + e.currentToken());
        throw e;
      } catch (RuntimeException e) {
        emit("DEST id=" + id + " key=" + request.key() + " token=" + t + " result=error cause=" + word(e));
        throw e;
      }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return delegate.head(key);
    }

    @Override
    public Optional<InputStream> get(String key) {
      return delegate.get(key);
    }

    @Override
    public boolean delete(String key) {
      return delegate.delete(key);
    }

    @Override
    public HealthStatus probe() {
      return delegate.probe();
    }

    @Override
    public String describe() {
      return id + ": " + delegate.describe();
    }

    @Override
    public boolean supportsFencing() {
      return delegate.supportsFencing();
    }

    @Override
    public boolean overlaps(Destination other) {
      return delegate.overlaps(other instanceof Watched w ? w.delegate : other);
    }
  }
}
