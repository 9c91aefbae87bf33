package io.dualpush.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("AzureBench's figures from separate rounds")
class AzureBenchTest {

  private static AzureBench.Round round(String side, int index, long cpuMicrosPerObject) {
    return new AzureBench.Round(side, 4096, index, 100, 1_000_000_000L, cpuMicrosPerObject * 1000 * 100, 0, 200, 0);
  }

  private static AzureBench.Result result(String side, long... cpuMicrosPerObject) {
    List<AzureBench.Round> rounds = new java.util.ArrayList<>();
    for (int i = 0; i < cpuMicrosPerObject.length; i++) {
      rounds.add(round(side, i, cpuMicrosPerObject[i]));
    }
    long cpu = rounds.stream().mapToLong(AzureBench.Round::clientCpuNanos).sum();
    return new AzureBench.Result(side, 4096, 100L * rounds.size(), 1, 0, 0, cpu, 0, 0, rounds);
  }

  @Nested
  @DisplayName("median")
  class Median {
    @Test
    @DisplayName("takes the middle of an odd count and the mean of the two middles of an even one")
    void middle() {
      assertThat(AzureBench.median(new double[] {5, 1, 3})).isEqualTo(3);
      assertThat(AzureBench.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }

    @Test
    @DisplayName("is not a number when there is no round")
    void none() {
      assertThat(AzureBench.median(new double[0])).isNaN();
    }
  }

  @Nested
  @DisplayName("a side's CPU per object")
  class PerSide {
    @Test
    @DisplayName("is the median of its rounds, so one slow round (JIT, another process) does not move it")
    void medianOfRounds() {
      AzureBench.Result r = result("dualpush", 3000, 9000, 3200);
      assertThat(r.medianClientCpuMicros()).isEqualTo(3200);
      assertThat(r.minClientCpuMicros()).isEqualTo(3000);
      assertThat(r.maxClientCpuMicros()).isEqualTo(9000);
      // the mean over all rounds, as the harness reported before, is pulled up by the slow round
      assertThat(r.clientCpuMicrosPerObject()).isCloseTo(5066.7, within(0.1));
    }
  }

  @Nested
  @DisplayName("CPU by thread group")
  class ByGroup {
    @Test
    @DisplayName("names a thread's group by its name's prefix, first match first, else other")
    void groups() {
      assertThat(AzureBench.group("dualpush-io-a-3")).isEqualTo("dualpush io");
      assertThat(AzureBench.group("dualpush-log-writer /tmp/x")).isEqualTo("dualpush log");
      assertThat(AzureBench.group("dualpush-timer-1")).isEqualTo("dualpush other");
      assertThat(AzureBench.group("pool-3-thread-1")).isEqualTo("callers");
      assertThat(AzureBench.group("azure-sdk-global-thread-4")).isEqualTo("SDK + HTTP");
      assertThat(AzureBench.group("Thread-812")).isEqualTo("other");
    }

    @Test
    @DisplayName("counts a thread that was not alive at the round's start from zero, and a thread that ended in none")
    void deltas() {
      Map<Long, Map.Entry<String, Long>> before = Map.of(1L, Map.entry("dualpush-io-a-1", 1_000L),
          2L, Map.entry("Thread-7", 500L));
      Map<Long, Map.Entry<String, Long>> after = Map.of(1L, Map.entry("dualpush-io-a-1", 4_000L),
          3L, Map.entry("dualpush-io-b-1", 2_000L));
      assertThat(AzureBench.Tally.byGroup(before, after)).containsExactlyInAnyOrderEntriesOf(Map.of("dualpush io", 5_000L));
    }

    @Test
    @DisplayName("puts what no group saw (threads that ended during a round) in its own column, so the columns add up")
    void unseen() {
      AzureBench.Round r = new AzureBench.Round("dualpush", 4096, 0, 100, 1, 300_000, 0, 0, 0, 150, 0,
          Map.of("dualpush io", 100_000L, "callers", 50_000L));
      AzureBench.Result result = new AzureBench.Result("dualpush", 4096, 100, 1, 0, 0, 300_000, 0, 0, List.of(r));
      Map<String, Double> groups = result.cpuMicrosByGroup();
      assertThat(groups.get("dualpush io")).isEqualTo(1.0);
      assertThat(groups.get("callers")).isEqualTo(0.5);
      assertThat(groups.get(AzureBench.UNSEEN)).isCloseTo(1.5, within(1e-9));
      assertThat(result.logSyncsPerObject()).isEqualTo(1.5);
      assertThat(groups.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(3.0, within(1e-9));
    }
  }

  @Nested
  @DisplayName("the ratio of two sides")
  class Ratio {
    @Test
    @DisplayName("pairs round i of one side with round i of the other, which ran back to back")
    void pairsRounds() {
      AzureBench.Result dualpush = result("dualpush", 3300, 4000, 3000);
      AzureBench.Result plain = result("plain SDK", 3000, 2000, 3000);
      assertThat(AzureBench.roundRatios(dualpush, plain)).containsExactly(1.1, 2.0, 1.0);
      assertThat(AzureBench.median(AzureBench.roundRatios(dualpush, plain))).isEqualTo(1.1);
    }

    @Test
    @DisplayName("uses only the rounds both sides ran")
    void unevenRounds() {
      assertThat(AzureBench.roundRatios(result("dualpush", 2000, 2000), result("plain SDK", 1000))).containsExactly(2.0);
    }
  }
}
