package io.dualpush.redis.regions;

import io.dualpush.MessageProcessor;
import io.dualpush.ProcessResult;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A worker process for {@link ExactlyOnceCrashIT}: processes messages {@code m0..m(N-1)} through a {@link
 * MessageProcessor} on a Redis dedupe store, whose side effect is appending the id as a line to a shared file. The
 * handler is written the way the processor's Javadoc asks: on a redelivered message it checks the file first.
 *
 * <p>Arguments: redis host:port (or {@code file:<log dir>} for the embedded dedupe store of a file log), key prefix,
 * message directory, effects file, N, claim TTL in ms, seed.
 */
public final class ProcessWorkerMain {
  private ProcessWorkerMain() {}

  public static void main(String[] args) throws Exception {
    RedisClient client = null;
    AutoCloseable closeStore;
    AutoCloseable closeLog = () -> { };
    io.dualpush.spi.DedupeStore store;
    if (args[0].startsWith("file:")) {
      // The embedded store: a file log's dedupe journal, one worker.
      io.dualpush.local.FileTransactionLog log = io.dualpush.local.FileTransactionLog.open(Path.of(args[0].substring(5)));
      io.dualpush.local.FileDedupeStore file = io.dualpush.local.FileDedupeStore.open(log, Duration.ofDays(1),
          java.time.Clock.systemUTC());
      store = file;
      closeStore = file;
      closeLog = log;
    } else {
      String[] hostPort = args[0].split(":");
      client = RedisClient.create(RedisURI.Builder.redis(hostPort[0], Integer.parseInt(hostPort[1])).build());
      RedisDedupeStore redis = RedisDedupeStore.builder().client(client).keyPrefix(args[1]).build();
      store = redis;
      closeStore = redis;
    }
    MessageProcessor processor = MessageProcessor.builder().dedupeStore(store)
        .messageStore(new FileSystemDestination(Path.of(args[2]))).claimTtl(Duration.ofMillis(Long.parseLong(args[5])))
        .build();
    Path effects = Path.of(args[3]);
    int n = Integer.parseInt(args[4]);
    List<String> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pending.add("m" + i);
    }
    Collections.shuffle(pending, new Random(Long.parseLong(args[6])));
    System.out.println("STARTED");
    System.out.flush();
    try (FileChannel out = FileChannel.open(effects, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      while (!pending.isEmpty()) {
        List<String> again = new ArrayList<>();
        for (String id : pending) {
          ProcessResult r = processor.process(id, ("payload of " + id).getBytes(StandardCharsets.UTF_8), ctx -> {
            String line = ctx.messageId() + "\n";
            if (ctx.redelivered() && contains(effects, line)) {
              return "already";
            }
            // One write of a short line to a file opened for appending: whole or not at all, whatever kills us.
            out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            return "appended";
          });
          if (r.status() == ProcessResult.Status.IN_PROGRESS_ELSEWHERE) {
            again.add(id);
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
    closeStore.close();
    closeLog.close();
    if (client != null) {
      client.shutdown();
    }
  }

  private static boolean contains(Path effects, String line) throws java.io.IOException {
    String all = "\n" + Files.readString(effects, StandardCharsets.UTF_8);
    return all.contains("\n" + line);
  }
}
