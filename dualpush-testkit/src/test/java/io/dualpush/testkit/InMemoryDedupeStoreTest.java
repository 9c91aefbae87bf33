package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DestinationException;
import io.dualpush.spi.DedupeStore;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("InMemoryDedupeStore keeps the dedupe store contract")
class InMemoryDedupeStoreTest extends DedupeStoreContract {
  private final ManualClock clock = new ManualClock();

  @Override
  protected DedupeStore createStore() {
    return new InMemoryDedupeStore(clock);
  }

  @Override
  protected void advance(Duration d) {
    clock.advance(d);
  }

  @Override
  protected boolean canJumpClock() {
    return true;
  }

  private InMemoryDedupeStore fake() {
    return (InMemoryDedupeStore) store;
  }

  @Nested
  @DisplayName("when unavailable")
  class Unavailable {
    @Test
    @DisplayName("every call fails with a transient DestinationException, and works again once available")
    void everyCallFails() {
      String id = messageId("u");
      store.claim(id, claimTtl());
      fake().setUnavailable(true);
      assertThat(fake().isUnavailable()).isTrue();
      assertThatThrownBy(() -> store.claim(id, claimTtl()))
          .isInstanceOfSatisfying(DestinationException.class, e -> assertThat(e.isTransient()).isTrue());
      assertThatThrownBy(() -> store.markDone(id, "o", doneTtl())).isInstanceOf(DestinationException.class);
      assertThatThrownBy(() -> store.release(id)).isInstanceOf(DestinationException.class);
      fake().setUnavailable(false);
      // The failed markDone and release changed nothing: the claim is still in progress.
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(io.dualpush.spi.DedupeClaim.Status.IN_PROGRESS);
    }
  }
}
