package io.dualpush.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("DedupeOutcome")
class DedupeOutcomeTest {
  private final DedupeOutcome outcome = new DedupeOutcome("txn-1a-00ff-3", "q83vEjRWeJCrze8SNFZ4kA==", 42);

  @Nested
  @DisplayName("encoding")
  class Encoding {
    @Test
    @DisplayName("is pinned: v1|txn|md5|size")
    void pinned() {
      assertThat(outcome.encode()).isEqualTo("v1|txn-1a-00ff-3|q83vEjRWeJCrze8SNFZ4kA==|42");
    }

    @Test
    @DisplayName("reads back what it wrote")
    void roundTrip() {
      assertThat(DedupeOutcome.decode(outcome.encode())).contains(outcome);
    }

    @Test
    @DisplayName("reads the form engines wrote before it: txn|md5|size")
    void legacy() {
      assertThat(DedupeOutcome.decode("txn-1a-00ff-3|q83vEjRWeJCrze8SNFZ4kA==|42")).contains(outcome);
    }

    @Test
    @DisplayName("reads nothing from strings it did not write")
    void foreign() {
      assertThat(DedupeOutcome.decode("")).isEmpty();
      assertThat(DedupeOutcome.decode("some id")).isEmpty();
      assertThat(DedupeOutcome.decode("txn|md5|not a number")).isEmpty();
      assertThat(DedupeOutcome.decode("v2|txn|md5|1")).isEmpty();
      assertThat(DedupeOutcome.decode("txn|md5|-1")).isEmpty();
    }
  }

  @Test
  @DisplayName("refuses fields that would break the encoding")
  void refusesSeparator() {
    assertThatThrownBy(() -> new DedupeOutcome("a|b", "m", 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DedupeOutcome("a", "m", -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a duplicate claim carries it, and pushOutcome reads it back")
  void claimCarriesIt() {
    assertThat(DedupeClaim.duplicate(outcome).pushOutcome()).contains(outcome);
    assertThat(DedupeClaim.claimed().pushOutcome()).isEmpty();
  }
}
