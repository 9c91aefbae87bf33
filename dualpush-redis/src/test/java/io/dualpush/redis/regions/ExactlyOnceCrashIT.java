package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.testkit.RedisExtension;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker JVMs process the same messages through {@code MessageProcessor} on a real redis-server, with a side effect
 * (a line appended to a shared file, or in the second variant an {@code INCR} of a per-id counter in the same
 * redis-server, batches through {@code processAll}) and are SIGKILLed at random instants and restarted; at the end
 * every message's side effect happened exactly once. Messages: {@code -Ddualpush.crash.messages} (20,000); kills:
 * {@code -Ddualpush.crash.kills} (25); the kills' random instants: {@code -Ddualpush.crash.seed}.
 *
 * <p>The dedupe store alone does not make a side effect happen once: a worker killed after its side effect and before
 * the message is marked done leaves the message to be handled again once its claim runs out. Each worker's handler
 * checks its side effect when {@code MessageContext.redelivered()} says an earlier attempt may have done it; a handler
 * that did not would fail these tests: with the INCR handler made to ignore {@code redelivered()} (tried by hand, not
 * kept), the INCR variant failed with 411 of the 20,000 counters at 2 (seed 42).
 */
@DisplayName("Exactly-once processing across SIGKILLed worker processes")
class ExactlyOnceCrashIT {
  private static final int MESSAGES = Integer.getInteger("dualpush.crash.messages", 20_000);
  private static final int KILLS = Integer.getInteger("dualpush.crash.kills", 25);
  private static final int WORKERS = 3;
  private static final long CLAIM_TTL_MS = 3_000;
  /** Messages per processAll in the INCR variant. */
  private static final int BATCH = 50;
  /**
   * The pause of an INCR worker per message it processed (µs): batches are fast, and unpaced the workers would
   * finish before the kills did. Paced so that the messages take about two seconds per kill.
   */
  private static final long PAUSE_MICROS_PER_MESSAGE = (long) KILLS * 2_000_000 * WORKERS / MESSAGES;
  /** A batch's messages are claimed together and marked done together: the claim covers the whole batch. */
  private static final long BATCH_CLAIM_TTL_MS = 5_000;

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension("exactly-once");

  @TempDir
  Path dir;

  private String store;

  @Test
  @DisplayName("every message's side effect happens exactly once, nothing missing, with Redis dedupe and killed workers")
  void exactlyOnceUnderKills() throws Exception {
    run(REDIS.host() + ":" + REDIS.port(), WORKERS);
  }

  @Test
  @DisplayName("the same with the embedded dedupe store of a file log and a single worker killed and restarted")
  void exactlyOnceWithTheEmbeddedStore() throws Exception {
    run("file:" + Files.createDirectories(dir.resolve("log")), 1);
  }

  private void run(String store, int workerCount) throws Exception {
    this.store = store;
    String prefix = "x" + UUID.randomUUID().toString().substring(0, 8);
    Path messages = Files.createDirectories(dir.resolve("messages"));
    Path effects = dir.resolve("effects.txt");
    Files.createFile(effects);
    int started = killAndRestart(workerCount, n -> start(n, prefix, messages, effects));
    Map<String, Integer> counts = new HashMap<>();
    for (String line : Files.readAllLines(effects, StandardCharsets.UTF_8)) {
      counts.merge(line, 1, Integer::sum);
    }
    List<String> missing = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      int c = counts.getOrDefault("m" + i, 0);
      if (c == 0) {
        missing.add("m" + i);
      } else if (c > 1) {
        twice.add("m" + i + " x" + c);
      }
    }
    assertThat(missing).as("messages whose side effect never happened").isEmpty();
    assertThat(twice).as("messages whose side effect happened more than once").isEmpty();
    assertThat(counts).hasSize(MESSAGES);
    System.out.println("FIGURE exactly-once (" + (store.startsWith("file:") ? "file" : "redis") + " dedupe): " + MESSAGES
        + " messages, " + KILLS + " SIGKILLs of " + workerCount + " worker(s), " + started
        + " worker starts; every side effect exactly once");
  }

  @Test
  @DisplayName("every message's INCR in Redis happens exactly once, nothing missing, with batches through processAll")
  void exactlyOnceIncrInBatches() throws Exception {
    String prefix = "x" + UUID.randomUUID().toString().substring(0, 8);
    // The side effect's keys: a key space apart from the dedupe store's, which lives under {prefix:dedupe:...}.
    String effects = "effects-" + prefix;
    Path messages = Files.createDirectories(dir.resolve("messages-incr"));
    int started = killAndRestart(WORKERS, n -> {
      ChildJvm child = ChildJvm.start("incr-worker-" + n, IncrWorkerMain.class, dir, List.of(
          REDIS.host() + ":" + REDIS.port(), prefix, messages.toString(), effects, String.valueOf(MESSAGES),
          String.valueOf(BATCH_CLAIM_TTL_MS), String.valueOf(n), String.valueOf(BATCH),
          String.valueOf(PAUSE_MICROS_PER_MESSAGE)));
      child.await(0, "STARTED", Duration.ofMinutes(1));
      return child;
    });
    RedisClient client = RedisClient.create(RedisURI.Builder.redis(REDIS.host(), REDIS.port()).build());
    List<String> missing = new ArrayList<>();
    List<String> twice = new ArrayList<>();
    long counters;
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      for (int from = 0; from < MESSAGES; from += 1000) {
        String[] keys = new String[Math.min(1000, MESSAGES - from)];
        for (int i = 0; i < keys.length; i++) {
          keys[i] = effects + ":count:m" + (from + i);
        }
        List<KeyValue<String, String>> values = redis.mget(keys);
        for (int i = 0; i < keys.length; i++) {
          String id = "m" + (from + i);
          if (!values.get(i).hasValue()) {
            missing.add(id);
          } else if (!"1".equals(values.get(i).getValue())) {
            twice.add(id + " x" + values.get(i).getValue());
          }
        }
      }
      counters = 0;
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(effects + ":count:*").limit(1000));
        counters += page.getKeys().size();
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
    assertThat(missing).as("messages whose INCR never happened").isEmpty();
    assertThat(twice).as("messages incremented more than once").isEmpty();
    assertThat(counters).as("counter keys, none but the messages'").isEqualTo(MESSAGES);
    System.out.println("FIGURE exactly-once (redis dedupe, INCR side effect, processAll batches of " + BATCH + "): "
        + MESSAGES + " messages, " + KILLS + " SIGKILLs of " + WORKERS + " workers, " + started
        + " worker starts; every counter exactly 1");
  }

  /**
   * Kills a random live worker at random instants {@link #KILLS} times, starting another in its place; returns how
   * many workers were started in all, once every worker has finished.
   */
  private static int killAndRestart(int workerCount, Starter starter) throws Exception {
    Random random = new Random(Long.getLong("dualpush.crash.seed", System.nanoTime()));
    List<ChildJvm> workers = new ArrayList<>();
    int started = 0;
    try {
      for (int w = 0; w < workerCount; w++) {
        workers.add(starter.start(started++));
      }
      int kills = 0;
      while (kills < KILLS) {
        Thread.sleep(150 + random.nextInt(400));
        if (workers.stream().noneMatch(ChildJvm::isAlive)) {
          throw new AssertionError("every worker finished after " + kills + " of " + KILLS + " kills: the work must"
              + " last until the last kill (slow the workers, or give them more messages)");
        }
        int victim = random.nextInt(workerCount);
        ChildJvm child = workers.get(victim);
        if (!child.isAlive()) {
          continue;
        }
        child.kill();
        kills++;
        workers.set(victim, starter.start(started++));
      }
      for (ChildJvm child : workers) {
        child.await(0, "DONE", Duration.ofMinutes(10));
      }
    } finally {
      for (ChildJvm child : workers) {
        child.close();
      }
    }
    return started;
  }

  /** Starts the worker numbered {@code n} (its seed) and waits until it has started. */
  @FunctionalInterface
  private interface Starter {
    ChildJvm start(int n) throws Exception;
  }

  private ChildJvm start(int n, String prefix, Path messages, Path effects) throws Exception {
    ChildJvm child = ChildJvm.start("worker-" + n, ProcessWorkerMain.class, dir, List.of(store,
        prefix, messages.toString(), effects.toString(), String.valueOf(MESSAGES), String.valueOf(CLAIM_TTL_MS),
        String.valueOf(n)));
    child.await(0, "STARTED", Duration.ofMinutes(1));
    return child;
  }
}
