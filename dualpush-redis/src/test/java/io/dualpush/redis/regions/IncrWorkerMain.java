package io.dualpush.redis.regions;

import io.dualpush.Message;
import io.dualpush.MessageContext;
import io.dualpush.MessageProcessor;
import io.dualpush.ProcessResult;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.RedisDedupeStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A worker process for {@link ExactlyOnceCrashIT}'s Redis variant: processes messages {@code m0..m(N-1)} in batches
 * through {@link MessageProcessor#processAll} on a Redis dedupe store, whose side effect is an {@code INCR} of the
 * message's counter key {@code <effects>:count:<id>} in the same redis-server, in a key space of its own (the dedupe
 * store's keys are under its own prefix).
 *
 * <p>The side effect alone is not idempotent, and the dedupe store cannot make it so: a worker killed after the
 * {@code INCR} and before the batch is marked done leaves the message to be handled again once its claim runs out.
 * So the handler does what {@link io.dualpush.MessageHandler}'s Javadoc asks: the first delivery increments the counter
 * and writes the message's marker {@code <effects>:done:<id>} in one script (both or neither, whatever instant the
 * kill comes at); a redelivered message runs a script that increments only when the marker is absent. Two commands
 * ({@code SET NX} of the marker, then {@code INCR}) would not do: a kill between them leaves the marker without the
 * increment, and the redelivery then skips it.
 *
 * <p>Arguments: redis host:port, dedupe key prefix, message directory, effects key prefix, N, claim TTL in ms, seed,
 * batch size, and the pause in µs per message processed, taken after each batch (0 for none).
 */
public final class IncrWorkerMain {
  /** KEYS: marker, counter. The first delivery: both written, atomically. */
  private static final String MARK_AND_INCR = """
      redis.call('SET', KEYS[1], '1')
      return redis.call('INCR', KEYS[2])
      """;
  /** KEYS: marker, counter. A redelivery: incremented only when no earlier attempt did. */
  private static final String INCR_ONCE = """
      if redis.call('SET', KEYS[1], '1', 'NX') then
        return redis.call('INCR', KEYS[2])
      end
      return 0
      """;

  private IncrWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String[] hostPort = args[0].split(":");
    RedisClient client = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
    RedisDedupeStore dedupe = RedisDedupeStore.builder().client(client).keyPrefix(args[1]).build();
    MessageProcessor processor = MessageProcessor.builder().dedupeStore(dedupe)
        .messageStore(new FileSystemDestination(Path.of(args[2]))).claimTtl(Duration.ofMillis(Long.parseLong(args[5])))
        .build();
    String effects = args[3];
    int n = Integer.parseInt(args[4]);
    int batchSize = Integer.parseInt(args[7]);
    long pauseMicrosPerMessage = args.length > 8 ? Long.parseLong(args[8]) : 0;
    List<String> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pending.add("m" + i);
    }
    Collections.shuffle(pending, new Random(Long.parseLong(args[6])));
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      System.out.println("STARTED");
      System.out.flush();
      while (!pending.isEmpty()) {
        List<String> again = new ArrayList<>();
        for (int from = 0; from < pending.size(); from += batchSize) {
          List<Message> batch = new ArrayList<>(batchSize);
          for (String id : pending.subList(from, Math.min(from + batchSize, pending.size()))) {
            batch.add(new Message(id, ("payload of " + id).getBytes(StandardCharsets.UTF_8)));
          }
          int processed = 0;
          for (ProcessResult r : processor.processAll(batch, ctx -> incr(redis, effects, ctx))) {
            if (r.status() == ProcessResult.Status.IN_PROGRESS_ELSEWHERE) {
              again.add(r.messageId());
            }
            processed += r.status() == ProcessResult.Status.PROCESSED ? 1 : 0;
          }
          if (processed > 0 && pauseMicrosPerMessage > 0) {
            // Paced, so that the test's kills land while there is work left.
            Thread.sleep(processed * pauseMicrosPerMessage / 1000);
          }
        }
        pending = again;
        if (!pending.isEmpty()) {
          Thread.sleep(50);
        }
      }
    }
    System.out.println("DONE");
    System.out.flush();
    dedupe.close();
    client.shutdown();
  }

  private static String incr(RedisCommands<String, String> redis, String effects, MessageContext ctx) {
    String[] keys = {effects + ":done:" + ctx.messageId(), effects + ":count:" + ctx.messageId()};
    Long count = redis.eval(ctx.redelivered() ? INCR_ONCE : MARK_AND_INCR, ScriptOutputType.INTEGER, keys);
    return "count=" + count;
  }
}
