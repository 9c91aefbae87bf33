package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DestinationException;
import io.dualpush.spi.LeaseStore;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("InMemoryLeaseStore keeps the lease store contract")
class InMemoryLeaseStoreTest extends LeaseStoreContract {
  private final ManualClock clock = new ManualClock();

  @Override
  protected LeaseStore createStore() {
    return new InMemoryLeaseStore(clock);
  }

  @Override
  protected void advance(Duration d) {
    clock.advance(d);
  }

  @Override
  protected boolean canJumpClock() {
    return true;
  }

  private InMemoryLeaseStore fake() {
    return (InMemoryLeaseStore) store;
  }

  @Nested
  @DisplayName("when unavailable")
  class Unavailable {
    @Test
    @DisplayName("every call fails with a transient DestinationException, and works again once available")
    void everyCallFails() {
      var lease = store.acquire(name(), "a", ttl()).orElseThrow();
      fake().setUnavailable(true);
      assertThat(fake().isUnavailable()).isTrue();
      assertThatThrownBy(() -> store.acquire(name(), "b", ttl()))
          .isInstanceOfSatisfying(DestinationException.class, e -> assertThat(e.isTransient()).isTrue());
      assertThatThrownBy(() -> store.renew(lease, ttl())).isInstanceOf(DestinationException.class);
      assertThatThrownBy(() -> store.release(lease)).isInstanceOf(DestinationException.class);
      assertThatThrownBy(() -> store.current(name())).isInstanceOf(DestinationException.class);
      fake().setUnavailable(false);
      assertThat(store.current(name())).hasValue(lease);
    }
  }
}
