package io.dualpush.testkit;

import io.dualpush.local.InProcessLeaseStore;
import io.dualpush.spi.LeaseStore;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;

@DisplayName("InProcessLeaseStore keeps the lease store contract")
class InProcessLeaseStoreContractTest extends LeaseStoreContract {
  private final ManualClock clock = new ManualClock();

  @Override
  protected LeaseStore createStore() {
    return new InProcessLeaseStore(clock);
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
