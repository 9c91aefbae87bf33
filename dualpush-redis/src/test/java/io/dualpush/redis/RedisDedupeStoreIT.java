package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DedupeStateLostException;
import io.dualpush.DestinationException;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeClaim.Status;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What RedisDedupeStore adds to the contract, against a real redis-server without persistence. */
@DisplayName("RedisDedupeStore on a real redis-server")
class RedisDedupeStoreIT {
  private static final Duration TTL = Duration.ofSeconds(30);
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("dedupe-it"));
  static TestRedis redis;

  @BeforeAll
  static void connect() {
    redis = TestRedis.connect(server);
  }

  @AfterAll
  static void disconnect() {
    redis.close();
  }

  private static String id(String name) {
    return name + "-" + UUID.randomUUID();
  }

  private static void flushAll() {
    try (StatefulRedisConnection<String, String> c = Objects.requireNonNull(redis.client()).connect()) {
      c.sync().flushall();
    }
  }

  @Nested
  @DisplayName("claimAll")
  class ClaimAll {
    @Test
    @DisplayName("answers new, in-progress and done ids as single claims would, in the given order, an id given twice once")
    void mixed() {
      try (RedisDedupeStore store = redis.dedupe().build()) {
        String fresh = id("fresh");
        String busy = id("busy");
        String done = id("done");
        store.claim(busy, TTL);
        store.claim(done, TTL);
        store.markDone(done, "txn-1", TTL);

        Map<String, DedupeClaim> answers = store.claimAll(List.of(fresh, busy, done, fresh), TTL);

        assertThat(answers.keySet()).containsExactly(fresh, busy, done);
        assertThat(answers.get(fresh)).isEqualTo(DedupeClaim.claimed());
        assertThat(answers.get(busy)).isEqualTo(DedupeClaim.inProgress());
        assertThat(answers.get(done)).isEqualTo(DedupeClaim.duplicate("txn-1"));
        assertThat(store.claim(fresh, TTL)).isEqualTo(DedupeClaim.inProgress());
      }
    }

    @Test
    @DisplayName("1,000 ids in one call are each claimed once, and a second call finds them all in progress")
    void thousand() {
      try (RedisDedupeStore store = redis.dedupe().build()) {
        List<String> ids = IntStream.range(0, 1000).mapToObj(i -> id("batch" + i)).toList();
        assertThat(store.claimAll(ids, TTL).values()).hasSize(1000).allMatch(c -> c.status() == Status.CLAIMED);
        assertThat(store.claimAll(ids, TTL).values()).allMatch(c -> c.status() == Status.IN_PROGRESS);
      }
    }
  }

  @Nested
  @DisplayName("markDoneAll")
  class MarkDoneAll {
    @Test
    @DisplayName("marks every claimed id of a batch done with its own outcome, as markDone one by one would")
    void batch() {
      try (RedisDedupeStore store = redis.dedupe().build()) {
        List<String> ids = IntStream.range(0, 500).mapToObj(i -> id("done" + i)).toList();
        store.claimAll(ids, TTL);
        Map<String, String> outcomes = new java.util.LinkedHashMap<>();
        for (String id : ids) {
          outcomes.put(id, "ref|" + id);
        }

        store.markDoneAll(outcomes, TTL);

        Map<String, DedupeClaim> again = store.claimAll(ids, TTL);
        for (String id : ids) {
          assertThat(again.get(id)).isEqualTo(DedupeClaim.duplicate("ref|" + id));
        }
        store.markDoneAll(Map.of(), TTL);
      }
    }
  }

  @Nested
  @DisplayName("when Redis loses its data")
  class StateLoss {
    @Test
    @DisplayName("after a restart without persistence a claim throws DedupeStateLostException until acknowledgeStateLoss")
    void restart() throws Exception {
      try (RedisDedupeStore store = redis.dedupe().build()) {
        String processed = id("processed");
        store.claim(processed, TTL);
        store.markDone(processed, "txn-1", TTL);

        server.restart();

        assertThatThrownBy(() -> store.claim(processed, TTL))
            .isInstanceOfSatisfying(DedupeStateLostException.class, e -> {
              assertThat(e.getMessage()).contains("lost the message ids").contains("acknowledgeStateLoss()")
                  .contains("appendonly yes").contains("noeviction");
              assertThat(e.store()).isEqualTo(store.describe());
            });
        assertThatThrownBy(() -> store.claimAll(List.of(id("other"), processed), TTL))
            .isInstanceOf(DedupeStateLostException.class);
        assertThatThrownBy(() -> store.claim(processed, TTL)).as("still refused: nothing was acknowledged")
            .isInstanceOf(DedupeStateLostException.class);

        store.acknowledgeStateLoss();

        assertThat(store.claim(processed, TTL)).as("the id really was forgotten").isEqualTo(DedupeClaim.claimed());
      }
    }

    @Test
    @DisplayName("after a FLUSHALL a peek is refused as a claim is, instead of calling every id free; after the acknowledgment it answers again")
    void peekAfterLoss() {
      try (RedisDedupeStore a = redis.dedupe().build(); RedisDedupeStore b = redis.dedupe().build()) {
        String processed = id("processed");
        a.claim(processed, TTL);
        a.markDone(processed, "txn-1", TTL);
        assertThat(a.peek(processed)).contains(DedupeClaim.duplicate("txn-1"));
        flushAll();
        assertThatThrownBy(() -> a.peek(processed)).isInstanceOf(DedupeStateLostException.class);
        b.acknowledgeStateLoss();
        assertThat(a.peek(processed)).as("the other store's acknowledgment is adopted; the id was forgotten").isEmpty();
        assertThat(a.claim(processed, TTL)).isEqualTo(DedupeClaim.claimed());
      }
    }

    @Test
    @DisplayName("a FLUSHALL is reported the same way, to every store sharing the prefix, and one acknowledgment serves all")
    void flush() {
      try (RedisDedupeStore a = redis.dedupe().build(); RedisDedupeStore b = redis.dedupe().build()) {
        flushAll();
        assertThatThrownBy(() -> a.claim(id("x"), TTL)).isInstanceOf(DedupeStateLostException.class);
        assertThatThrownBy(() -> b.claim(id("x"), TTL)).isInstanceOf(DedupeStateLostException.class);
        b.acknowledgeStateLoss();
        assertThat(a.claim(id("x"), TTL)).isEqualTo(DedupeClaim.claimed());
      }
    }

    @Test
    @DisplayName("a store opened on the emptied server does not hide the loss from the stores already running; an acknowledgment is adopted by all")
    void newStoreAfterLoss() {
      String processed = id("processed");
      try (RedisDedupeStore running = redis.dedupe().build()) {
        assertThat(running.claim(processed, TTL)).isEqualTo(DedupeClaim.claimed());
        running.markDone(processed, "txn-1", TTL);
        flushAll();
        try (RedisDedupeStore late = redis.dedupe().build()) {
          // The late store cannot know the server was emptied (nothing is left to tell it): it writes new markers.
          assertThat(late.claim(id("new"), TTL)).isEqualTo(DedupeClaim.claimed());
          assertThatThrownBy(() -> running.claim(processed, TTL))
              .as("the running store's ids were lost: it must not answer CLAIMED for an id it pushed")
              .isInstanceOfSatisfying(DedupeStateLostException.class,
                  e -> assertThat(e.getMessage()).contains("written again since this store opened"));
          assertThatThrownBy(() -> running.claimAll(java.util.List.of(processed, id("y")), TTL))
              .isInstanceOf(DedupeStateLostException.class);
          running.acknowledgeStateLoss();
          assertThat(running.claim(id("after-ack"), TTL)).isEqualTo(DedupeClaim.claimed());
          assertThat(late.claimAll(java.util.List.of(id("a"), id("b")), TTL).values())
              .as("the late store adopts the acknowledgment")
              .containsOnly(DedupeClaim.claimed());
          assertThat(late.claim(id("c"), TTL)).isEqualTo(DedupeClaim.claimed());
        }
      }
    }

    @Test
    @DisplayName("a new store on an empty server writes the markers, unless requireExistingState is set")
    void emptyServer() {
      flushAll();
      assertThatThrownBy(() -> redis.dedupe().requireExistingState(true).build())
          .isInstanceOf(DedupeStateLostException.class);
      try (RedisDedupeStore store = redis.dedupe().build()) {
        assertThat(store.claim(id("x"), TTL)).isEqualTo(DedupeClaim.claimed());
      }
      try (RedisDedupeStore strict = redis.dedupe().requireExistingState(true).build()) {
        assertThat(strict.claim(id("x"), TTL)).isEqualTo(DedupeClaim.claimed());
      }
    }
  }

  @Nested
  @DisplayName("a server that stops answering")
  class Outage {
    @Test
    @DisplayName("stopped: claims fail with a transient DestinationException keeping the cause, and work once Redis is back")
    void stopped() throws Exception {
      try (RedisDedupeStore store = redis.dedupe().timeout(Duration.ofSeconds(2)).build()) {
        server.stop();
        assertThatThrownBy(() -> store.claimAll(List.of(id("a"), id("b")), TTL))
            .isInstanceOfSatisfying(DestinationException.class, e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.getCause()).isNotNull();
              assertThat(e.getMessage()).contains("redis-dedupe:dualpush");
            });
        server.start();
        // Without persistence the restarted server lost the markers: reported, not treated as all-new.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(DestinationException.class)
            .untilAsserted(() -> assertThatThrownBy(() -> store.claim(id("c"), TTL))
                .isInstanceOf(DedupeStateLostException.class));
        store.acknowledgeStateLoss();
      }
    }

    @Test
    @DisplayName("paused (SIGSTOP): a claim fails after the timeout instead of hanging")
    void paused() {
      try (RedisDedupeStore store = redis.dedupe().timeout(Duration.ofSeconds(2)).build()) {
        server.pause();
        try {
          assertThatThrownBy(() -> store.claim(id("a"), TTL))
              .isInstanceOfSatisfying(DestinationException.class,
                  e -> assertThat(e.getMessage()).contains("did not answer dedupe claim").contains("PT2S"));
        } finally {
          server.resume();
        }
      }
    }
  }
}
