package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The CLI sizes the JDK's common fork-join pool before anything creates it: with fewer than two
 * threads there, the JDK's HTTP client starts a thread for every response it completes.
 */
@DisplayName("the CLI's common fork-join pool")
class CommonPoolTest {
  private String saved;

  @BeforeEach
  void save() {
    saved = System.getProperty(Main.COMMON_POOL_PARALLELISM);
  }

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(Main.COMMON_POOL_PARALLELISM);
    } else {
      System.setProperty(Main.COMMON_POOL_PARALLELISM, saved);
    }
  }

  @Test
  @DisplayName("has two threads on a machine of one or two CPUs (not a thread started per HTTP response), the JVM's default on larger ones")
  void twoOnSmallMachines() {
    System.clearProperty(Main.COMMON_POOL_PARALLELISM);
    Main.commonPoolOfAtLeastTwo();
    assertThat(System.getProperty(Main.COMMON_POOL_PARALLELISM))
        .isEqualTo(Runtime.getRuntime().availableProcessors() <= 2 ? "2" : null);
  }

  @Test
  @DisplayName("keeps the size the user gives with -D")
  void userValueKept() {
    System.setProperty(Main.COMMON_POOL_PARALLELISM, "7");
    Main.commonPoolOfAtLeastTwo();
    assertThat(System.getProperty(Main.COMMON_POOL_PARALLELISM)).isEqualTo("7");
  }
}
