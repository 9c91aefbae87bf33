package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Replayer")
class ReplayerTest {
  @TempDir
  Path dir;

  private InProcessDedupeStore dedupe;
  private FileSystemDestination messages;
  private MessageProcessor processor;
  /** The downstream the handler feeds: id → how many times its side effect ran. */
  private final Map<String, Integer> effects = new HashMap<>();
  private final AtomicBoolean downstreamDown = new AtomicBoolean();

  @BeforeEach
  void setUp() throws Exception {
    dedupe = new InProcessDedupeStore(Clock.systemUTC());
    messages = new FileSystemDestination(Files.createDirectories(dir.resolve("messages")));
    processor = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages).build();
  }

  private synchronized String handle(MessageContext ctx) {
    if (downstreamDown.get()) {
      throw new IllegalStateException("downstream is down");
    }
    effects.merge(ctx.messageId(), 1, Integer::sum);
    return "ref-" + ctx.messageId();
  }

  private static byte[] body(String id) {
    return ("message " + id + " ").repeat(1 + Math.floorMod(id.hashCode(), 7)).getBytes(StandardCharsets.UTF_8);
  }

  /** Processes {@code ids}; returns how many failed (their copies stay for a replay). */
  private int arrive(List<String> ids) {
    int failed = 0;
    for (String id : ids) {
      try {
        processor.process(id, body(id), this::handle);
      } catch (MessageHandlerException e) {
        failed++;
      }
    }
    return failed;
  }

  private static List<String> ids(String prefix, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  @Nested
  @DisplayName("after an outage")
  class AfterOutage {
    @Test
    @DisplayName("the dry run counts exactly what the replay then processes, and every message is handled once")
    void dryRunEqualsReplay() {
      arrive(ids("before-", 60));
      downstreamDown.set(true);
      assertThat(arrive(ids("during-", 140))).isEqualTo(140);
      downstreamDown.set(false);
      Replayer replayer = Replayer.messages(processor, ReplayerTest.this::handle).checkpointEvery(7).pageSize(16)
          .build();
      long expectedBytes = ids("during-", 140).stream().mapToLong(id -> body(id).length).sum();

      ReplayBacklog backlog = replayer.dryRun();
      assertThat(effects).hasSize(60);
      ReplayReport report = replayer.run();

      assertThat(backlog.count()).isEqualTo(140);
      assertThat(backlog.bytes()).isEqualTo(expectedBytes);
      assertThat(backlog.alreadyDone()).isEqualTo(60);
      assertThat(backlog.oldest()).isPresent();
      assertThat(report.processed()).isEqualTo(backlog.count());
      assertThat(report.bytes()).isEqualTo(backlog.bytes());
      assertThat(report.alreadyDone()).isEqualTo(60);
      assertThat(report.failed()).isZero();
      assertThat(report.complete()).isTrue();
      assertThat(effects).hasSize(200).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
      assertThat(replayer.dryRun().count()).isZero();
    }

    @Test
    @DisplayName("a second run starts a new pass and handles nothing twice")
    void secondRun() {
      downstreamDown.set(true);
      arrive(ids("m-", 30));
      downstreamDown.set(false);
      Replayer replayer = Replayer.messages(processor, ReplayerTest.this::handle).build();
      replayer.run();

      ReplayReport again = replayer.run();

      assertThat(again.processed()).isZero();
      assertThat(again.alreadyDone()).isEqualTo(30);
      assertThat(effects.values()).hasSize(30).containsOnly(1);
    }

    @Test
    @DisplayName("a message that fails again is counted with its cause, and the checkpoint stays before it")
    void failureHoldsCheckpoint() {
      downstreamDown.set(true);
      arrive(ids("m-", 40));
      downstreamDown.set(false);
      String bad = "m-17";
      AtomicBoolean stillBad = new AtomicBoolean(true);
      MessageHandler handler = ctx -> {
        if (ctx.messageId().equals(bad) && stillBad.get()) {
          throw new java.io.IOException("downstream refused " + bad);
        }
        return handle(ctx);
      };
      Replayer replayer = Replayer.messages(processor, handler).checkpointEvery(1).build();

      ReplayReport first = replayer.run();

      assertThat(first.failed()).isEqualTo(1);
      assertThat(first.processed()).isEqualTo(39);
      assertThat(first.complete()).isFalse();
      assertThat(first.firstFailure()).get().isInstanceOf(MessageHandlerException.class)
          .extracting(Throwable::getCause).asString().contains("downstream refused m-17");
      String badKey = MessageProcessor.copyKey(bad);
      assertThat(first.checkpoint()).hasValueSatisfying(k -> assertThat(k).isLessThan(badKey));
      assertThat(replayer.checkpoint()).get().extracting(Replayer.Checkpoint::complete).isEqualTo(false);

      stillBad.set(false);
      ReplayBacklog backlog = replayer.dryRun();
      ReplayReport second = replayer.run();

      assertThat(backlog.count()).isEqualTo(1);
      assertThat(backlog.resumesAfter()).isEqualTo(first.checkpoint());
      assertThat(second.processed()).isEqualTo(1);
      assertThat(second.complete()).isTrue();
      assertThat(effects).hasSize(40).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }
  }

  @Nested
  @DisplayName("checkpoints")
  class Checkpoints {
    /** Stands for the replayer's process dying: not caught by the processor or the replayer. */
    final class Halt extends Error {
      Halt() {
        super("halted");
      }
    }

    @Test
    @DisplayName("a replayer stopped mid-pass continues after its saved checkpoint, neither skipping nor repeating")
    void resumes() {
      downstreamDown.set(true);
      arrive(ids("m-", 120));
      downstreamDown.set(false);
      AtomicInteger budget = new AtomicInteger(50);
      List<String> handledKeys = new ArrayList<>();
      MessageHandler dying = ctx -> {
        if (budget.getAndDecrement() <= 0) {
          throw new Halt();
        }
        handledKeys.add(ctx.copyKey());
        return handle(ctx);
      };
      Replayer first = Replayer.messages(processor, dying).name("orders").checkpointEvery(8).pageSize(10).build();
      assertThatThrownBy(first::run).isInstanceOf(Halt.class);
      Replayer.Checkpoint saved = first.checkpoint().orElseThrow();
      assertThat(saved.complete()).isFalse();
      // Saved every 8 acknowledged copies: 48 of the 50 handled are behind it.
      assertThat(saved.lastKey()).hasValue(handledKeys.get(47));

      budget.set(Integer.MAX_VALUE);
      handledKeys.clear();
      Replayer second = Replayer.messages(processor, dying).name("orders").checkpointEvery(8).pageSize(10).build();
      assertThat(second.dryRun().resumesAfter()).isEqualTo(saved.lastKey());
      ReplayReport report = second.run();

      assertThat(handledKeys).allSatisfy(k -> assertThat(k).isGreaterThan(saved.lastKey().orElseThrow()));
      assertThat(report.processed()).isEqualTo(70);
      assertThat(report.alreadyDone()).isEqualTo(2);
      assertThat(report.complete()).isTrue();
      assertThat(effects).hasSize(120).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
      assertThat(second.checkpoint().orElseThrow().pass()).isEqualTo(saved.pass());
    }

    @Test
    @DisplayName("replays of different names keep their own checkpoints, and a reset starts a new pass")
    void namesAndReset() {
      downstreamDown.set(true);
      arrive(ids("m-", 10));
      downstreamDown.set(false);
      Replayer a = Replayer.messages(processor, ReplayerTest.this::handle).name("a").build();
      Replayer b = Replayer.messages(processor, ReplayerTest.this::handle).name("b").build();
      a.run();
      assertThat(a.checkpoint()).get().extracting(Replayer.Checkpoint::complete).isEqualTo(true);
      assertThat(b.checkpoint()).isEmpty();
      a.resetCheckpoint();
      assertThat(a.checkpoint()).isEmpty();
      // Checkpoints are not messages: a replay never mistakes one for a copy.
      assertThat(a.dryRun().unreadable()).isZero();
    }

    @Test
    @DisplayName("a damaged checkpoint is refused naming it, and a reset recovers")
    void damaged() {
      messages.put(text(Replayer.CHECKPOINT_PREFIX + "x", "pass=1\n"));
      Replayer x = Replayer.messages(processor, ReplayerTest.this::handle).name("x").build();
      assertThatThrownBy(x::run).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("replay-checkpoints/x").hasMessageContaining("damaged")
          .hasMessageContaining("resetCheckpoint()");
      x.resetCheckpoint();
      assertThat(x.run().complete()).isTrue();
    }
  }

  @Nested
  @DisplayName("filters")
  class Filters {
    @Test
    @DisplayName("takes only message ids with the prefix, of the dataset, in the time range")
    void filters() throws Exception {
      downstreamDown.set(true);
      arrive(ids("eu-", 10));
      arrive(ids("us-", 10));
      MessageProcessor other = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
          .dataset("invoices").build();
      for (String id : ids("inv-", 5)) {
        assertThatThrownBy(() -> other.process(id, body(id), ReplayerTest.this::handle))
            .isInstanceOf(MessageHandlerException.class);
      }
      downstreamDown.set(false);

      ReplayFilter eu = ReplayFilter.builder().keyPrefix("eu-").build();
      assertThat(Replayer.messages(processor, ReplayerTest.this::handle).filter(eu).build().dryRun().count())
          .isEqualTo(10);
      ReplayFilter invoices = ReplayFilter.builder().dataset("invoices").build();
      assertThat(Replayer.messages(processor, ReplayerTest.this::handle).filter(invoices).build().dryRun().count())
          .isEqualTo(5);
      ReplayFilter past = ReplayFilter.builder().until(Instant.now().minus(Duration.ofHours(1))).build();
      assertThat(Replayer.messages(processor, ReplayerTest.this::handle).filter(past).build().dryRun().count())
          .isZero();

      ReplayReport report = Replayer.messages(processor, ReplayerTest.this::handle).name("eu").filter(eu).build()
          .run();

      assertThat(report.processed()).isEqualTo(10);
      assertThat(effects.keySet()).allSatisfy(id -> assertThat(id).startsWith("eu-")).hasSize(10);
    }

    @Test
    @DisplayName("refuses to reach back past the replay horizon, and leaves copies older than it alone")
    void horizon() throws Exception {
      MessageProcessor bounded = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
          .dedupeTtl(Duration.ofDays(7)).replayHorizon(Duration.ofDays(2)).build();
      ReplayFilter tooFar = ReplayFilter.builder().since(Instant.now().minus(Duration.ofDays(3))).build();
      assertThatThrownBy(() -> Replayer.messages(bounded, ReplayerTest.this::handle).filter(tooFar).build())
          .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "filter")
          .hasMessageContaining("replay horizon");

      downstreamDown.set(true);
      arrive(ids("m-", 3));
      downstreamDown.set(false);
      Path old = messages.pathOf(MessageProcessor.copyKey("m-0"));
      Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofDays(3))));
      Replayer replayer = Replayer.messages(bounded, ReplayerTest.this::handle).build();

      assertThat(replayer.dryRun().beyondHorizon()).isEqualTo(1);
      ReplayReport report = replayer.run();

      assertThat(report.beyondHorizon()).isEqualTo(1);
      assertThat(report.processed()).isEqualTo(2);
      assertThat(effects).doesNotContainKey("m-0");
    }
  }

  @Test
  @DisplayName("spaces the messages it hands over at the rate limit")
  void rateLimit() {
    downstreamDown.set(true);
    arrive(ids("m-", 11));
    downstreamDown.set(false);
    AtomicLong now = new AtomicLong(1_000_000_000L);
    List<Long> sleeps = new ArrayList<>();
    Replayer replayer = Replayer.messages(processor, this::handle).rateLimit(100)
        .pacing(now::get, nanos -> {
          sleeps.add(nanos);
          now.addAndGet(nanos);
        }).build();

    replayer.run();

    assertThat(sleeps).hasSize(10).containsOnly(10_000_000L);
    assertThatThrownBy(() -> Replayer.messages(processor, this::handle).rateLimit(0))
        .isInstanceOf(InvalidInputException.class).hasFieldOrPropertyWithValue("field", "rateLimit");
  }

  @Test
  @DisplayName("refuses a message store that cannot list, naming the processor")
  void cannotList() {
    Destination opaque = new Destination() {
      @Override
      public PutResult put(WriteRequest request) {
        return messages.put(request);
      }

      @Override
      public Optional<ObjectInfo> head(String key) {
        return messages.head(key);
      }

      @Override
      public Optional<InputStream> get(String key) {
        return messages.get(key);
      }

      @Override
      public boolean delete(String key) {
        return messages.delete(key);
      }

      @Override
      public HealthStatus probe() {
        return messages.probe();
      }

      @Override
      public String describe() {
        return "opaque";
      }
    };
    MessageProcessor p = MessageProcessor.builder().dedupeStore(dedupe).messageStore(opaque).build();
    assertThatThrownBy(() -> Replayer.messages(p, this::handle)).isInstanceOf(InvalidInputException.class)
        .hasFieldOrPropertyWithValue("field", "processor").hasMessageContaining("opaque cannot list");
  }

  @Test
  @DisplayName("passes over a copy that names no message id, and counts it")
  void foreignCopy() {
    messages.put(text(MessageProcessor.COPY_PREFIX + "ab/not-a-message", "hello"));
    ReplayReport report = Replayer.messages(processor, this::handle).build().run();
    assertThat(report.unreadable()).isEqualTo(1);
    assertThat(report.complete()).isTrue();
  }

  private static WriteRequest text(String key, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return new WriteRequest(key, b.length, io.dualpush.spi.Md5.of(b), "text/plain", Map.of(), "t", "d",
        java.util.OptionalLong.empty(), () -> new java.io.ByteArrayInputStream(b));
  }

  @Nested
  @DisplayName("transactions of a log")
  class Transactions {
    @Test
    @DisplayName("re-pushes the open transactions the filter takes; the dry run counts them first")
    void transactions() throws Exception {
      FileSystemDestination primary = new FileSystemDestination(Files.createDirectories(dir.resolve("primary")));
      FlakyDestination dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
      io.dualpush.local.FileTransactionLog log = io.dualpush.local.FileTransactionLog.open(Files.createDirectories(dir.resolve("log")));
      try (DualPushClient client = new DualPushClientBuilder().destination("primary", primary)
          .destination("dr", dr).transactionLog(log)
          .retry(RetryOptions.builder().maxAttempts(1).build())
          .repair(RepairOptions.builder().enabled(false).build()).buildClient()) {
        dr.failPuts.set(true);
        long bytes = 0;
        for (int i = 0; i < 12; i++) {
          byte[] b = body("t" + i);
          String key = (i < 8 ? "gold/" : "silver/") + i;
          try {
            client.push(key, b);
          } catch (PushFailedException expected) {
            // the copy to dr failed; the transaction stays open
          }
          bytes += i < 8 ? b.length : 0;
        }
        dr.failPuts.set(false);
        // The outage opened dr's breaker; the operator who brought dr back closes it (or waits it out).
        client.resetCircuitBreaker("dr");
        Replayer gold = Replayer.transactions(client, log)
            .filter(ReplayFilter.builder().keyPrefix("gold/").build()).build();

        ReplayBacklog backlog = gold.dryRun();
        ReplayReport report = gold.run();

        assertThat(backlog.count()).isEqualTo(8);
        assertThat(backlog.bytes()).isEqualTo(bytes);
        assertThat(report.processed()).isEqualTo(8);
        assertThat(report.failed()).isZero();
        assertThat(dr.head("gold/3")).isPresent();
        assertThat(dr.head("silver/9")).isEmpty();
        assertThat(gold.dryRun().count()).isZero();
        assertThat(Replayer.transactions(client, log).build().dryRun().count()).isEqualTo(4);
      }
    }
  }
}
