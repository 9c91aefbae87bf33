package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import io.dualpush.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The builder's lease and close settings are checked before anything is sent to the service. */
@DisplayName("AzureBlobTransactionLog.Builder")
class AzureBlobTransactionLogOptionsTest {
  /** A client for a port nothing listens on: every test here must fail before sending a request. */
  private static final BlobContainerClient NOWHERE = new BlobContainerClientBuilder()
      .endpoint("http://127.0.0.1:9/devstoreaccount1/nowhere").buildClient();

  private static AzureBlobTransactionLog.Builder builder() {
    return AzureBlobTransactionLog.builder(NOWHERE, "logs/options");
  }

  private static void assertRefused(Runnable setting, String field) {
    assertThatThrownBy(setting::run).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'" + field + "'")
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo(field));
  }

  @Nested
  @DisplayName("lease settings")
  class Lease {
    @Test
    @DisplayName("a lease duration outside the service's 15..60 s, or not in whole seconds, is refused naming leaseDuration")
    void durationRange() {
      assertRefused(() -> builder().leaseDuration(Duration.ofSeconds(14)), "leaseDuration");
      assertRefused(() -> builder().leaseDuration(Duration.ofSeconds(61)), "leaseDuration");
      assertRefused(() -> builder().leaseDuration(Duration.ofMillis(20_500)), "leaseDuration");
      assertRefused(() -> builder().leaseDuration(null), "leaseDuration");
      builder().leaseDuration(Duration.ofSeconds(15)).leaseDuration(Duration.ofSeconds(60));
    }

    @Test
    @DisplayName("a safety margin that is not positive or is more than half the lease is refused naming "
        + "leaseSafetyMargin")
    void marginRange() {
      assertRefused(() -> builder().leaseSafetyMargin(Duration.ZERO), "leaseSafetyMargin");
      assertRefused(() -> builder().leaseSafetyMargin(Duration.ofSeconds(-1)), "leaseSafetyMargin");
      assertRefused(() -> builder().leaseSafetyMargin(Duration.ofSeconds(31)), "leaseSafetyMargin");
      assertRefused(() -> builder().leaseSafetyMargin(null), "leaseSafetyMargin");
      builder().leaseSafetyMargin(Duration.ofSeconds(30)).leaseSafetyMargin(Duration.ofMillis(1));
    }

    @Test
    @DisplayName("a lease too short for the margin set before it is refused at once, naming leaseSafetyMargin")
    void marginCheckedAgainstALaterDuration() {
      AzureBlobTransactionLog.Builder b = builder().leaseSafetyMargin(Duration.ofSeconds(20));
      assertRefused(() -> b.leaseDuration(Duration.ofSeconds(30)), "leaseSafetyMargin");
      b.leaseDuration(Duration.ofSeconds(40));
    }

    @Test
    @DisplayName("the default margin is a sixth of the lease duration")
    void defaultMargin() {
      assertThat(BlobWriterLease.defaultMargin(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(10));
      assertThat(BlobWriterLease.defaultMargin(Duration.ofSeconds(15))).isEqualTo(Duration.ofMillis(2500));
    }
  }

  @Nested
  @DisplayName("close settings")
  class Close {
    @Test
    @DisplayName("a close timeout that is not positive is refused naming closeTimeout")
    void closeTimeout() {
      assertRefused(() -> builder().closeTimeout(Duration.ZERO), "closeTimeout");
      assertRefused(() -> builder().closeTimeout(Duration.ofSeconds(-1)), "closeTimeout");
      assertRefused(() -> builder().closeTimeout(null), "closeTimeout");
      builder().closeTimeout(Duration.ofMillis(1));
    }
  }
}
