package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualpush.DestinationLag;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.spi.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("DualPushClient.lag() follows each destination's backlog, against what actually happened")
class LagTest {
  private final Fixture f = new Fixture();

  @AfterEach
  void tearDown() {
    f.close();
  }

  private static byte[] bytes(int n) {
    return "x".repeat(n).getBytes(StandardCharsets.UTF_8);
  }

  /** Pushes while {@code f.secondary} is down; each push fails its ack policy but is logged and kept for repair. */
  private List<String> pushFailing(int count, int size, String prefix) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Throwable t = catchThrowable(() -> f.client.push(prefix + ids.size(), bytes(size)));
      assertThat(t).isInstanceOf(PushFailedException.class);
      ids.add(((PushFailedException) t).receipt().transactionId());
    }
    return ids;
  }

  @Test
  @DisplayName("an outage of one destination: backlog, bytes and age grow there only; the budget alert is raised, and repair empties it")
  void outageThenRepair() {
    DualPushClient client = f.start(false, b -> b.repair(Fixture.repair(100)));
    for (int i = 0; i < 10; i++) {
      client.push("ok-" + i, bytes(100));
    }
    f.clock.advance(Duration.ofSeconds(3));
    f.secondary.partition();
    List<String> ids = pushFailing(7, 250, "down-");

    DestinationLag primary = client.lag().get("primary");
    DestinationLag secondary = client.lag().get("secondary");
    assertThat(primary.backlogCopies()).isZero();
    assertThat(primary.backlogBytes()).isZero();
    assertThat(primary.verifiedCopies()).isEqualTo(17);
    assertThat(secondary.backlogCopies()).isEqualTo(7);
    assertThat(secondary.backlogBytes()).isEqualTo(7 * 250);
    assertThat(secondary.verifiedCopies()).isEqualTo(10);
    assertThat(secondary.region()).isEqualTo("westus2");
    assertThat(secondary.recoveryPointBudget()).contains(DestinationOptions.DEFAULT_RECOVERY_POINT_BUDGET);
    assertThat(secondary.overBudget()).isFalse();
    // The manual clock did not move during the pushes: each copy verified at once, by that clock.
    assertThat(primary.completionP99()).isEqualTo(Duration.ZERO);

    f.clock.advance(Duration.ofMinutes(6));
    secondary = client.lag().get("secondary");
    assertThat(secondary.oldestPendingAge()).isEqualTo(Duration.ofMinutes(6));
    assertThat(secondary.overBudget()).isTrue();
    assertThat(client.lag().get("primary").oldestPendingAge()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> !f.alerts(Alert.Type.RECOVERY_POINT_EXCEEDED).isEmpty());
    Alert exceeded = f.alerts(Alert.Type.RECOVERY_POINT_EXCEEDED).get(0);
    assertThat(exceeded.destinationId()).isEqualTo("secondary");
    assertThat(exceeded.severity()).isEqualTo(Alert.Severity.HIGH);
    assertThat(exceeded.message()).contains("6 min 0 s").contains("7 copies pending");
    // And the operators' history has it, as a state change of that destination.
    assertThat(client.history().query(io.dualpush.HistoryQuery.builder().stateChanges().destinationId("secondary")
        .build()).entries()).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(io.dualpush.HistoryEntry.AlertEntry.class,
            a -> assertThat(a.alert().type()).isEqualTo(Alert.Type.RECOVERY_POINT_EXCEEDED)));

    f.secondary.heal();
    f.nextRound();
    await().atMost(Duration.ofSeconds(10)).until(() -> client.lag().get("secondary").backlogCopies() == 0);
    secondary = client.lag().get("secondary");
    assertThat(secondary.backlogBytes()).isZero();
    assertThat(secondary.oldestPendingAge()).isZero();
    assertThat(secondary.overBudget()).isFalse();
    assertThat(secondary.verifiedCopies()).isEqualTo(17);
    // Ten copies verified at once, seven after the outage: the median is one of the ten, the 99th one of the seven.
    assertThat(secondary.completionP50()).isEqualTo(Duration.ZERO);
    assertThat(secondary.completionP99()).isGreaterThanOrEqualTo(Duration.ofMinutes(6));
    assertThat(secondary.deadLetteredCopies()).isZero();
    assertThat(secondary.abandonedCopies()).isZero();
    for (String id : ids) {
      assertThat(client.receipt(id).orElseThrow().isVerified()).isTrue();
    }
    // Raised once for the outage, however many checks ran while it lasted.
    assertThat(f.alerts(Alert.Type.RECOVERY_POINT_EXCEEDED)).hasSize(1);
  }

  @Test
  @DisplayName("copies whose repair was given up on leave the backlog as dead-lettered, and the count never resets")
  void deadLettered() {
    DualPushClient client = f.start(false, b -> b.repair(Fixture.repair(1)));
    f.secondary.partition();
    pushFailing(3, 10, "k");
    // Each poll lets the next round become due, until repair gives up on all three.
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      f.nextRound();
      return client.stats().deadLettered() == 3;
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> client.lag().get("secondary").deadLetteredCopies() == 3);
    DestinationLag secondary = client.lag().get("secondary");
    assertThat(secondary.backlogCopies()).isZero();
    assertThat(client.lag().get("primary").deadLetteredCopies()).isZero();

    // Repaired by hand later: still counted as once given up on.
    f.secondary.heal();
    List<PushReceipt> repaired = client.repairAll();
    assertThat(repaired).isNotEmpty();
    assertThat(client.lag().get("secondary").deadLetteredCopies()).isEqualTo(3);
  }

  @Test
  @DisplayName("a newer push of a key supersedes the earlier copy still pending: it leaves the backlog as abandoned")
  void superseded() {
    DualPushClient client = f.start(false, b -> b.repair(Fixture.repair(100)));
    f.secondary.partition();
    pushFailing(1, 10, "same");
    pushFailing(1, 20, "same");
    DestinationLag secondary = client.lag().get("secondary");
    assertThat(secondary.backlogCopies()).isEqualTo(1);
    assertThat(secondary.backlogBytes()).isEqualTo(20);
    assertThat(secondary.abandonedCopies()).isEqualTo(1);
    assertThat(client.stats().openTransactions()).isEqualTo(1);
  }

  @Test
  @DisplayName("a client opening a log with open transactions counts their copies not yet verified, aged from their start")
  void recoveredFromTheLog() {
    DualPushClient client = f.start(false, b -> b.repair(Fixture.repair(100)));
    f.secondary.partition();
    pushFailing(4, 50, "r");
    client.close();
    f.clock.advance(Duration.ofMinutes(2));

    f.client = f.builder(false).repair(Fixture.repair(100)).buildClient();
    DestinationLag secondary = f.client.lag().get("secondary");
    assertThat(secondary.backlogCopies()).isEqualTo(4);
    assertThat(secondary.backlogBytes()).isEqualTo(200);
    assertThat(secondary.oldestPendingAge()).isEqualTo(Duration.ofMinutes(2));
    assertThat(f.client.lag().get("primary").backlogCopies()).isZero();
  }

  @Test
  @DisplayName("a destination without a budget reports its lag but is never alerted on")
  void noBudget() {
    f.client = new io.dualpush.DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").noRecoveryPointBudget().build(), f.primary)
        .destination(DestinationOptions.builder("secondary").recoveryPointBudget(Duration.ofSeconds(30)).build(),
            f.secondary)
        .transactionLog(f.log).clock(f.clock).alertSink(f.alerts::add).repair(Fixture.repair(100)).buildClient();
    f.primary.partition();
    f.secondary.partition();
    pushFailing(2, 5, "nb");
    f.clock.advance(Duration.ofMinutes(1));
    assertThat(f.client.lag().get("primary").recoveryPointBudget()).isEmpty();
    assertThat(f.client.lag().get("primary").overBudget()).isFalse();
    assertThat(f.client.lag().get("secondary").overBudget()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> !f.alerts(Alert.Type.RECOVERY_POINT_EXCEEDED).isEmpty());
    assertThat(f.alerts(Alert.Type.RECOVERY_POINT_EXCEEDED)).extracting(Alert::destinationId).containsOnly("secondary");
  }
}
