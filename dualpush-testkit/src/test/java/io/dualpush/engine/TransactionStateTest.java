package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.dualpush.AckPolicy;
import io.dualpush.CopyStatus;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.TransactionState;
import io.dualpush.spi.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, item 3: transaction states mean what they say. A push whose required copy failed was
 * reported {@code IN_PROGRESS} because an optional copy was still writing.
 */
@DisplayName("Transaction states mean what they say")
class TransactionStateTest {
  private final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.edge.heal();
    f.secondary.heal();
    f.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private PushReceipt failedPush(String key) {
    PushFailedException e = catchThrowableOfType(() -> f.client.push(key, bytes(key)), PushFailedException.class);
    assertThat(e).as("push of " + key).isNotNull();
    return e.receipt();
  }

  @Nested
  @DisplayName("a push whose required copy failed while an optional copy is still writing")
  class RequiredFailedOptionalWriting {
    @Test
    @DisplayName("is PARTIALLY_COMPLETED when another required copy is verified, never IN_PROGRESS, and so says its alert")
    void partial() {
      f.start(true, b -> b.repair(Fixture.repair(3)));
      f.edge.hang();
      f.secondary.partition();

      PushReceipt r = failedPush("gold/a.csv");

      assertThat(r.copy("edge-asia").orElseThrow().status()).isEqualTo(CopyStatus.IN_PROGRESS);
      assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
      assertThat(r.state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
      assertThat(f.client.receipt(r.transactionId()).orElseThrow().state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
      assertThat(f.alerts(Alert.Type.PUSH_FAILURE)).singleElement().satisfies(a -> assertThat(a.message())
          .doesNotContain("is IN_PROGRESS")
          .startsWith("Push of 'gold/a.csv' failed: 1 of 2 required copies verified (PARTIALLY_COMPLETED): ")
          .endsWith(", edge-asia=IN_PROGRESS"));
    }

    @Test
    @DisplayName("is FAILED when no required copy is verified")
    void failed() {
      f.start(true, b -> b.repair(Fixture.repair(3)));
      f.edge.hang();
      f.primary.partition();
      f.secondary.partition();

      PushReceipt r = failedPush("gold/b.csv");

      assertThat(r.copy("edge-asia").orElseThrow().status()).isEqualTo(CopyStatus.IN_PROGRESS);
      assertThat(r.state()).isEqualTo(TransactionState.FAILED);
      f.primary.heal();
    }
  }

  @Nested
  @DisplayName("a push acknowledged by a quorum")
  class Quorum {
    @Test
    @DisplayName("is QUORUM_ACKNOWLEDGED, not COMPLETED, while a required copy is still being written, and VERIFIED once it is")
    void requiredStillWriting() {
      f.start(false, b -> b.ackPolicy(AckPolicy.quorum(1)).repair(Fixture.repair(3)));
      f.secondary.hang();

      PushReceipt r = f.client.push("gold/q.csv", bytes("q"));

      assertThat(r.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      assertThat(r.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.IN_PROGRESS);
      assertThat(r.state()).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);
      assertThat(f.client.receipt(r.transactionId()).orElseThrow().state()).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);

      f.secondary.release();
      await().atMost(Duration.ofSeconds(20)).until(() -> f.client.receipt(r.transactionId()).orElseThrow().isVerified());
    }

    @Test
    @DisplayName("is QUORUM_ACKNOWLEDGED while a required copy has failed and waits for repair")
    void requiredFailed() {
      f.start(false, b -> b.ackPolicy(AckPolicy.quorum(1)).repair(Fixture.repair(3)));
      f.secondary.partition();

      PushReceipt r = f.client.push("gold/r.csv", bytes("r"));
      assertThat(r.state()).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);

      await().atMost(Duration.ofSeconds(20)).until(() -> f.client.receipt(r.transactionId()).orElseThrow()
          .copy("secondary").orElseThrow().status() == CopyStatus.FAILED);
      assertThat(f.client.receipt(r.transactionId()).orElseThrow().state()).isEqualTo(TransactionState.QUORUM_ACKNOWLEDGED);
      assertThat(f.alerts(Alert.Type.PUSH_FAILURE)).isEmpty();
    }
  }
}
