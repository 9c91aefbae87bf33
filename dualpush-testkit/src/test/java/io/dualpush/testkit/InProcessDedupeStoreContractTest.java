package io.dualpush.testkit;

import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.DedupeStore;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;

@DisplayName("InProcessDedupeStore keeps the dedupe store contract")
class InProcessDedupeStoreContractTest extends DedupeStoreContract {
  private final ManualClock clock = new ManualClock();

  @Override
  protected DedupeStore createStore() {
    return new InProcessDedupeStore(clock);
  }

  @Override
  protected void advance(Duration d) {
    clock.advance(d);
  }

  @Override
  protected boolean canJumpClock() {
    return true;
  }
}
