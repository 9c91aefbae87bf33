package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeClaim.Status;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.DedupeStore;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link DedupeStore} keeps, as its Javadoc states it (guarantee G3): exactly one
 * caller claims an id, others see it in progress until it is marked done (then duplicate, with the
 * outcome) or released, and claims and done entries expire after their TTLs. Extend this and
 * implement {@link #createStore()} and {@link #advance(Duration)}.
 *
 * <p>Stores on a {@link ManualClock} advance it; stores on real time (a Redis server) sleep in
 * {@code advance} and override {@link #claimTtl()}, {@link #doneTtl()} and {@link #expiryMargin()}
 * with spans short enough to wait out.
 *
 * <pre>{@code
 * class MyStoreTest extends DedupeStoreContract {
 *   final ManualClock clock = new ManualClock();
 *   protected DedupeStore createStore() { return new MyStore(clock); }
 *   protected void advance(Duration d) { clock.advance(d); }
 * }
 * }</pre>
 */
public abstract class DedupeStoreContract {
  /** The store under test, fresh for each test. */
  protected DedupeStore store;

  /**
   * A new, empty store to test; called before each test.
   *
   * @return the store
   */
  protected abstract DedupeStore createStore();

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
  protected void closeStore(DedupeStore store) throws Exception {}

  /**
   * The claim TTL the tests use: 30 s unless overridden (a store on real time may shorten it).
   *
   * @return the claim TTL
   */
  protected Duration claimTtl() {
    return Duration.ofSeconds(30);
  }

  /**
   * The TTL of a processed id in the tests: 10 minutes unless overridden.
   *
   * @return the done TTL
   */
  protected Duration doneTtl() {
    return Duration.ofMinutes(10);
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
   * Number of threads in the concurrency tests.
   *
   * @return the number of threads, 16 unless overridden
   */
  protected int threads() {
    return 16;
  }

  @BeforeEach
  void createStoreUnderTest() {
    store = createStore();
  }

  @AfterEach
  void closeStoreUnderTest() throws Exception {
    if (store != null) {
      closeStore(store);
    }
  }

  /**
   * A message id unique to the running test.
   *
   * @param name a name for the id within the test
   * @return an id unique to the running test
   */
  protected static String messageId(String name) {
    return "contract-" + name + "-" + UUID.randomUUID();
  }

  @Nested
  @DisplayName("claims")
  class Claims {
    @Test
    @DisplayName("the first claim is CLAIMED and a second one IN_PROGRESS")
    void firstClaimsSecondWaits() {
      String id = messageId("m");
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.claimed());
      DedupeClaim second = store.claim(id, claimTtl());
      assertThat(second.status()).isEqualTo(Status.IN_PROGRESS);
      assertThat(second.outcome()).isEmpty();
    }

    @Test
    @DisplayName("after markDone a claim is DUPLICATE with the recorded outcome")
    void doneIsDuplicate() {
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.markDone(id, "txn-1|md5|42", doneTtl());
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.duplicate("txn-1|md5|42"));
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.duplicate("txn-1|md5|42"));
    }

    @Test
    @DisplayName("the engine's typed outcome comes back whole from a duplicate claim")
    void typedOutcomeRoundTrips() {
      String id = messageId("m");
      DedupeOutcome outcome = new DedupeOutcome("txn-1", "q83vEjRWeJCrze8SNFZ4kA==", 42);
      store.claim(id, claimTtl());
      store.markDone(id, outcome, doneTtl());
      assertThat(store.claim(id, claimTtl()).pushOutcome()).contains(outcome);
    }

    @Test
    @DisplayName("a released claim can be claimed again")
    void releaseAllowsReclaim() {
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.release(id);
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.CLAIMED);
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.IN_PROGRESS);
    }

    @Test
    @DisplayName("releasing an id already done does not forget it")
    void releaseAfterDoneKeepsDuplicate() {
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.markDone(id, "outcome", doneTtl());
      store.release(id);
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.duplicate("outcome"));
    }

    @Test
    @DisplayName("releasing an id never claimed does nothing")
    void releaseUnknown() {
      String id = messageId("m");
      store.release(id);
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.CLAIMED);
    }

    @Test
    @DisplayName("ids are independent")
    void idsIndependent() {
      String a = messageId("a");
      String b = messageId("b");
      store.claim(a, claimTtl());
      store.markDone(a, "done-a", doneTtl());
      assertThat(store.claim(b, claimTtl()).status()).isEqualTo(Status.CLAIMED);
      assertThat(store.claim(a, claimTtl()).status()).isEqualTo(Status.DUPLICATE);
    }
  }

  @Nested
  @DisplayName("expiry")
  class Expiry {
    @Test
    @DisplayName("an unfinished claim holds until claimTtl and expires after it")
    void claimExpires() {
      String id = messageId("m");
      store.claim(id, claimTtl());
      advance(claimTtl().dividedBy(2));
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.IN_PROGRESS);
      advance(claimTtl().dividedBy(2).plus(expiryMargin()));
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.CLAIMED);
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.IN_PROGRESS);
    }

    @Test
    @DisplayName("a done entry is remembered for its ttl, past the claim ttl, and forgotten after")
    void doneExpires() {
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.markDone(id, "outcome", doneTtl());
      advance(doneTtl().minus(expiryMargin().multipliedBy(2)));
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.duplicate("outcome"));
      advance(expiryMargin().multipliedBy(3));
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.CLAIMED);
    }
  }

  @Nested
  @DisplayName("concurrency")
  class Concurrency {
    @Test
    @DisplayName("concurrent claims of one id: exactly one is CLAIMED")
    void exactlyOneClaims() throws InterruptedException {
      String id = messageId("race");
      List<DedupeClaim> claims = Concurrently.run(threads(), t -> () -> store.claim(id, claimTtl()));
      assertThat(claims).filteredOn(c -> c.status() == Status.CLAIMED).hasSize(1);
      assertThat(claims).filteredOn(c -> c.status() == Status.IN_PROGRESS).hasSize(threads() - 1);
    }

    @Test
    @DisplayName("concurrent claims of many ids: each id is claimed exactly once")
    void eachIdOnce() throws InterruptedException {
      List<String> ids = java.util.stream.IntStream.range(0, 64).mapToObj(i -> messageId("many" + i)).toList();
      List<Integer> won = Concurrently.run(threads(), t -> () -> {
        int n = 0;
        for (String id : ids) {
          if (store.claim(id, claimTtl()).status() == Status.CLAIMED) {
            n++;
          }
        }
        return n;
      });
      assertThat(won.stream().mapToInt(Integer::intValue).sum()).isEqualTo(ids.size());
    }
  }
}
