package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.HealthComponent;
import io.dualpush.HealthSnapshot;
import io.dualpush.HealthSnapshot.Status;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The health snapshot of a client whose coordinator's lease and dedupe store live on a real redis-server that
 * requires a password: both UP while it runs, DOWN with the cause once it is stopped, and the password nowhere in
 * the snapshot.
 */
@DisplayName("Health snapshot with a coordinator and a dedupe store on a real redis-server")
class RedisHealthIT {
  @RegisterExtension static RedisExtension server =
      new RedisExtension(RedisServerProcess.builder("health-it").password(true));
  private static final Duration WAIT = Duration.ofSeconds(10);

  private TestRedis redis;
  private RedisLeaseStore leases;
  private RedisDedupeStore dedupe;
  private ActiveRegionCoordinator coordinator;
  private DualPushClient client;

  @BeforeEach
  void connect() {
    redis = TestRedis.connect(server);
    leases = redis.leases().timeout(Duration.ofSeconds(2)).build();
    dedupe = redis.dedupe().timeout(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void close() {
    if (client != null) {
      client.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
    dedupe.close();
    leases.close();
    redis.close();
  }

  @Test
  @DisplayName("the lease and dedupe components are UP while Redis runs and DOWN with the cause once it is stopped, "
      + "with no password in the snapshot")
  void redisStopped() throws Exception {
    coordinator = ActiveRegionCoordinator.builder().leaseStore(leases).leaseName("health-it")
        .ttl(Duration.ofSeconds(3)).build();
    coordinator.start();
    assertThat(coordinator.awaitActive(Duration.ofSeconds(20))).isTrue();
    client = new DualPushClientBuilder().destination("primary", new InMemoryDestination("primary"))
        .transactionLog(new InMemoryTransactionLog()).dedupeStore(dedupe).coordinator(coordinator).buildClient();
    client.push(PushRequest.builder("gold/a.csv", PushContent.ofBytes(new byte[] {1})).messageId("m-1").build());

    HealthSnapshot up = client.healthSnapshot(WAIT);

    HealthComponent lease = up.component("coordinator").orElseThrow();
    assertThat(lease.status()).as(lease.detail()).isEqualTo(Status.UP);
    assertThat(lease.details()).containsEntry("role", "ACTIVE").containsEntry("leaseName", "health-it")
        .containsEntry("fencingToken", coordinator.fencingToken().getAsLong()).containsKey("activeRemainingMillis");
    HealthComponent store = up.component("dedupeStore").orElseThrow();
    assertThat(store.status()).as(store.detail()).isEqualTo(Status.UP);
    assertThat(store.details()).containsEntry("type", "RedisDedupeStore").containsEntry("healthy", true);
    assertThat(up.overall()).isEqualTo(Status.UP);

    server.process().stop();

    AtomicReference<HealthSnapshot> down = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      HealthSnapshot s = client.healthSnapshot(WAIT);
      down.set(s);
      return s.component("coordinator").orElseThrow().status() == Status.DOWN
          && s.component("dedupeStore").orElseThrow().status() == Status.DOWN;
    });
    HealthSnapshot snapshot = down.get();
    HealthComponent lostLease = snapshot.component("coordinator").orElseThrow();
    assertThat(lostLease.details()).containsEntry("role", "STANDBY").doesNotContainKey("fencingToken");
    assertThat(lostLease.detail()).contains("the lease store cannot be reached").contains("DestinationException");
    assertThat((String) lostLease.details().get("storeFailure")).contains("DestinationException");
    HealthComponent lostStore = snapshot.component("dedupeStore").orElseThrow();
    assertThat(lostStore.details()).containsEntry("healthy", false);
    assertThat(lostStore.detail()).contains("Redis").contains("PING");
    assertThat(snapshot.overall()).as("the lease and the dedupe store degrade the client; the destination and the "
        + "log still work").isEqualTo(Status.DEGRADED);
    String rendered = snapshot.toMap().toString() + up.toMap();
    assertThat(server.password()).isPresent();
    for (String secret : new String[] {server.password().orElseThrow(), server.userPassword().orElseThrow()}) {
      assertThat(rendered).doesNotContain(secret);
    }
  }
}
