package io.dualpush.samples.drill;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CoordinatorListener;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.MessageProcessor;
import io.dualpush.NotActiveException;
import io.dualpush.ProcessResult;
import io.dualpush.PushReceipt;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.redis.RedisLeaseStore;
import io.dualpush.spi.Lease;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One region of the drill, run by {@link DrillCommand} as a child JVM of the same jar ({@code java -cp JAR
 * io.dualpush.samples.drill.DrillRegion ...}); not meant to be started by hand. It holds or waits for the Redis lease
 * (a {@link RedisLeaseStore} under an {@link ActiveRegionCoordinator}), and while active pushes each message it is
 * given to the two shared destinations through a {@link DualPushClient} (its own transaction log), once, through a
 * {@link MessageProcessor} on a {@link RedisDedupeStore}.
 *
 * <p>Protocol, one line each way. On stdin: {@code PUSH KEY BASE64} (push the bytes under the key; the key is also
 * the message id) and {@code close} (release the lease and exit; end of input does the same, so a region never
 * outlives its parent). On stdout, flushed per line: {@code READY}, {@code ACTIVE token=T}, {@code STANDBY},
 * {@code LOST}, {@code FAILED MESSAGE} (it could not start), {@code ACK KEY MD5HEX processed|redelivered|duplicate} (the push is verified at both destinations, or
 * the dedupe store says it was before), {@code NACK KEY REASON} (not done; the producer sends it again) and {@code
 * CLOSED}.
 *
 * <p>Arguments, each {@code --name value}: {@code --name} (the region), {@code --redis URI} (and {@code
 * --redis-password-env VAR}, the variable holding its password, inherited from the drill), {@code --run}
 * (the drill's run id: lease and Redis keys), {@code --ttl-ms}, {@code --primary} and {@code --secondary} (the
 * destination directories), {@code --messages} (the write-ahead copies), {@code --log} (this region's transaction
 * log).
 */
public final class DrillRegion {
  private static final Object OUT = new Object();
  /** Redis key prefix of the drill's lease and dedupe entries, apart from an application's own. */
  static final String KEY_PREFIX = "dualpush-drill:";
  /** Handler threads; a message whose claim is held elsewhere is retried later without holding one. */
  private static final int WORKERS = 8;
  /** How often a message claimed elsewhere (by a region that may be dead) is tried again. */
  private static final long RETRY_MILLIS = 100;

  private DrillRegion() {}

  /**
   * Runs the region until {@code close} or the end of stdin (or until killed).
   *
   * @param args see the class description
   * @throws Exception on a failure to start; the parent sees the exit and the stack trace on stderr
   */
  public static void main(String[] args) throws Exception {
    try {
      run(parse(args));
    } catch (Exception | LinkageError e) {
      // One line for the drill to quote (the stack trace goes to stderr, which the drill keeps in a file).
      emit("FAILED " + describe(e));
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** The messages of an exception and its causes, on one line. */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = e; c != null && sb.length() < 400; c = c.getCause()) {
      sb.append(sb.length() == 0 ? "" : ": ").append(c.getClass().getSimpleName());
      if (c.getMessage() != null) {
        sb.append(" (").append(c.getMessage().replaceAll("\\s+", " ")).append(')');
      }
    }
    return sb.toString();
  }

  private static void run(Map<String, String> o) throws Exception {
    String name = o.get("name");
    Duration ttl = Duration.ofMillis(Long.parseLong(o.get("ttl-ms")));
    RedisURI uri = RedisURI.create(o.get("redis"));
    String variable = o.get("redis-password-env");
    if (variable != null) {
      String password = System.getenv(variable);
      if (password == null || password.isEmpty()) {
        throw new IllegalStateException("environment variable " + variable + " (--redis-password-env) is not set");
      }
      // Read here from the environment the drill passed on; never on a command line, never printed.
      uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> RedisCredentials.just(null, password)));
    }
    RedisClient redis = RedisClient.create(uri);
    RedisLeaseStore leases = RedisLeaseStore.builder().client(redis).keyPrefix(KEY_PREFIX).build();
    // The ActiveStandbyIT timings scaled to the TTL: renew six times per TTL, step down after two thirds of it.
    ActiveRegionCoordinator coordinator = ActiveRegionCoordinator.builder()
        .leaseStore(leases)
        .leaseName("drill-" + o.get("run"))
        .owner(name)
        .ttl(ttl)
        .renewInterval(ttl.dividedBy(6))
        .renewDeadline(ttl.multipliedBy(2).dividedBy(3))
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
            emit("LOST token=" + lost.fencingToken());
          }
        })
        .build();
    DualPushClient client = new DualPushClientBuilder()
        .destination("primary", new FileSystemDestination(Path.of(o.get("primary"))))
        .destination("secondary", new FileSystemDestination(Path.of(o.get("secondary"))))
        .transactionLog(Path.of(o.get("log")))
        .coordinator(coordinator)
        .buildClient();
    RedisDedupeStore dedupe = RedisDedupeStore.builder().client(redis).keyPrefix(KEY_PREFIX).build();
    MessageProcessor processor = MessageProcessor.builder()
        .dataset("drill")
        .dedupeStore(dedupe)
        .messageStore(new FileSystemDestination(Path.of(o.get("messages"))))
        .coordinator(coordinator)
        // A claim left by a killed region runs out one TTL later: the standby redelivers it then.
        .claimTtl(ttl)
        .dedupeTtl(Duration.ofHours(1))
        .build();
    coordinator.start();
    emit("READY");
    ScheduledExecutorService workers = Executors.newScheduledThreadPool(WORKERS);
    Duration inProgressWait = ttl.multipliedBy(3).plusSeconds(10);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.strip().split(" ");
        if (words[0].equals("close")) {
          break;
        }
        if (words[0].equals("PUSH") && words.length == 3) {
          String key = words[1];
          byte[] bytes = Base64.getDecoder().decode(words[2]);
          long deadline = System.nanoTime() + inProgressWait.toNanos();
          workers.execute(() -> handle(processor, client, workers, key, bytes, deadline));
        }
      }
    } catch (Exception e) {
      // stdin broken: the parent is gone; close as at the end of input
    }
    // The coordinator first: its close releases the lease.
    coordinator.close();
    workers.shutdownNow();
    emit("CLOSED");
    client.close();
    dedupe.close();
    leases.close();
    redis.shutdown();
    System.exit(0);
  }

  private static final Set<String> REDELIVERED = ConcurrentHashMap.newKeySet();

  /**
   * Processes one message and answers ACK or NACK; a message claimed elsewhere is tried again every {@value
   * #RETRY_MILLIS} ms until {@code deadline} (the claim of a killed region runs out after the claim TTL).
   */
  private static void handle(MessageProcessor processor, DualPushClient client, ScheduledExecutorService workers,
      String key, byte[] bytes, long deadline) {
    try {
      ProcessResult r = processor.process(key, bytes, ctx -> {
        if (ctx.redelivered()) {
          REDELIVERED.add(key);
        }
        PushReceipt receipt = client.push(key, ctx.payload());
        if (!receipt.isVerified()) {
          throw new IllegalStateException("not verified: " + receipt.describeCopies());
        }
        return HexFormat.of().formatHex(Base64.getDecoder().decode(receipt.md5()));
      });
      switch (r.status()) {
        case PROCESSED -> emit("ACK " + key + " " + r.resultReference().orElse("-") + " "
            + (REDELIVERED.remove(key) ? "redelivered" : "processed"));
        case DUPLICATE -> emit("ACK " + key + " " + r.resultReference().orElse("-") + " duplicate");
        default -> {
          if (System.nanoTime() > deadline) {
            emit("NACK " + key + " in-progress-elsewhere");
          } else {
            workers.schedule(() -> handle(processor, client, workers, key, bytes, deadline), RETRY_MILLIS,
                TimeUnit.MILLISECONDS);
          }
        }
      }
    } catch (NotActiveException e) {
      emit("NACK " + key + " not-active");
    } catch (RejectedExecutionException e) {
      // closing: the producer sends it again to whoever is active
    } catch (RuntimeException e) {
      emit("NACK " + key + " " + e.getClass().getSimpleName());
    }
  }

  private static void emit(String event) {
    synchronized (OUT) {
      System.out.println(event);
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
}
