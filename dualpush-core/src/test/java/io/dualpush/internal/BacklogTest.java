package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Backlog")
class BacklogTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final Backlog backlog = new Backlog();

  @Test
  @DisplayName("counts open transactions and the age of the oldest")
  void countsOpen() {
    backlog.opened("a", "k1", T0);
    backlog.opened("b", "k2", T0.plusSeconds(10));

    assertThat(backlog.open()).isEqualTo(2);
    assertThat(backlog.oldestOpenAge(T0.plusSeconds(30))).isEqualTo(Duration.ofSeconds(30));
    backlog.ended("a");
    assertThat(backlog.oldestOpenAge(T0.plusSeconds(30))).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  @DisplayName("a transaction found ended twice is counted once")
  void endedIsIdempotent() {
    backlog.opened("a", "k1", T0);
    backlog.opened("b", "k2", T0);
    backlog.ended("a");
    backlog.ended("a");

    assertThat(backlog.open()).isEqualTo(1);
  }

  @Test
  @DisplayName("a push of a key supersedes the key's earlier transaction, open or dead-lettered")
  void supersedes() {
    backlog.opened("a", "k", T0);
    backlog.opened("b", "k", T0.plusSeconds(1));
    assertThat(backlog.open()).isEqualTo(1);

    backlog.deadLettered("b", "k", T0.plusSeconds(1));
    assertThat(backlog.open()).isZero();
    assertThat(backlog.deadLetteredCount()).isEqualTo(1);
    backlog.opened("c", "k", T0.plusSeconds(2));
    assertThat(backlog.deadLetteredCount()).isZero();
    assertThat(backlog.open()).isEqualTo(1);
  }

  @Test
  @DisplayName("a dead-lettered transaction retried by hand is open again")
  void revived() {
    backlog.opened("a", "k", T0);
    backlog.deadLettered("a", "k", T0);
    assertThat(backlog.deadLetteredIds()).containsExactly("a");

    backlog.revived("a");

    assertThat(backlog.deadLetteredCount()).isZero();
    assertThat(backlog.open()).isEqualTo(1);
    assertThat(backlog.isOpen("a")).isTrue();
  }

  @Test
  @DisplayName("the lag is zero with nothing open, and never negative")
  void lagNeverNegative() {
    assertThat(backlog.oldestOpenAge(T0)).isZero();
    backlog.opened("a", "k", T0.plusSeconds(5));
    assertThat(backlog.oldestOpenAge(T0)).isZero();
  }
}
