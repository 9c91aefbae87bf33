package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.ActiveRegionCoordinator.Role;
import io.dualpush.CoordinatorListener;
import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.LeaseLostException;
import io.dualpush.NotActiveException;
import io.dualpush.spi.Alert;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import io.dualpush.testkit.InMemoryLeaseStore;
import io.dualpush.testkit.ManualClock;
import io.dualpush.testkit.RecordingAlertSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("ActiveRegionCoordinator")
class ActiveRegionCoordinatorTest {
  static final String NAME = "active_dc";
  static final Duration TTL = Duration.ofSeconds(9);
  /** Defaults: renew every 3 s, deadline 6 s. */
  static final Duration RENEW = Duration.ofSeconds(3);

  final ManualClock clock = new ManualClock();
  final InMemoryLeaseStore memory = new InMemoryLeaseStore(clock);
  final ControlledStore store = new ControlledStore(memory);
  final RecordingAlertSink alerts = new RecordingAlertSink();
  final List<ActiveRegionCoordinator> started = new ArrayList<>();

  @AfterEach
  void closeAll() {
    store.unblock();
    started.forEach(ActiveRegionCoordinator::close);
  }

  long nanos() {
    Instant i = clock.instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  ActiveRegionCoordinator.Builder builder(String owner, Recorder recorder) {
    return ActiveRegionCoordinator.builder().leaseStore(store).leaseName(NAME).owner(owner).ttl(TTL)
        .ticker(this::nanos).clock(clock).alertSink(alerts).listener(recorder);
  }

  ActiveRegionCoordinator start(ActiveRegionCoordinator.Builder b) {
    ActiveRegionCoordinator c = b.build();
    started.add(c);
    c.start();
    return c;
  }

  ActiveRegionCoordinator active(String owner, Recorder recorder) throws InterruptedException {
    ActiveRegionCoordinator c = start(builder(owner, recorder));
    assertThat(c.awaitActive(Duration.ofSeconds(10))).isTrue();
    return c;
  }

  /** Waits until the store holds the lease renewed at the clock's current time. */
  void awaitRenewedNow() {
    await().atMost(Duration.ofSeconds(10)).until(
        () -> memory.current(NAME).map(l -> l.expiresAt().equals(clock.instant().plus(TTL))).orElse(false));
  }

  @Nested
  @DisplayName("acquiring")
  class Acquiring {
    @Test
    @DisplayName("a lone coordinator acquires the lease, becomes active and reports its token")
    void acquires() throws InterruptedException {
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = active("region-a", r);
      assertThat(c.role()).isEqualTo(Role.ACTIVE);
      assertThat(c.fencingToken()).hasValue(1);
      assertThat(c.requireActive()).isEqualTo(1);
      assertThat(c.lease()).map(Lease::owner).contains("region-a");
      await().atMost(Duration.ofSeconds(5)).until(() -> r.events.contains("active 1"));
    }

    @Test
    @DisplayName("a coordinator stands by while another owner holds the lease, and refuses with NotActiveException")
    void standsBy() {
      memory.acquire(NAME, "region-b", TTL);
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = start(builder("region-a", r));
      await().atMost(Duration.ofSeconds(5)).until(() -> r.events.contains("standby region-b"));
      assertThat(c.role()).isEqualTo(Role.STANDBY);
      assertThat(c.isActive()).isFalse();
      assertThat(c.fencingToken()).isEmpty();
      assertThatThrownBy(c::requireActive).isInstanceOfSatisfying(NotActiveException.class, e -> {
        assertThat(e.lease()).isEqualTo(NAME);
        assertThat(e.role()).isEqualTo(Role.STANDBY);
        assertThat(e).hasMessageContaining(NAME);
      });
    }

    @Test
    @DisplayName("renewals keep the lease and its token past several TTLs")
    void renewKeepsToken() throws InterruptedException {
      ActiveRegionCoordinator c = active("region-a", new Recorder());
      for (int i = 0; i < 6; i++) {
        clock.advance(RENEW);
        awaitRenewedNow();
        assertThat(c.fencingToken()).hasValue(1);
      }
      assertThat(c.isActive()).isTrue();
    }
  }

  @Nested
  @DisplayName("losing the lease")
  class Losing {
    @Test
    @DisplayName("a renewal that hangs steps the holder down at the renew deadline, before the TTL, and says why")
    void hungRenewStepsDownAtDeadline() throws InterruptedException {
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = active("region-a", r);
      store.blockRenewals();
      clock.advance(RENEW);
      await().atMost(Duration.ofSeconds(5)).until(() -> store.blocked.get() == 1);
      assertThat(c.isActive()).as("within the deadline while the renewal is out").isTrue();
      clock.advance(Duration.ofMillis(3_001)); // 6.001 s after the acquire was sent: past the 6 s deadline
      assertThat(c.isActive()).as("the monotonic deadline alone ends activity").isFalse();
      await().atMost(Duration.ofSeconds(5)).until(() -> r.lost.size() == 1);
      assertThat(r.lost.get(0)).isInstanceOf(LeaseLostException.class).hasMessageContaining("has not returned");
      assertThat(memory.current(NAME)).as("the store still holds it: the holder stopped first").isPresent();
      assertThat(c.role()).isEqualTo(Role.STANDBY);
      await().atMost(Duration.ofSeconds(5)).until(() -> !alerts.alertsOfType(Alert.Type.LEASE_LOST).isEmpty());
      assertThat(alerts.alertsOfType(Alert.Type.LEASE_LOST).get(0).severity()).isEqualTo(Alert.Severity.HIGH);
    }

    @Test
    @DisplayName("a hung renewal that returns after the step-down counts again, measured from its own send time")
    void lateRenewalCountsFromItsSendTime() throws InterruptedException {
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = active("region-a", r);
      store.blockRenewals();
      clock.advance(RENEW); // the renewal is sent at 3 s
      await().atMost(Duration.ofSeconds(5)).until(() -> store.blocked.get() == 1);
      clock.advance(Duration.ofMillis(3_001));
      await().atMost(Duration.ofSeconds(5)).until(() -> r.lost.size() == 1);
      store.unblock(); // answered at 6.001 s: good until 3 s + 6 s = 9 s by its own send time
      await().atMost(Duration.ofSeconds(5)).until(c::isActive);
      assertThat(c.fencingToken()).as("the same lease, renewed").hasValue(1);
      assertThat(r.events).containsSubsequence("active 1", "lost 1", "active 1");
    }

    @Test
    @DisplayName("a failing store steps the holder down at the deadline, not at once, and it re-acquires with a new token")
    void storeFailureStepsDownAtDeadlineThenReacquires() throws InterruptedException {
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = active("region-a", r);
      memory.setUnavailable(true);
      clock.advance(RENEW);
      await().atMost(Duration.ofSeconds(5)).until(() -> store.renewFailures.get() >= 1);
      assertThat(c.isActive()).as("one failed renewal does not end activity").isTrue();
      clock.advance(Duration.ofMillis(3_001));
      await().atMost(Duration.ofSeconds(5)).until(() -> r.lost.size() == 1);
      assertThat(r.lost.get(0)).isInstanceOf(LeaseLostException.class).hasMessageContaining("renewals failed")
          .cause().isInstanceOf(DestinationException.class);
      assertThat(c.isActive()).isFalse();

      memory.setUnavailable(false);
      clock.advance(TTL); // the old lease lapses in the store
      await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).until(() -> {
        if (!c.isActive()) {
          clock.advance(Duration.ofMillis(500));
        }
        return c.isActive();
      });
      assertThat(c.fencingToken()).hasValue(2);
      assertThat(r.events).containsSubsequence("active 1", "lost 1", "active 2");
    }

    @Test
    @DisplayName("a renewal the store refuses steps the holder down at once")
    void refusedRenewalStepsDown() throws InterruptedException {
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = active("region-a", r);
      store.refuseRenewals = true;
      clock.advance(RENEW);
      await().atMost(Duration.ofSeconds(5)).until(() -> r.lost.size() == 1);
      assertThat(r.lost.get(0)).hasMessageContaining("refused");
      assertThat(c.isActive()).isFalse();
    }
  }

  @Nested
  @DisplayName("closing and failover")
  class ClosingAndFailover {
    @Test
    @DisplayName("close releases the lease and a standby takes it at its next retry, long before the TTL")
    void closeReleasesForImmediateTakeover() throws InterruptedException {
      ActiveRegionCoordinator a = active("region-a", new Recorder());
      List<Lease> failovers = new CopyOnWriteArrayList<>();
      Recorder rb = new Recorder();
      ActiveRegionCoordinator b = start(builder("region-b", rb).retryInterval(Duration.ofSeconds(1))
          .onFailover((Consumer<Lease>) failovers::add));
      await().atMost(Duration.ofSeconds(5)).until(() -> rb.events.contains("standby region-a"));

      a.close();
      assertThat(a.role()).isEqualTo(Role.CLOSED);
      assertThat(memory.current(NAME)).as("released").isEmpty();
      clock.advance(Duration.ofSeconds(1));
      assertThat(b.awaitActive(Duration.ofSeconds(5))).isTrue();
      assertThat(b.fencingToken()).hasValue(2);
      await().atMost(Duration.ofSeconds(5)).until(() -> failovers.size() == 1);
      assertThat(failovers.get(0).fencingToken()).isEqualTo(2);
      assertThat(alerts.alertsOfType(Alert.Type.FAILOVER)).singleElement()
          .satisfies(al -> assertThat(al.message()).contains("region-b", "region-a"));
    }

    @Test
    @DisplayName("by default a standby notices a released lease within 250 ms, however long the renew interval")
    void defaultRetryIntervalIsShort() throws InterruptedException {
      ActiveRegionCoordinator a = active("region-a", new Recorder());
      Recorder rb = new Recorder();
      ActiveRegionCoordinator b = start(builder("region-b", rb));
      await().atMost(Duration.ofSeconds(5)).until(() -> rb.events.contains("standby region-a"));
      a.close();
      clock.advance(Duration.ofMillis(249));
      assertThat(b.awaitActive(Duration.ofMillis(200))).as("not before its next attempt").isFalse();
      clock.advance(Duration.ofMillis(1));
      assertThat(b.awaitActive(Duration.ofSeconds(5))).as("at its next attempt, 250 ms after the last").isTrue();
    }

    @Test
    @DisplayName("a failover action that throws is logged and raised as an alert, and the others still run")
    void failingFailoverActionAlerts() throws InterruptedException {
      memory.acquire(NAME, "region-gone", Duration.ofSeconds(2));
      AtomicInteger second = new AtomicInteger();
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = start(builder("region-a", r).retryInterval(Duration.ofSeconds(1))
          .onFailover(() -> {
            throw new IllegalStateException("alias switch refused");
          }).onFailover(second::incrementAndGet));
      await().atMost(Duration.ofSeconds(5)).until(() -> r.events.contains("standby region-gone"));
      clock.advance(Duration.ofSeconds(3));
      assertThat(c.awaitActive(Duration.ofSeconds(5))).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> second.get() == 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> !alerts.alertsOfType(Alert.Type.FAILOVER_ACTION_FAILURE).isEmpty());
      assertThat(alerts.alertsOfType(Alert.Type.FAILOVER_ACTION_FAILURE).get(0).message())
          .contains("IllegalStateException").doesNotContain("alias switch refused");
    }

    @Test
    @DisplayName("close when standing by releases nothing and stops; start after close is refused")
    void closeStandby() {
      memory.acquire(NAME, "region-b", TTL);
      Recorder r = new Recorder();
      ActiveRegionCoordinator c = start(builder("region-a", r));
      await().atMost(Duration.ofSeconds(5)).until(() -> r.events.contains("standby region-b"));
      c.close();
      assertThat(memory.current(NAME)).map(Lease::owner).contains("region-b");
      assertThat(c.role()).isEqualTo(Role.CLOSED);
      assertThatThrownBy(c::start).isInstanceOf(io.dualpush.ClientClosedException.class);
    }
  }

  @Nested
  @DisplayName("on the system clock")
  class SystemClock {
    @Test
    @DisplayName("one of two coordinators is active, and after it closes the other takes over")
    void takeoverOnSystemClock() throws InterruptedException {
      LeaseStore real = new InMemoryLeaseStore();
      ActiveRegionCoordinator a = ActiveRegionCoordinator.builder().leaseStore(real).leaseName(NAME).owner("region-a")
          .ttl(Duration.ofSeconds(3)).retryInterval(Duration.ofMillis(50)).build();
      started.add(a);
      a.start();
      assertThat(a.awaitActive(Duration.ofSeconds(10))).isTrue();
      ActiveRegionCoordinator b = ActiveRegionCoordinator.builder().leaseStore(real).leaseName(NAME).owner("region-b")
          .ttl(Duration.ofSeconds(3)).retryInterval(Duration.ofMillis(50)).build();
      started.add(b);
      b.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> b.role() == Role.STANDBY);
      a.close();
      assertThat(b.awaitActive(Duration.ofSeconds(10))).isTrue();
      assertThat(b.fencingToken().orElseThrow()).isGreaterThan(1);
    }
  }

  @Nested
  @DisplayName("configuration")
  class Configuration {
    @Test
    @DisplayName("a renew deadline not shorter than the TTL is refused, naming renewDeadline")
    void deadlineBelowTtl() {
      assertThatThrownBy(() -> ActiveRegionCoordinator.builder().leaseStore(store).leaseName(NAME)
          .ttl(Duration.ofSeconds(5)).renewDeadline(Duration.ofSeconds(5)).build())
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("renewDeadline"));
    }

    @Test
    @DisplayName("a renew deadline not longer than the renew interval is refused, naming renewDeadline")
    void deadlineAboveInterval() {
      assertThatThrownBy(() -> ActiveRegionCoordinator.builder().leaseStore(store).leaseName(NAME)
          .ttl(Duration.ofSeconds(10)).renewInterval(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(4)).build())
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("renewDeadline"));
    }

    @Test
    @DisplayName("the lease store and the lease name are required")
    void required() {
      assertThatThrownBy(() -> ActiveRegionCoordinator.builder().leaseName(NAME).build())
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("leaseStore"));
      assertThatThrownBy(() -> ActiveRegionCoordinator.builder().leaseStore(store).build())
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("leaseName"));
    }

    @Test
    @DisplayName("describe() names the lease, owner and role but not the store's configuration")
    void describe() {
      ActiveRegionCoordinator c = ActiveRegionCoordinator.builder().leaseStore(new SecretStore()).leaseName(NAME)
          .owner("region-a").build();
      assertThat(c.describe()).contains(NAME, "region-a", "STARTING").doesNotContain("hunter2");
    }
  }

  /** Records listener calls as short strings, and the causes of lost leases. */
  static final class Recorder implements CoordinatorListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Throwable> lost = new CopyOnWriteArrayList<>();

    @Override
    public void onActive(Lease lease) {
      events.add("active " + lease.fencingToken());
    }

    @Override
    public void onStandby(Optional<Lease> holder) {
      events.add("standby " + holder.map(Lease::owner).orElse("?"));
    }

    @Override
    public void onLeaseLost(Lease l, Throwable cause) {
      lost.add(cause);
      events.add("lost " + l.fencingToken());
    }
  }

  /** A store whose renewals can be made to hang or be refused, counting failures. */
  static final class ControlledStore implements LeaseStore {
    final LeaseStore delegate;
    volatile CountDownLatch gate = new CountDownLatch(0);
    final AtomicInteger blocked = new AtomicInteger();
    final AtomicInteger renewFailures = new AtomicInteger();
    volatile boolean refuseRenewals;
    /** Keeps the coordinator from taking the lease again, so that a test can hand it to another owner. */
    volatile boolean refuseAcquires;

    ControlledStore(LeaseStore delegate) {
      this.delegate = delegate;
    }

    void blockRenewals() {
      gate = new CountDownLatch(1);
    }

    void unblock() {
      gate.countDown();
    }

    @Override
    public Optional<Lease> acquire(String name, String owner, Duration ttl) {
      if (refuseAcquires) {
        return Optional.empty();
      }
      return delegate.acquire(name, owner, ttl);
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
      if (gate.getCount() > 0) {
        blocked.incrementAndGet();
        try {
          gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      if (refuseRenewals) {
        return Optional.empty();
      }
      try {
        return delegate.renew(lease, ttl);
      } catch (RuntimeException e) {
        renewFailures.incrementAndGet();
        throw e;
      }
    }

    @Override
    public boolean release(Lease lease) {
      return delegate.release(lease);
    }

    @Override
    public Optional<Lease> current(String name) {
      return delegate.current(name);
    }
  }

  /** A store whose toString holds a password, which describe() must not show. */
  static final class SecretStore implements LeaseStore {
    @Override
    public Optional<Lease> acquire(String name, String owner, Duration ttl) {
      return Optional.empty();
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
      return Optional.empty();
    }

    @Override
    public boolean release(Lease lease) {
      return false;
    }

    @Override
    public Optional<Lease> current(String name) {
      return Optional.empty();
    }

    @Override
    public String toString() {
      return "redis://user:hunter2@host";
    }
  }
}
