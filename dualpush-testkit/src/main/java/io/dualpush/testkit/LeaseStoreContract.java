package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link LeaseStore} keeps, as its Javadoc states it (guarantee G6): at most one
 * owner holds a name at a time, renew keeps the token, and every new acquisition, after release or
 * expiry, gets a fencing token strictly greater than any before. Extend this and implement
 * {@link #createStore()} and {@link #advance(Duration)}.
 *
 * <p>Stores on a {@link ManualClock} advance it and return true from {@link #canJumpClock()}; stores
 * on real time sleep in {@code advance} and override {@link #ttl()} and {@link #expiryMargin()} with
 * spans short enough to wait out.
 *
 * <p>A fuzz tier runs {@link #fuzzContenders()} threads looping acquire, renew and release on one
 * name with random pauses and, on a manual clock, random jumps below and past the TTL; it checks that
 * no two holders ever held at once, that tokens strictly increase in acquisition order, that renew
 * keeps the token and that a lost lease is never renewed or released. It counts a lease as held
 * from its acquire's return until its release was sent or its TTL, counted from just before its
 * last successful acquire or renew was sent, had passed (less {@link #expiryMargin()}), so network
 * delays cannot make it fail a correct store. On real time it runs at most about
 * {@link #fuzzDuration()}.
 *
 * <pre>{@code
 * class MyStoreTest extends LeaseStoreContract {
 *   final ManualClock clock = new ManualClock();
 *   protected LeaseStore createStore() { return new MyStore(clock); }
 *   protected void advance(Duration d) { clock.advance(d); }
 *   protected boolean canJumpClock() { return true; }
 * }
 * }</pre>
 */
public abstract class LeaseStoreContract {
  /** The store under test, fresh for each test. */
  protected LeaseStore store;
  private String name;

  /**
   * A new store to test; called before each test.
   *
   * @return the store
   */
  protected abstract LeaseStore createStore();

  /**
   * Moves the store's clock forward by {@code d} (a store on real time may sleep).
   *
   * @param d how far to move
   */
  protected abstract void advance(Duration d);

  /**
   * Releases what {@link #createStore()} made. Does nothing by default.
   *
   * @param store the store this test used
   * @throws Exception when releasing fails; the test then fails
   */
  protected void closeStore(LeaseStore store) throws Exception {}

  /**
   * The lease TTL the tests use: 30 s unless overridden (a store on real time may shorten it).
   *
   * @return the lease TTL
   */
  protected Duration ttl() {
    return Duration.ofSeconds(30);
  }

  /**
   * How far past a TTL the tests advance before expecting expiry; the store's clock resolution.
   *
   * @return the margin, 1 ms unless overridden
   */
  protected Duration expiryMargin() {
    return Duration.ofMillis(1);
  }

  /**
   * Number of threads in the concurrency test.
   *
   * @return the number of threads, 16 unless overridden
   */
  protected int threads() {
    return 16;
  }

  /**
   * Whether {@link #advance(Duration)} moves the store's clock at once and nothing else moves it, as
   * with a {@link ManualClock}. The fuzz tier then jumps the clock at random, below and past the
   * TTL, and measures the store's time as the sum of its jumps; otherwise (the default, for a store
   * on real time) it measures real time and never advances, and its holders now and then pause past
   * the TTL instead.
   *
   * @return true for a store on a clock that only {@code advance} moves; false by default
   */
  protected boolean canJumpClock() {
    return false;
  }

  /**
   * Number of contenders in the fuzz tier.
   *
   * @return the number of threads, 8 unless overridden
   */
  protected int fuzzContenders() {
    return 8;
  }

  /**
   * Acquire attempts per contender in the fuzz tier, unless {@link #fuzzDuration()} ends it first.
   *
   * @return the rounds per contender, 500 unless overridden
   */
  protected int fuzzRounds() {
    return 500;
  }

  /**
   * Real time after which the fuzz tier's contenders start no new round; a round under way finishes,
   * so a run on real time may last up to about one TTL longer.
   *
   * @return the bound, 5 seconds unless overridden
   */
  protected Duration fuzzDuration() {
    return Duration.ofSeconds(5);
  }

  @BeforeEach
  void createStoreUnderTest() {
    store = createStore();
    name = "contract-lease-" + UUID.randomUUID();
  }

  @AfterEach
  void closeStoreUnderTest() throws Exception {
    if (store != null) {
      closeStore(store);
    }
  }

  /**
   * The lease name of the running test; unique, so a shared store does not mix tests.
   *
   * @return the name
   */
  protected String name() {
    return name;
  }

  private Lease acquire(String owner) {
    return store.acquire(name, owner, ttl()).orElseThrow(() -> new AssertionError(owner + " could not acquire " + name));
  }

  private void expire() {
    advance(ttl().plus(expiryMargin()));
  }

  @Nested
  @DisplayName("acquire and current")
  class AcquireAndCurrent {
    @Test
    @DisplayName("a free name is acquired by its first owner")
    void acquireFree() {
      Lease lease = acquire("region-a");
      assertThat(lease.name()).isEqualTo(name);
      assertThat(lease.owner()).isEqualTo("region-a");
      assertThat(lease.ttl()).isEqualTo(ttl());
      assertThat(store.current(name)).hasValueSatisfying(c -> {
        assertThat(c.owner()).isEqualTo("region-a");
        assertThat(c.fencingToken()).isEqualTo(lease.fencingToken());
      });
    }

    @Test
    @DisplayName("a second owner is refused while the lease is held")
    void secondOwnerRefused() {
      Lease lease = acquire("region-a");
      advance(ttl().dividedBy(2));
      assertThat(store.acquire(name, "region-b", ttl())).isEmpty();
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.fencingToken()).isEqualTo(lease.fencingToken()));
    }

    @Test
    @DisplayName("a name nobody holds has no current lease")
    void noCurrent() {
      assertThat(store.current(name)).isEmpty();
    }

    @Test
    @DisplayName("an expired lease is no longer current and another owner acquires with a greater token")
    void expiryFreesTheName() {
      Lease first = acquire("region-a");
      expire();
      assertThat(store.current(name)).isEmpty();
      Lease second = acquire("region-b");
      assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.owner()).isEqualTo("region-b"));
    }

    @Test
    @DisplayName("names are independent")
    void namesIndependent() {
      acquire("region-a");
      String other = name + "-other";
      assertThat(store.acquire(other, "region-b", ttl())).isPresent();
    }
  }

  @Nested
  @DisplayName("renew")
  class Renew {
    @Test
    @DisplayName("renew keeps the token and extends the expiry")
    void renewExtends() {
      Lease lease = acquire("region-a");
      advance(ttl().dividedBy(2));
      Lease renewed = store.renew(lease, ttl()).orElseThrow();
      assertThat(renewed.fencingToken()).isEqualTo(lease.fencingToken());
      assertThat(renewed.owner()).isEqualTo("region-a");
      assertThat(renewed.expiresAt()).isAfter(lease.expiresAt());
      // Past the first expiry, still held thanks to the renewal.
      advance(ttl().dividedBy(2).plus(ttl().dividedBy(4)));
      assertThat(store.acquire(name, "region-b", ttl())).isEmpty();
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.fencingToken()).isEqualTo(lease.fencingToken()));
    }

    @Test
    @DisplayName("renew after expiry, once someone else acquired, is empty and leaves the new holder alone")
    void renewAfterLoss() {
      Lease lease = acquire("region-a");
      expire();
      Lease other = acquire("region-b");
      assertThat(store.renew(lease, ttl())).isEmpty();
      assertThat(store.current(name)).hasValueSatisfying(c -> {
        assertThat(c.owner()).isEqualTo("region-b");
        assertThat(c.fencingToken()).isEqualTo(other.fencingToken());
      });
    }

    @Test
    @DisplayName("renew of an earlier lease of the same owner is empty")
    void renewStaleOfSameOwner() {
      Lease old = acquire("region-a");
      store.release(old);
      Lease current = acquire("region-a");
      assertThat(store.renew(old, ttl())).isEmpty();
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.fencingToken()).isEqualTo(current.fencingToken()));
    }

    @Test
    @DisplayName("renew after release is empty")
    void renewAfterRelease() {
      Lease lease = acquire("region-a");
      assertThat(store.release(lease)).isTrue();
      assertThat(store.renew(lease, ttl())).isEmpty();
      assertThat(store.current(name)).isEmpty();
    }
  }

  @Nested
  @DisplayName("release")
  class Release {
    @Test
    @DisplayName("release frees the name and the next acquisition gets a strictly greater token")
    void releaseThenReacquire() {
      Lease first = acquire("region-a");
      assertThat(store.release(first)).isTrue();
      assertThat(store.current(name)).isEmpty();
      Lease second = acquire("region-b");
      assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
      Lease third;
      store.release(second);
      third = acquire("region-a");
      assertThat(third.fencingToken()).isGreaterThan(second.fencingToken());
    }

    @Test
    @DisplayName("release with a stale lease returns false and leaves the holder alone")
    void releaseStale() {
      Lease old = acquire("region-a");
      expire();
      Lease holder = acquire("region-b");
      assertThat(store.release(old)).isFalse();
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.fencingToken()).isEqualTo(holder.fencingToken()));
      assertThat(store.acquire(name, "region-a", ttl())).isEmpty();
    }

    @Test
    @DisplayName("a second release returns false")
    void releaseTwice() {
      Lease lease = acquire("region-a");
      assertThat(store.release(lease)).isTrue();
      assertThat(store.release(lease)).isFalse();
    }

    @Test
    @DisplayName("release by another owner with a forged token returns false")
    void releaseByOther() {
      Lease lease = acquire("region-a");
      Lease forged = new Lease(name, "region-b", lease.fencingToken(), lease.expiresAt(), lease.ttl());
      assertThat(store.release(forged)).isFalse();
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.owner()).isEqualTo("region-a"));
    }
  }

  @Nested
  @DisplayName("fencing tokens and races")
  class TokensAndRaces {
    @Test
    @DisplayName("tokens strictly increase across many acquisitions, after release or expiry")
    void tokensStrictlyIncrease() {
      long last = Long.MIN_VALUE;
      for (int i = 0; i < 40; i++) {
        Lease lease = acquire("owner-" + (i % 3));
        assertThat(lease.fencingToken()).as("token of acquisition %d", i).isGreaterThan(last);
        last = lease.fencingToken();
        if (i % 2 == 0) {
          assertThat(store.release(lease)).isTrue();
        } else {
          expire();
        }
      }
    }

    @Test
    @DisplayName("concurrent acquires of one name: exactly one wins")
    void exactlyOneWinner() throws InterruptedException {
      List<Optional<Lease>> results = Concurrently.run(threads(), t -> () -> store.acquire(name, "owner-" + t, ttl()));
      List<Lease> winners = results.stream().flatMap(Optional::stream).toList();
      assertThat(winners).hasSize(1);
      assertThat(store.current(name)).hasValueSatisfying(c -> {
        assertThat(c.owner()).isEqualTo(winners.get(0).owner());
        assertThat(c.fencingToken()).isEqualTo(winners.get(0).fencingToken());
      });
    }

    @Test
    @DisplayName("rounds of concurrent acquires each have one winner with a greater token than the last")
    void racingRounds() throws InterruptedException {
      long last = Long.MIN_VALUE;
      for (int round = 0; round < 5; round++) {
        List<Optional<Lease>> results = Concurrently.run(threads(), t -> () -> store.acquire(name, "owner-" + t, ttl()));
        List<Lease> winners = results.stream().flatMap(Optional::stream).toList();
        assertThat(winners).as("winners of round %d", round).hasSize(1);
        assertThat(winners.get(0).fencingToken()).isGreaterThan(last);
        last = winners.get(0).fencingToken();
        assertThat(store.release(winners.get(0))).isTrue();
      }
    }
  }

  @Nested
  @DisplayName("fuzz")
  class Fuzz {
    @Test
    @DisplayName("contenders pausing and jumping the clock never hold at once; tokens rise, renew keeps them, a lost lease stays lost")
    void contendersNeverOverlap() throws InterruptedException {
      FuzzTimeline timeline = canJumpClock() ? FuzzTimeline.manual(LeaseStoreContract.this::advance) : FuzzTimeline.realTime();
      LeaseFuzz fuzz = new LeaseFuzz(store, name, ttl(), expiryMargin(), timeline, ThreadLocalRandom.current().nextLong());
      fuzz.run(fuzzContenders(), fuzzRounds(), fuzzDuration());
      fuzz.check();
      assertThat(fuzz.acquisitions()).as("leases granted").isGreaterThan(1);
      assertThat(fuzz.denials()).as("acquires refused while another contender held the lease").isPositive();
    }
  }
}
