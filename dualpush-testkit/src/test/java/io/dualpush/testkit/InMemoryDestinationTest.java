package io.dualpush.testkit;

import io.dualpush.spi.Destination;
import org.junit.jupiter.api.DisplayName;

@DisplayName("InMemoryDestination keeps the destination contract, fencing included")
class InMemoryDestinationTest extends FencingDestinationContract {
  @Override
  protected Destination createDestination() {
    return new InMemoryDestination("contract", new ManualClock());
  }
}
