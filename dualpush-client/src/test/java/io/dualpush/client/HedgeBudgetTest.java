package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HedgeBudget")
class HedgeBudgetTest {
  @Test
  @DisplayName("starts with its burst saved, then earns one hedge per 1/budget reads, never more than the burst")
  void earnsAndCaps() {
    HedgeBudget budget = new HedgeBudget(HedgeOptions.builder().budget(0.1).burst(3).build());
    int first = 0;
    while (budget.tryHedge()) {
      first++;
    }
    assertThat(first).isEqualTo(3);
    for (int i = 0; i < 9; i++) {
      budget.onRead();
    }
    assertThat(budget.tryHedge()).isFalse();
    budget.onRead();
    assertThat(budget.tryHedge()).isTrue();
    for (int i = 0; i < 1000; i++) {
      budget.onRead();
    }
    int saved = 0;
    while (budget.tryHedge()) {
      saved++;
    }
    assertThat(saved).isEqualTo(3);
  }

  @Test
  @DisplayName("never hedges when disabled")
  void disabled() {
    HedgeBudget budget = new HedgeBudget(HedgeOptions.disabled());
    for (int i = 0; i < 100; i++) {
      budget.onRead();
    }
    assertThat(HedgeOptions.disabled().enabled()).isFalse();
    assertThat(budget.tryHedge()).isFalse();
  }
}
