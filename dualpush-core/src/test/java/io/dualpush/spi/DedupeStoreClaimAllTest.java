package io.dualpush.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.local.InProcessDedupeStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("DedupeStore.claimAll, the default")
class DedupeStoreClaimAllTest {
  private static final Duration TTL = Duration.ofSeconds(30);

  /** Counts single claims, to show the default is one claim per distinct id. */
  private static final class CountingStore implements DedupeStore {
    final InProcessDedupeStore delegate = new InProcessDedupeStore(Clock.systemUTC());
    final List<String> claimed = new ArrayList<>();

    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      claimed.add(messageId);
      return delegate.claim(messageId, claimTtl);
    }

    @Override
    public void markDone(String messageId, String outcome, Duration ttl) {
      delegate.markDone(messageId, outcome, ttl);
    }

    @Override
    public void release(String messageId) {
      delegate.release(messageId);
    }
  }

  @Nested
  @DisplayName("answers")
  class Answers {
    @Test
    @DisplayName("each id gets what a single claim would give, in the order the ids were given")
    void sameAsSingleClaims() {
      CountingStore store = new CountingStore();
      store.claim("busy", TTL);
      store.claim("done", TTL);
      store.markDone("done", "txn-1", TTL);

      Map<String, DedupeClaim> answers = store.claimAll(List.of("new", "busy", "done"), TTL);

      assertThat(answers.keySet()).containsExactly("new", "busy", "done");
      assertThat(answers.get("new")).isEqualTo(DedupeClaim.claimed());
      assertThat(answers.get("busy")).isEqualTo(DedupeClaim.inProgress());
      assertThat(answers.get("done")).isEqualTo(DedupeClaim.duplicate("txn-1"));
    }

    @Test
    @DisplayName("an id given twice is claimed once and answered CLAIMED, not IN_PROGRESS by its own claim")
    void duplicatesInTheInput() {
      CountingStore store = new CountingStore();

      Map<String, DedupeClaim> answers = store.claimAll(List.of("a", "b", "a"), TTL);

      assertThat(answers.keySet()).containsExactly("a", "b");
      assertThat(answers.get("a")).isEqualTo(DedupeClaim.claimed());
      assertThat(store.claimed).containsExactly("a", "b");
    }

    @Test
    @DisplayName("no ids give an empty map")
    void empty() {
      assertThat(new CountingStore().claimAll(List.of(), TTL)).isEmpty();
    }
  }
}
