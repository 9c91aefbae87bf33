package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.ContentOpener;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("PayloadRetention")
class PayloadRetentionTest {
  private final PayloadRetention retention = new PayloadRetention(100);
  private final ContentOpener opener = () -> new ByteArrayInputStream(new byte[0]);

  @Test
  @DisplayName("keeps payloads within the budget and refuses what would pass it")
  void withinBudget() {
    assertThat(retention.retain("a", opener, 60, false)).isTrue();
    assertThat(retention.retain("b", opener, 60, false)).isFalse();
    assertThat(retention.opener("a")).isPresent();
    assertThat(retention.opener("b")).isEmpty();
    assertThat(retention.usedBytes()).isEqualTo(60);
  }

  @Test
  @DisplayName("forgetting a payload gives its bytes back to the budget, once")
  void forgetFrees() {
    retention.retain("a", opener, 60, false);
    retention.forget("a");
    retention.forget("a");

    assertThat(retention.usedBytes()).isZero();
    assertThat(retention.retain("b", opener, 100, false)).isTrue();
  }

  @Test
  @DisplayName("content with a source file is never kept: repair re-reads the file")
  void filesAreNotKept() {
    assertThat(retention.retain("a", opener, 0, true)).isFalse();
    assertThat(retention.opener("a")).isEmpty();
  }

  @Test
  @DisplayName("keeping the same transaction twice counts its bytes once")
  void retainTwice() {
    retention.retain("a", opener, 40, false);
    retention.retain("a", opener, 40, false);

    assertThat(retention.usedBytes()).isEqualTo(40);
  }
}
