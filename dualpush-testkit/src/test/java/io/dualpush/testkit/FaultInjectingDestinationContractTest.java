package io.dualpush.testkit;

import io.dualpush.spi.Destination;
import org.junit.jupiter.api.DisplayName;

@DisplayName("FaultInjectingDestination with no faults keeps the contract of what it wraps")
class FaultInjectingDestinationContractTest extends FencingDestinationContract {
  @Override
  protected Destination createDestination() {
    return FaultInjectingDestination.wrap(new InMemoryDestination("wrapped", new ManualClock()));
  }
}
