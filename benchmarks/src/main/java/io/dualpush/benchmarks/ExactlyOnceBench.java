package io.dualpush.benchmarks;

import io.dualpush.Message;
import io.dualpush.MessageHandler;
import io.dualpush.MessageProcessor;
import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.RedisClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages processed exactly once per second through {@link MessageProcessor}, one thread, against the same
 * processor with no dedupe (write-ahead copy and handler only) and against the handler alone, in the same run, the
 * sides taking turns round by round (the first side rotating). The handler's side effect is cheap on purpose
 * (a counter and a sum of payload sizes), so that what is measured is what exactly-once adds: claims and marks in the
 * dedupe store, and the write-ahead copy.
 *
 * <p>The message store is a {@link FileSystemDestination} in a directory of its own per side and round, under
 * {@code --dir} (each copy written to a temporary file, fsynced, renamed, the directory fsynced). Redis is a local
 * redis-server started by the testkit's {@link RedisServerProcess} (no persistence); the embedded store is a {@link
 * FileDedupeStore} over a {@link FileTransactionLog} in the same directory. Every message has a new id. Payloads are
 * 256 bytes.
 */
final class ExactlyOnceBench {
  static final String REDIS_BATCHED = "(a) Redis dedupe, processAll batches of %d";
  static final String REDIS_BATCHED_SINGLE_MARK = "(a) Redis dedupe, processAll batches of %d, markDone one by one";
  static final String REDIS_SINGLE = "(a) Redis dedupe, process one by one";
  static final String FILE = "(b) embedded file dedupe store, process one by one";
  static final String FILE_BATCHED = "(b) embedded file dedupe store, processAll batches of %d";
  static final String NO_DEDUPE = "(c) no dedupe: write-ahead copy + handler";
  static final String HANDLER = "(d) handler alone";
  private static final int PAYLOAD = 256;

  private final int messages;
  private final int warmup;
  private final int rounds;
  private final int batch;
  private final Path dir;
  private final boolean inMemory;
  private final List<String> sides;

  /** One round of one side. */
  record Round(String side, int round, long messages, double seconds) {
    double perSecond() {
      return messages / seconds;
    }
  }

  ExactlyOnceBench(int messages, int warmup, int rounds, int batch, Path dir, boolean inMemory) {
    this.inMemory = inMemory;
    this.messages = messages;
    this.warmup = warmup;
    this.rounds = rounds;
    this.batch = batch;
    this.dir = dir;
    this.sides = List.of(String.format(Locale.ROOT, REDIS_BATCHED, batch),
        String.format(Locale.ROOT, REDIS_BATCHED_SINGLE_MARK, batch), REDIS_SINGLE, FILE,
        String.format(Locale.ROOT, FILE_BATCHED, batch), NO_DEDUPE, HANDLER);
  }

  List<String> sides() {
    return sides;
  }

  List<Round> run() throws Exception {
    List<Round> results = new ArrayList<>();
    Files.createDirectories(dir);
    try (RedisServerProcess server = RedisServerProcess.builder("exactly-once-bench").build()) {
      server.start();
      RedisClient redis = RedisClient.create(server.uri());
      try {
        for (int r = 1; r <= rounds; r++) {
          for (int i = 0; i < sides.size(); i++) {
            String side = sides.get((i + r - 1) % sides.size());
            Round round = round(redis, side, r);
            results.add(round);
            System.out.printf(Locale.ROOT, "  round %d %s: %,.0f messages/s%n", r, side, round.perSecond());
          }
        }
      } finally {
        redis.shutdown();
      }
    }
    return results;
  }

  private Round round(RedisClient redis, String side, int number) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    Path work = Files.createDirectories(dir.resolve("r" + number + "-" + run));
    AtomicLong effects = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    MessageHandler handler = ctx -> {
      effects.incrementAndGet();
      bytes.addAndGet(ctx.size());
      return "ok";
    };
    byte[] template = new byte[PAYLOAD];
    new java.util.Random(7).nextBytes(template);
    if (side.equals(HANDLER)) {
      // The handler's work alone: no processor, so no context either; the same two counters.
      for (int n = 0; n < warmup; n++) {
        effects.incrementAndGet();
        bytes.addAndGet(payload(template, n).length);
      }
      long t0 = System.nanoTime();
      for (int n = warmup; n < warmup + messages; n++) {
        effects.incrementAndGet();
        bytes.addAndGet(payload(template, n).length);
      }
      return new Round(side, number, messages, (System.nanoTime() - t0) / 1e9);
    }
    List<AutoCloseable> toClose = new ArrayList<>();
    try {
      DedupeStore store;
      boolean batched = side.contains("processAll");
      if (side.startsWith("(a)")) {
        RedisDedupeStore r = RedisDedupeStore.builder().client(redis).keyPrefix("bench-" + run).build();
        toClose.add(r);
        store = side.contains("markDone one by one") ? new MarkOneByOne(r) : r;
      } else if (side.startsWith("(b)")) {
        FileTransactionLog log = FileTransactionLog.open(Files.createDirectories(work.resolve("log")));
        FileDedupeStore file = FileDedupeStore.open(log, Duration.ofDays(1), Clock.systemUTC());
        toClose.add(log);
        toClose.add(file);
        store = file;
      } else {
        store = new NoDedupe();
      }
      // The testkit's in-memory store (--store memory) leaves only what exactly-once itself costs to measure.
      io.dualpush.spi.Destination copies = inMemory ? new io.dualpush.testkit.InMemoryDestination("messages")
          : new FileSystemDestination(Files.createDirectories(work.resolve("messages")));
      MessageProcessor processor = MessageProcessor.builder().dedupeStore(store).messageStore(copies).build();
      drive(processor, handler, template, run, 0, warmup, batched);
      long t0 = System.nanoTime();
      drive(processor, handler, template, run, warmup, warmup + messages, batched);
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (effects.get() != warmup + messages) {
        throw new IllegalStateException(side + ": the handler ran " + effects.get() + " times for "
            + (warmup + messages) + " messages");
      }
      return new Round(side, number, messages, seconds);
    } finally {
      for (int i = toClose.size() - 1; i >= 0; i--) {
        toClose.get(i).close();
      }
    }
  }

  private void drive(MessageProcessor processor, MessageHandler handler, byte[] template, String run, int from, int to,
      boolean batched) {
    if (!batched) {
      for (int n = from; n < to; n++) {
        processor.process(run + "-" + n, payload(template, n), handler);
      }
      return;
    }
    List<Message> messages = new ArrayList<>(batch);
    for (int n = from; n < to; n++) {
      messages.add(new Message(run + "-" + n, payload(template, n)));
      if (messages.size() == batch || n == to - 1) {
        processor.processAll(messages, handler);
        messages.clear();
      }
    }
  }

  /** A distinct payload per message: the template with the message's number in its first bytes. */
  private static byte[] payload(byte[] template, int n) {
    byte[] b = template.clone();
    byte[] number = Integer.toString(n).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(number, 0, b, 0, number.length);
    return b;
  }

  /** Every claim wins and nothing is remembered: the processor's other steps, with no dedupe. */
  private static final class NoDedupe implements DedupeStore {
    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      return DedupeClaim.claimed();
    }

    @Override
    public void markDone(String messageId, String outcome, Duration ttl) {}

    @Override
    public void release(String messageId) {}
  }

  /** Claims in batches through the Redis store, marks one id per round trip (DedupeStore's default markDoneAll). */
  private static final class MarkOneByOne implements DedupeStore {
    private final DedupeStore inner;

    MarkOneByOne(DedupeStore inner) {
      this.inner = inner;
    }

    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      return inner.claim(messageId, claimTtl);
    }

    @Override
    public Map<String, DedupeClaim> claimAll(Collection<String> messageIds, Duration claimTtl) {
      return inner.claimAll(messageIds, claimTtl);
    }

    @Override
    public void markDone(String messageId, String outcome, Duration ttl) {
      inner.markDone(messageId, outcome, ttl);
    }

    @Override
    public void release(String messageId) {
      inner.release(messageId);
    }
  }

  /** The sides' medians, and each against (c) and (d). */
  void print(List<Round> results) {
    System.out.println();
    System.out.println("| side | rounds | messages/s: median (min–max) | / (c) no dedupe | / (d) handler alone |");
    System.out.println("|---|---:|---:|---:|---:|");
    double c = median(results, NO_DEDUPE);
    double d = median(results, HANDLER);
    for (String side : sides) {
      double[] rate = rates(results, side);
      if (rate.length == 0) {
        continue;
      }
      double m = rate[rate.length / 2];
      // Against the handler alone the ratio is tiny: shown as 1/N, N how many times slower.
      System.out.printf(Locale.ROOT, "| %s | %d | %,.0f (%,.0f–%,.0f) | %.2f | %s |%n", side, rate.length, m, rate[0],
          rate[rate.length - 1], m / c, m >= d ? String.format(Locale.ROOT, "%.2f", m / d)
              : String.format(Locale.ROOT, "1/%,.0f", d / m));
    }
  }

  private static double[] rates(List<Round> results, String side) {
    return results.stream().filter(r -> r.side().equals(side)).mapToDouble(Round::perSecond).sorted().toArray();
  }

  private static double median(List<Round> results, String side) {
    double[] rate = rates(results, side);
    return rate.length == 0 ? Double.NaN : rate[rate.length / 2];
  }
}
