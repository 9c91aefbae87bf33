package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.Destination;
import io.dualpush.spi.ObjectInfo;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("InMemoryDestination keeps the destination contract, fencing included")
class InMemoryDestinationTest extends FencingDestinationContract {
  @Override
  protected Destination createDestination() {
    return new InMemoryDestination("contract", new ManualClock());
  }

  @Test
  @DisplayName("keys are listed by UTF-8 bytes: a character above U+FFFF after one just below it")
  void supplementaryCharactersAfterHighBmp() {
    destination.put(write("x-\uD83D\uDE00.bin", bytes("emoji")));
    destination.put(write("x-\uFF5A.bin", bytes("fullwidth z")));
    destination.put(write("x-a.bin", bytes("a")));
    assertThat(destination.list("x-", null, 10).stream().map(ObjectInfo::key).toList())
        .containsExactly("x-a.bin", "x-\uFF5A.bin", "x-\uD83D\uDE00.bin");
  }
}
