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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("MessageProcessor")
class MessageProcessorTest {
  private static final byte[] BODY = "order 42: 3 widgets".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;

  private InProcessDedupeStore dedupe;
  private FileSystemDestination messages;
  private MessageProcessor processor;
  private final List<String> effects = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    dedupe = new InProcessDedupeStore(Clock.systemUTC());
    messages = new FileSystemDestination(Files.createDirectories(dir.resolve("messages")));
    processor = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages).build();
  }

  private String effect(MessageContext ctx) {
    effects.add(ctx.messageId());
    return "ref-" + ctx.messageId();
  }

  @Nested
  @DisplayName("processes a message once")
  class Once {
    @Test
    @DisplayName("runs the handler, marks the id done, and answers a duplicate with the earlier result")
    void processedThenDuplicate() {
      ProcessResult first = processor.process("m-1", BODY, MessageProcessorTest.this::effect);
      ProcessResult again = processor.process("m-1", BODY, MessageProcessorTest.this::effect);

      assertThat(first.status()).isEqualTo(ProcessResult.Status.PROCESSED);
      assertThat(first.resultReference()).hasValue("ref-m-1");
      assertThat(again.status()).isEqualTo(ProcessResult.Status.DUPLICATE);
      assertThat(again.resultReference()).hasValue("ref-m-1");
      assertThat(effects).containsExactly("m-1");
    }

    @Test
    @DisplayName("stores the write-ahead copy before the handler runs")
    void copyBeforeHandler() {
      processor.process("m-2", BODY, ctx -> {
        assertThat(messages.get(ctx.copyKey())).isPresent();
        assertThat(Files.exists(messages.pathOf(ctx.copyKey()))).isTrue();
        assertThat(ctx.redelivered()).isFalse();
        assertThat(ctx.payload()).isEqualTo(BODY);
        return "ok";
      });
      assertThat(MessageProcessor.copyKey("m-2")).startsWith("messages/").hasSize("messages/".length() + 3 + 64);
    }

    @Test
    @DisplayName("reports a message claimed by a live worker elsewhere as in progress, without running the handler")
    void inProgressElsewhere() {
      assertThat(dedupe.claim("m-3", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      ProcessResult result = processor.process("m-3", BODY, MessageProcessorTest.this::effect);
      assertThat(result.status()).isEqualTo(ProcessResult.Status.IN_PROGRESS_ELSEWHERE);
      assertThat(result.resultReference()).isEmpty();
      assertThat(effects).isEmpty();
    }
  }

  @Nested
  @DisplayName("when an attempt fails")
  class Failures {
    @Test
    @DisplayName("gives the claim back when the handler throws, and the retry is flagged redelivered")
    void handlerThrows() {
      AtomicInteger calls = new AtomicInteger();
      assertThatThrownBy(() -> processor.process("m-4", BODY, ctx -> {
        calls.incrementAndGet();
        throw new IllegalStateException("downstream is down");
      })).isInstanceOf(MessageHandlerException.class).hasRootCauseMessage("downstream is down")
          .hasMessageContaining("m-4");

      List<Boolean> redelivered = new ArrayList<>();
      ProcessResult retry = processor.process("m-4", BODY, ctx -> {
        redelivered.add(ctx.redelivered());
        return "done";
      });
      assertThat(retry.status()).isEqualTo(ProcessResult.Status.PROCESSED);
      assertThat(redelivered).containsExactly(true);
      assertThat(calls).hasValue(1);
    }

    @Test
    @DisplayName("handles a message again once a dead worker's claim has run out, flagged redelivered")
    void deadWorkersClaimRunsOut() throws Exception {
      MessageProcessor shortClaims = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
          .claimTtl(Duration.ofMillis(50)).build();
      // A worker stored the copy, then died holding the claim (it never gave it back).
      assertThatThrownBy(() -> shortClaims.process("m-5", BODY, ctx -> {
        throw new IllegalStateException("first attempt");
      })).isInstanceOf(MessageHandlerException.class);
      assertThat(dedupe.claim("m-5", Duration.ofMillis(50)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      List<Boolean> redelivered = new java.util.concurrent.CopyOnWriteArrayList<>();
      MessageHandler handler = ctx -> {
        redelivered.add(ctx.redelivered());
        return "second";
      };
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() ->
          shortClaims.process("m-5", BODY, handler).status() == ProcessResult.Status.PROCESSED);
      assertThat(redelivered).containsExactly(true);
      ProcessResult duplicate = processor.process("m-5", BODY, handler);
      assertThat(duplicate.status()).isEqualTo(ProcessResult.Status.DUPLICATE);
      assertThat(duplicate.resultReference()).hasValue("second");
      assertThat(redelivered).hasSize(1);
    }

    @Test
    @DisplayName("refuses an id used before for another payload, naming the field, and processes nothing")
    void idReused() {
      processor.process("m-6", BODY, MessageProcessorTest.this::effect);
      DedupeStore fresh = new InProcessDedupeStore(Clock.systemUTC());
      MessageProcessor other = MessageProcessor.builder().dedupeStore(fresh).messageStore(messages).build();
      assertThatThrownBy(() -> other.process("m-6", "something else".getBytes(StandardCharsets.UTF_8),
          MessageProcessorTest.this::effect))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("used before for another payload")
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("messageId"));
      assertThat(effects).containsExactly("m-6");
      assertThat(fresh.claim("m-6", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
    }

    @Test
    @DisplayName("refuses a null result reference and gives the claim back")
    void nullReference() {
      assertThatThrownBy(() -> processor.process("m-7", BODY, ctx -> null))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("returned null");
      assertThat(processor.process("m-7", BODY, ctx -> "x").status()).isEqualTo(ProcessResult.Status.PROCESSED);
    }
  }

  @Nested
  @DisplayName("with a coordinator")
  class Coordinated {
    @Test
    @DisplayName("refuses to process on a standby before claiming or storing anything, and fences the active's handler")
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
        assertThatThrownBy(() -> onStandby.process("m-8", BODY, MessageProcessorTest.this::effect))
            .isInstanceOf(NotActiveException.class);
        assertThat(messages.head(MessageProcessor.copyKey("m-8"))).isEmpty();
        assertThat(dedupe.claim("m-8", Duration.ofMinutes(1)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
        dedupe.release("m-8");

        MessageProcessor onActive = MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
            .coordinator(active).build();
        onActive.process("m-8", BODY, ctx -> {
          assertThat(ctx.fencingToken()).isEqualTo(active.fencingToken());
          return "fenced";
        });
      }
    }
  }

  @Nested
  @DisplayName("its configuration")
  class Configuration {
    @Test
    @DisplayName("is refused when the dedupe TTL is shorter than the replay horizon, saying why")
    void ttlShorterThanHorizon() {
      assertThatThrownBy(() -> MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages)
          .dedupeTtl(Duration.ofDays(1)).replayHorizon(Duration.ofDays(3)).build())
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("re-run messages whose ids were already forgotten")
          .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("dedupeTtl"));
      MessageProcessor.builder().dedupeStore(dedupe).messageStore(messages).dedupeTtl(Duration.ofDays(3))
          .replayHorizon(Duration.ofDays(3)).build();
    }

    @Test
    @DisplayName("needs both stores, and refuses bad ids naming the field")
    void required() {
      assertThatThrownBy(() -> MessageProcessor.builder().messageStore(messages).build())
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("dedupeStore");
      assertThatThrownBy(() -> MessageProcessor.builder().dedupeStore(dedupe).build())
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("messageStore");
      assertThatThrownBy(() -> processor.process(" ", BODY, MessageProcessorTest.this::effect))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("'messageId'");
      assertThatThrownBy(() -> processor.process("x".repeat(513), BODY, MessageProcessorTest.this::effect))
          .isInstanceOf(InvalidInputException.class);
    }
  }
}
