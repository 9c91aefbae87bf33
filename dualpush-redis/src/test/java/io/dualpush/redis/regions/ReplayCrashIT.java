package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.MessageHandlerException;
import io.dualpush.MessageProcessor;
import io.dualpush.ReplayBacklog;
import io.dualpush.Replayer;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Messages arrive while the downstream is down (their handler fails, their write-ahead copies stay); a dry run counts
 * the backlog; a replayer process then replays it and is SIGKILLed at random instants and restarted. Every message's
 * side effect happens exactly once, the replay processes exactly the backlog the dry run counted, and no restarted
 * replayer starts before the checkpoint its predecessor saved. Messages: {@code -Ddualpush.replay.messages} (3,000);
 * kills: {@code -Ddualpush.replay.kills} (10). The replayer is held to a rate at which the kills land mid-replay.
 */
@DisplayName("Replay after an outage, with the replayer process SIGKILLed and restarted")
class ReplayCrashIT {
  private static final int MESSAGES = Integer.getInteger("dualpush.replay.messages", 3_000);
  private static final int KILLS = Integer.getInteger("dualpush.replay.kills", 10);
  private static final long CLAIM_TTL_MS = 2_000;
  /**
   * Messages a second the replayer is held to: the backlog takes about one second per kill to replay, twice the
   * longest a life lasts between kills, so that every kill lands mid-replay.
   */
  private static final double RATE = (MESSAGES - (MESSAGES + 2) / 3) / (double) KILLS;

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension("replay");

  @TempDir
  Path dir;

  private static byte[] payload(String id) {
    return ("payload of " + id + " ").repeat(1 + Math.floorMod(id.hashCode(), 20)).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("every message through exactly once; the dry run's backlog is what the replay processes; no resume goes back")
  void replayUnderKills() throws Exception {
    String prefix = "r" + UUID.randomUUID().toString().substring(0, 8);
    Path messages = Files.createDirectories(dir.resolve("messages"));
    Path effects = Files.createFile(dir.resolve("effects.txt"));
    RedisClient client = RedisClient.create(RedisURI.Builder.redis(REDIS.host(), REDIS.port()).build());
    long backlogBytes = 0;
    ReplayBacklog before;
    try (RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build();
         FileChannel out = FileChannel.open(effects, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      MessageProcessor processor = MessageProcessor.builder().dedupeStore(store)
          .messageStore(new FileSystemDestination(messages)).build();
      // The outage: two messages in three arrive while the downstream is down.
      for (int i = 0; i < MESSAGES; i++) {
        String id = "m" + i;
        boolean down = i % 3 != 0;
        try {
          processor.process(id, payload(id), down ? ctx -> {
            throw new java.io.IOException("downstream down");
          } : ReplayWorkerMain.appendTo(effects, out));
        } catch (MessageHandlerException expected) {
          backlogBytes += payload(id).length;
        }
      }
      before = Replayer.messages(processor, ctx -> "unused").name("crash").build().dryRun();
    }

    int expectedBacklog = MESSAGES - (MESSAGES + 2) / 3;
    assertThat(before.count()).isEqualTo(expectedBacklog);
    assertThat(before.bytes()).isEqualTo(backlogBytes);
    assertThat(before.alreadyDone()).isEqualTo(MESSAGES - expectedBacklog);

    Random random = new Random(Long.getLong("dualpush.crash.seed", System.nanoTime()));
    List<String> resumes = new ArrayList<>();
    ChildJvm child = null;
    int started = 0;
    int kills = 0;
    try {
      child = start(started++, prefix, messages, effects, resumes);
      while (kills < KILLS && child.isAlive() && child.lines(0, l -> l.is("DONE")).isEmpty()) {
        Thread.sleep(150 + random.nextInt(350));
        if (!child.lines(0, l -> l.is("DONE")).isEmpty()) {
          break;
        }
        child.kill();
        kills++;
        child = start(started++, prefix, messages, effects, resumes);
      }
      child.await(0, "DONE", Duration.ofMinutes(5));
    } finally {
      if (child != null) {
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
    // No restarted replayer started before the checkpoint its predecessor saved.
    String last = null;
    for (String resume : resumes) {
      if (last != null) {
        assertThat(resume).as("a restart dropped the checkpoint %s", last).isNotEqualTo("-");
        assertThat(resume.compareTo(last)).as("a restart went back from %s to %s", last, resume)
            .isGreaterThanOrEqualTo(0);
      }
      last = resume.equals("-") ? last : resume;
    }
    assertThat(kills).as("SIGKILLs while the replay ran").isEqualTo(KILLS);
    assertThat(resumes.stream().filter(r -> !r.equals("-")).count()).as("restarts that resumed from a checkpoint")
        .isPositive();
    try (RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build()) {
      MessageProcessor processor = MessageProcessor.builder().dedupeStore(store)
          .messageStore(new FileSystemDestination(messages)).build();
      assertThat(Replayer.messages(processor, ctx -> "unused").name("after").build().dryRun().count()).isZero();
    } finally {
      client.shutdown();
    }
    System.out.println("FIGURE replay: backlog " + before.count() + " messages (" + before.bytes() + " bytes) of "
        + MESSAGES + ", " + kills + " SIGKILLs of the replayer, " + resumes.stream().filter(r -> !r.equals("-"))
        .count() + " restarts from a checkpoint; every side effect exactly once");
  }

  private ChildJvm start(int n, String prefix, Path messages, Path effects, List<String> resumes) throws Exception {
    ChildJvm child = ChildJvm.start("replayer-" + n, ReplayWorkerMain.class, dir, List.of(REDIS.host() + ":"
        + REDIS.port(), prefix, messages.toString(), effects.toString(), String.valueOf(CLAIM_TTL_MS), "20",
        String.valueOf(RATE)));
    ChildJvm.Line line = child.await(0, "RESUME", Duration.ofMinutes(1));
    resumes.add(line.text().substring("RESUME ".length()).trim());
    return child;
  }
}
