package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.PushCounts;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RecentCounters")
class RecentCountersTest {
  private static final long T0 = 1_800_000_000_000L;

  @Test
  @DisplayName("a bucket reused when its second comes round again forgets what it counted a minute before")
  void reusedBucketIsReset() {
    RecentCounters c = new RecentCounters();
    c.add(RecentCounters.PUSHES, T0);
    c.add(RecentCounters.PUSHES, T0 + 60_000); // the same bucket of seconds, a minute later

    assertThat(c.read(T0 + 60_000).lastMinute()).isEqualTo(new PushCounts(1, 0, 0, 0, 0));
    assertThat(c.read(T0 + 60_000).lastHour()).isEqualTo(new PushCounts(2, 0, 0, 0, 0));
  }

  @Test
  @DisplayName("the minute covers the current second and the 59 before it; the hour the current minute and 59 more")
  void windowEdges() {
    RecentCounters c = new RecentCounters();
    c.add(RecentCounters.FAILED, T0);

    assertThat(c.read(T0 + 59_999).lastMinute().failed()).isEqualTo(1);
    assertThat(c.read(T0 + 60_000).lastMinute().failed()).isZero();
    assertThat(c.read(T0 + 59 * 60_000L).lastHour().failed()).isEqualTo(1);
    assertThat(c.read(T0 + 60 * 60_000L).lastHour().failed()).isZero();
  }

  @Test
  @DisplayName("counts each kind on its own")
  void kinds() {
    RecentCounters c = new RecentCounters();
    int[] kinds = {RecentCounters.PUSHES, RecentCounters.VERIFIED, RecentCounters.PARTIAL, RecentCounters.FAILED,
        RecentCounters.DEAD_LETTERED};
    for (int k = 0; k < kinds.length; k++) {
      for (int n = 0; n <= k; n++) {
        c.add(kinds[k], T0 + n * 1000L);
      }
    }

    assertThat(c.read(T0 + 10_000).lastMinute()).isEqualTo(new PushCounts(1, 2, 3, 4, 5));
  }
}
