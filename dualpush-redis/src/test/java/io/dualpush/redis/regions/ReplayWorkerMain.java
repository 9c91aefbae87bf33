package io.dualpush.redis.regions;

import io.dualpush.MessageHandler;
import io.dualpush.MessageProcessor;
import io.dualpush.ReplayReport;
import io.dualpush.Replayer;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.redis.RedisDedupeStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A replayer process for {@link ReplayCrashIT}: replays the stored messages of a message directory through a {@link
 * MessageProcessor} on a Redis dedupe store, side effect a line appended to a shared file (checked first on a
 * redelivered message, as the processor's Javadoc asks), until a pass completes. Prints {@code RESUME <key>} (the
 * checkpoint it starts after, {@code -} for none) and {@code DONE}.
 *
 * <p>Arguments: redis host:port, key prefix, message directory, effects file, claim TTL in ms, checkpoint every,
 * messages per second.
 */
public final class ReplayWorkerMain {
  private ReplayWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String[] hostPort = args[0].split(":");
    RedisClient client = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
    try (RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(args[1]).build()) {
      MessageProcessor processor = MessageProcessor.builder().dedupeStore(store)
          .messageStore(new FileSystemDestination(Path.of(args[2])))
          .claimTtl(Duration.ofMillis(Long.parseLong(args[4]))).build();
      Path effects = Path.of(args[3]);
      try (FileChannel out = FileChannel.open(effects, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
        Replayer replayer = Replayer.messages(processor, appendTo(effects, out)).name("crash")
            .checkpointEvery(Integer.parseInt(args[5])).pageSize(64).rateLimit(Double.parseDouble(args[6])).build();
        Replayer.Checkpoint at = replayer.checkpoint().orElse(null);
        System.out.println("RESUME " + (at == null || at.complete() ? "-" : at.lastKey().orElse("-")));
        System.out.flush();
        while (true) {
          ReplayReport report = replayer.run();
          if (report.complete()) {
            break;
          }
          // Claims a killed predecessor held run out after the claim TTL; then they are ours to replay.
          Thread.sleep(200);
        }
      }
    } finally {
      client.shutdown();
    }
    System.out.println("DONE");
    System.out.flush();
  }

  /** The side effect: the id as one line appended to the shared file, unless a redelivered message's is there. */
  static MessageHandler appendTo(Path effects, FileChannel out) {
    return ctx -> {
      String line = ctx.messageId() + "\n";
      if (ctx.redelivered() && ("\n" + Files.readString(effects, StandardCharsets.UTF_8)).contains("\n" + line)) {
        return "already";
      }
      // One write of a short line to a file opened for appending: whole or not at all, whatever kills us.
      out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
      return "appended";
    };
  }
}
