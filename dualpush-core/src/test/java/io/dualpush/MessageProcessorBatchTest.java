package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.local.InProcessLeaseStore;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("MessageProcessor.processAll")
class MessageProcessorBatchTest {
  @TempDir
  Path dir;

  private CountingDedupeStore dedupe;
  private FileSystemDestination messages;
  private MessageProcessor processor;
  private final List<String> effects = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    dedupe = new CountingDedupeStore(new InProcessDedupeStore(Clock.systemUTC()));
    messages = new FileSystemDestination(Files.createDirectories(dir.resolve("messages")));
    processor = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages).build();
  }

  private static Message message(String id) {
    return new Message(id, ("body of " + id).getBytes(StandardCharsets.UTF_8));
  }

  private static List<Message> batch(String... ids) {
    List<Message> out = new ArrayList<>();
    for (String id : ids) {
      out.add(message(id));
    }
    return out;
  }

  private String effect(MessageContext ctx) {
    effects.add(ctx.messageId());
    return "ref-" + ctx.messageId();
  }

  private static List<ProcessResult.Status> statuses(List<ProcessResult> results) {
    return results.stream().map(ProcessResult::status).toList();
  }

  @Nested
  @DisplayName("processes a batch once")
  class Once {
    @Test
    @DisplayName("handles every message in input order with one claim call and one mark call for the whole batch")
    void oneRoundTripEach() {
      List<ProcessResult> results = processor.processAll(batch("a", "b", "c"), MessageProcessorBatchTest.this::effect);

      assertThat(results).extracting(ProcessResult::messageId).containsExactly("a", "b", "c");
      assertThat(statuses(results)).containsOnly(ProcessResult.Status.PROCESSED);
      assertThat(results).extracting(r -> r.resultReference().orElseThrow()).containsExactly("ref-a", "ref-b", "ref-c");
      assertThat(effects).containsExactly("a", "b", "c");
      assertThat(dedupe.claimAllCalls).hasValue(1);
      assertThat(dedupe.markDoneAllCalls).hasValue(1);
      assertThat(dedupe.claimCalls).hasValue(0);
      for (String id : List.of("a", "b", "c")) {
        assertThat(messages.head(MessageProcessor.copyKey(id))).as("write-ahead copy of %s", id).isPresent();
      }
    }

    @Test
    @DisplayName("answers a batch processed before with duplicates carrying the earlier references, running nothing")
    void againIsDuplicates() {
      processor.processAll(batch("a", "b"), MessageProcessorBatchTest.this::effect);
      List<ProcessResult> again = processor.processAll(batch("b", "a"), MessageProcessorBatchTest.this::effect);

      assertThat(statuses(again)).containsOnly(ProcessResult.Status.DUPLICATE);
      assertThat(again).extracting(r -> r.resultReference().orElseThrow()).containsExactly("ref-b", "ref-a");
      assertThat(effects).containsExactly("a", "b");
      assertThat(processor.process("a", message("a").payload(), MessageProcessorBatchTest.this::effect).status())
          .isEqualTo(ProcessResult.Status.DUPLICATE);
    }

    @Test
    @DisplayName("handles an id given twice in one batch once, and answers its later occurrence as a duplicate")
    void duplicateInsideBatch() {
      List<ProcessResult> results = processor.processAll(batch("a", "b", "a"), MessageProcessorBatchTest.this::effect);

      assertThat(effects).containsExactly("a", "b");
      assertThat(statuses(results)).containsExactly(ProcessResult.Status.PROCESSED, ProcessResult.Status.PROCESSED,
          ProcessResult.Status.DUPLICATE);
      assertThat(results.get(2).resultReference()).hasValue("ref-a");
    }

    @Test
    @DisplayName("reports done ids as duplicates and ids claimed elsewhere as in progress, handling the rest")
    void mixed() {
      processor.process("done", message("done").payload(), ctx -> "earlier");
      assertThat(dedupe.claim("busy", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);

      List<ProcessResult> results = processor.processAll(batch("new", "done", "busy", "busy"),
          MessageProcessorBatchTest.this::effect);

      assertThat(statuses(results)).containsExactly(ProcessResult.Status.PROCESSED, ProcessResult.Status.DUPLICATE,
          ProcessResult.Status.IN_PROGRESS_ELSEWHERE, ProcessResult.Status.IN_PROGRESS_ELSEWHERE);
      assertThat(results.get(1).resultReference()).hasValue("earlier");
      assertThat(effects).containsExactly("new");
    }

    @Test
    @DisplayName("does nothing for an empty batch, not even a claim")
    void empty() {
      assertThat(processor.processAll(List.of(), MessageProcessorBatchTest.this::effect)).isEmpty();
      assertThat(dedupe.claimAllCalls).hasValue(0);
    }
  }

  @Nested
  @DisplayName("when a message of the batch fails")
  class Failures {
    @Test
    @DisplayName("stops at a throwing handler: earlier messages stay done, the failed and later ones are released")
    void handlerThrowsMidBatch() {
      List<Message> batch = batch("a", "b", "c", "d");
      assertThatThrownBy(() -> processor.processAll(batch, ctx -> {
        if (ctx.messageId().equals("c")) {
          throw new IllegalStateException("downstream is down");
        }
        return effect(ctx);
      })).isInstanceOfSatisfying(BatchHandlerException.class, e -> {
        assertThat(e.messageId()).isEqualTo("c");
        assertThat(e.index()).isEqualTo(2);
        assertThat(e.processedBefore()).isEqualTo(2);
        assertThat(e.completed()).extracting(ProcessResult::messageId).containsExactly("a", "b");
        assertThat(e.getMessage()).contains("'c'").contains("index 2 of a batch of 4").contains("after 2 message(s)")
            .contains("(2 in all)");
        assertThat(e).hasRootCauseMessage("downstream is down");
      });
      assertThat(effects).containsExactly("a", "b");
      assertThat(messages.head(MessageProcessor.copyKey("d"))).as("d was never reached").isEmpty();

      // Retrying the whole batch is safe: a and b are duplicates, c is redelivered, d is handled for the first time.
      List<String> redelivered = new ArrayList<>();
      List<ProcessResult> retry = processor.processAll(batch, ctx -> {
        if (ctx.redelivered()) {
          redelivered.add(ctx.messageId());
        }
        return effect(ctx);
      });
      assertThat(statuses(retry)).containsExactly(ProcessResult.Status.DUPLICATE, ProcessResult.Status.DUPLICATE,
          ProcessResult.Status.PROCESSED, ProcessResult.Status.PROCESSED);
      assertThat(redelivered).containsExactly("c");
      assertThat(effects).containsExactly("a", "b", "c", "d");
    }

    @Test
    @DisplayName("stops at an id used before for another payload, releasing it and the rest, earlier ones done")
    void copyRefusedMidBatch() {
      MessageProcessor other = MessageProcessor.builder().dedupeStore(new InProcessDedupeStore(Clock.systemUTC()))
          .messageStore(messages).build();
      other.process("b", "another payload".getBytes(StandardCharsets.UTF_8), ctx -> "x");

      assertThatThrownBy(() -> processor.processAll(batch("a", "b", "c"), MessageProcessorBatchTest.this::effect))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("used before for another payload");

      assertThat(effects).containsExactly("a");
      assertThat(dedupe.claim("a", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);
      assertThat(dedupe.claim("b", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      assertThat(dedupe.claim("c", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
    }

    @Test
    @DisplayName("refuses a batch holding one id with two payloads, or a null message, before claiming anything")
    void refusedUpFront() {
      List<Message> twoPayloads = List.of(message("a"), new Message("a", new byte[] {1}));
      assertThatThrownBy(() -> processor.processAll(twoPayloads, MessageProcessorBatchTest.this::effect))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.field()).isEqualTo("messages");
            assertThat(e.getMessage()).contains("'a'").contains("index 0 and 1");
          });
      List<Message> withNull = new ArrayList<>(batch("a"));
      withNull.add(null);
      assertThatThrownBy(() -> processor.processAll(withNull, MessageProcessorBatchTest.this::effect))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("index 1");
      assertThatThrownBy(() -> processor.processAll(batch("a", " "), MessageProcessorBatchTest.this::effect))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("'messageId'");
      assertThat(dedupe.claimAllCalls).hasValue(0);
      assertThat(effects).isEmpty();
    }

    @Test
    @DisplayName("keeps its own copy of a message's payload")
    void messageIsImmutable() {
      byte[] bytes = {1, 2, 3};
      Message m = new Message("m", bytes);
      bytes[0] = 9;
      m.payload()[1] = 9;
      assertThat(m.payload()).containsExactly(1, 2, 3);
      assertThat(m).isEqualTo(new Message("m", new byte[] {1, 2, 3}));
    }
  }

  @Nested
  @DisplayName("with a coordinator")
  class Coordinated {
    @Test
    @DisplayName("refuses a batch on a standby before claiming anything, and fences every handler on the active")
    void standbyRefused() throws Exception {
      InProcessLeaseStore leases = new InProcessLeaseStore(Clock.systemUTC());
      try (ActiveRegionCoordinator active = ActiveRegionCoordinator.builder().leaseStore(leases).leaseName("dc")
              .owner("west").build();
           ActiveRegionCoordinator standby = ActiveRegionCoordinator.builder().leaseStore(leases).leaseName("dc")
              .owner("east").build()) {
        active.start();
        assertThat(active.awaitActive(Duration.ofSeconds(10))).isTrue();
        standby.start();
        MessageProcessor onStandby = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
            .coordinator(standby).build();
        assertThatThrownBy(() -> onStandby.processAll(batch("a", "b"), MessageProcessorBatchTest.this::effect))
            .isInstanceOf(NotActiveException.class);
        assertThat(dedupe.claimAllCalls).hasValue(0);

        MessageProcessor onActive = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
            .coordinator(active).build();
        List<Long> tokens = new ArrayList<>();
        onActive.processAll(batch("a", "b"), ctx -> {
          tokens.add(ctx.fencingToken().orElseThrow());
          return "fenced";
        });
        assertThat(tokens).hasSize(2).containsOnly(active.fencingToken().orElseThrow());
      }
    }
  }

  /** Counts the calls that reach the store, to show a batch costs one claim call and one mark call. */
  private static final class CountingDedupeStore implements DedupeStore {
    final DedupeStore inner;
    final AtomicInteger claimCalls = new AtomicInteger();
    final AtomicInteger claimAllCalls = new AtomicInteger();
    final AtomicInteger markDoneAllCalls = new AtomicInteger();

    CountingDedupeStore(DedupeStore inner) {
      this.inner = inner;
    }

    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      claimCalls.incrementAndGet();
      return inner.claim(messageId, claimTtl);
    }

    @Override
    public Map<String, DedupeClaim> claimAll(Collection<String> messageIds, Duration claimTtl) {
      claimAllCalls.incrementAndGet();
      return inner.claimAll(messageIds, claimTtl);
    }

    @Override
    public void markDoneAll(Map<String, String> outcomes, Duration ttl) {
      markDoneAllCalls.incrementAndGet();
      inner.markDoneAll(outcomes, ttl);
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
}
