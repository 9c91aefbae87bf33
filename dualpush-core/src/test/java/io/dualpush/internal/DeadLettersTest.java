package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DeadLetters")
class DeadLettersTest {
  private final DeadLetters deadLetters = new DeadLetters();

  @Test
  @DisplayName("counts each dead-lettered transaction once, however often it is reported")
  void countsOnce() {
    deadLetters.add("a", "k1");
    deadLetters.add("a", "k1");
    deadLetters.add("b", "k2");

    assertThat(deadLetters.count()).isEqualTo(2);
    assertThat(deadLetters.ids()).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  @DisplayName("a push of a dead-lettered key supersedes its transaction; a push of another key changes nothing")
  void pushSupersedes() {
    deadLetters.add("a", "k");
    deadLetters.pushed("other");
    assertThat(deadLetters.count()).isEqualTo(1);

    deadLetters.pushed("k");

    assertThat(deadLetters.count()).isZero();
    assertThat(deadLetters.ids()).isEmpty();
  }

  @Test
  @DisplayName("a later dead letter of the same key replaces the earlier one")
  void sameKeyReplaces() {
    deadLetters.add("a", "k");
    deadLetters.add("b", "k");

    assertThat(deadLetters.ids()).containsExactly("b");
  }

  @Test
  @DisplayName("a transaction retried or verified leaves the count, once")
  void removed() {
    deadLetters.add("a", "k");
    deadLetters.remove("a");
    deadLetters.remove("a");

    assertThat(deadLetters.count()).isZero();
    deadLetters.pushed("k");
    assertThat(deadLetters.count()).isZero();
  }
}
