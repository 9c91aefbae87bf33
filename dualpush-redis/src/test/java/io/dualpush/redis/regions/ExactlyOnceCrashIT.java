package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.testkit.RedisExtension;
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
 * (a line appended to a shared file) and are SIGKILLed at random instants and restarted; at the end every message's
 * side effect happened exactly once. Messages: {@code -Ddualpush.crash.messages} (20,000); kills: {@code
 * -Ddualpush.crash.kills} (25).
 */
@DisplayName("Exactly-once processing across SIGKILLed worker processes")
class ExactlyOnceCrashIT {
  private static final int MESSAGES = Integer.getInteger("dualpush.crash.messages", 20_000);
  private static final int KILLS = Integer.getInteger("dualpush.crash.kills", 25);
  private static final int WORKERS = 3;
  private static final long CLAIM_TTL_MS = 3_000;

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
    Random random = new Random(Long.getLong("dualpush.crash.seed", System.nanoTime()));
    List<ChildJvm> workers = new ArrayList<>();
    int started = 0;
    try {
      for (int w = 0; w < workerCount; w++) {
        workers.add(start(started++, prefix, messages, effects));
      }
      int kills = 0;
      while (kills < KILLS) {
        Thread.sleep(150 + random.nextInt(400));
        int victim = random.nextInt(workerCount);
        ChildJvm child = workers.get(victim);
        if (!child.isAlive()) {
          continue;
        }
        child.kill();
        kills++;
        workers.set(victim, start(started++, prefix, messages, effects));
      }
      for (ChildJvm child : workers) {
        child.await(0, "DONE", Duration.ofMinutes(10));
      }
    } finally {
      for (ChildJvm child : workers) {
        child.close();
      }
    }
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

  private ChildJvm start(int n, String prefix, Path messages, Path effects) throws Exception {
    ChildJvm child = ChildJvm.start("worker-" + n, ProcessWorkerMain.class, dir, List.of(store,
        prefix, messages.toString(), effects.toString(), String.valueOf(MESSAGES), String.valueOf(CLAIM_TTL_MS),
        String.valueOf(n)));
    child.await(0, "STARTED", Duration.ofMinutes(1));
    return child;
  }
}
