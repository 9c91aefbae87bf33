package io.dualpush.samples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.DualPushEvent;
import io.dualpush.DualPushEvent.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("TransactionFeed")
class TransactionFeedTest {
  private final List<Map<String, Object>> published = new ArrayList<>();
  private final TransactionFeed feed = new TransactionFeed(List.of("primary", "secondary"), (key, item) -> published.add(item));

  private static DualPushEvent event(Type type, String tx, String destination, String detail) {
    return new DualPushEvent(type, tx, "k/" + tx, destination, 10, Duration.ZERO, detail);
  }

  @Test
  @DisplayName("a push refused for a down destination shows PARTIALLY_COMPLETED, then VERIFIED once repair verified the copy")
  void partialThenRepaired() {
    feed.onEvent(event(Type.PUSH_STARTED, "t1", "", ""));
    feed.onEvent(event(Type.COPY_WRITTEN, "t1", "primary", ""));
    feed.onEvent(event(Type.COPY_VERIFIED, "t1", "primary", ""));
    feed.onEvent(event(Type.COPY_FAILED, "t1", "secondary", "transient: unreachable"));
    feed.onEvent(event(Type.PUSH_NOT_ACKNOWLEDGED, "t1", "", "primary=VERIFIED, secondary=FAILED"));
    Map<String, Object> item = feed.page(10, Optional.empty()).items().get(0);
    assertThat(item.get("state")).isEqualTo("PARTIALLY_COMPLETED");
    assertThat(item.get("destinations")).isEqualTo(Map.of("primary", "VERIFIED", "secondary", "FAILED"));

    feed.onEvent(event(Type.REPAIR_STARTED, "t1", "", "round 1"));
    feed.onEvent(event(Type.COPY_WRITTEN, "t1", "secondary", ""));
    feed.onEvent(event(Type.COPY_VERIFIED, "t1", "secondary", ""));
    feed.onEvent(event(Type.REPAIR_FINISHED, "t1", "", "COMPLETED"));
    item = feed.page(10, Optional.empty()).items().get(0);
    assertThat(item.get("state")).isEqualTo("VERIFIED");
    assertThat(published).isNotEmpty();
    assertThat(published.get(published.size() - 1)).containsEntry("type", "transaction").containsEntry("state", "VERIFIED");
    assertThat(published.get(0).get("destinations")).as("the start and the copies written or verified are not messages of"
        + " their own: the first is the failed copy").isEqualTo(Map.of("primary", "VERIFIED", "secondary", "FAILED"));
  }

  @Test
  @DisplayName("pages run newest first and the cursor continues where the last page ended")
  void pages() {
    for (int i = 1; i <= 5; i++) {
      feed.onEvent(event(Type.PUSH_STARTED, "t" + i, "", ""));
    }
    TransactionFeed.Page first = feed.page(2, Optional.empty());
    assertThat(first.items()).extracting(m -> m.get("transactionId")).containsExactly("t5", "t4");
    TransactionFeed.Page second = feed.page(2, first.next());
    assertThat(second.items()).extracting(m -> m.get("transactionId")).containsExactly("t3", "t2");
    TransactionFeed.Page last = feed.page(2, second.next());
    assertThat(last.items()).extracting(m -> m.get("transactionId")).containsExactly("t1");
    assertThat(last.next()).isEmpty();
  }
}
