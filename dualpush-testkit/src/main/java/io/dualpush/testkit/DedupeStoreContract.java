package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeClaim.Status;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.DedupeStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
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
 * <p>Stores on a {@link ManualClock} advance it and return true from {@link #canJumpClock()}; stores
 * on real time (a Redis server) sleep in {@code advance} and override {@link #claimTtl()},
 * {@link #doneTtl()} and {@link #expiryMargin()} with spans short enough to wait out.
 *
 * <p>A fuzz tier runs {@link #fuzzWorkers()} threads claiming random ids of a small shared set, then
 * marking them done, releasing them or leaving their claims to expire, with random pauses and, on a
 * manual clock, random jumps below and past the claim TTL; it checks that no id is claimed while
 * another claim or done entry of it surely held it, and that duplicates carry a recorded outcome.
 * Its workers act on a claim only within the first half of its TTL, as a holder must, and it judges
 * by spans that network delays cannot lengthen, so it cannot fail a correct store. A concurrency
 * test has {@link #threads()} workers claim the same {@link #concurrencyIds()} ids and checks that
 * each is processed exactly once.
 *
 * <p>The peek tests run only when {@link DedupeStore#supportsPeek()} is true; otherwise one test
 * checks that {@code peek} refuses with {@link UnsupportedOperationException}.
 *
 * <pre>{@code
 * class MyStoreTest extends DedupeStoreContract {
 *   final ManualClock clock = new ManualClock();
 *   protected DedupeStore createStore() { return new MyStore(clock); }
 *   protected void advance(Duration d) { clock.advance(d); }
 *   protected boolean canJumpClock() { return true; }
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

  /**
   * Whether {@link #advance(Duration)} moves the store's clock at once and nothing else moves it, as
   * with a {@link ManualClock}. The fuzz tier then jumps the clock at random, below and past the
   * claim TTL, and measures the store's time as the sum of its jumps; otherwise (the default, for a
   * store on real time) it measures real time and never advances, and its workers now and then pause
   * past the claim TTL instead.
   *
   * @return true for a store on a clock that only {@code advance} moves; false by default
   */
  protected boolean canJumpClock() {
    return false;
  }

  /**
   * Number of workers in the fuzz tier.
   *
   * @return the number of threads, 8 unless overridden
   */
  protected int fuzzWorkers() {
    return 8;
  }

  /**
   * Claims per worker in the fuzz tier, unless {@link #fuzzDuration()} ends it first.
   *
   * @return the rounds per worker, 500 unless overridden
   */
  protected int fuzzRounds() {
    return 500;
  }

  /**
   * Real time after which the fuzz tier's workers start no new claim; a claim under way finishes, so
   * a run on real time may last up to about one claim TTL longer.
   *
   * @return the bound, 5 seconds unless overridden
   */
  protected Duration fuzzDuration() {
    return Duration.ofSeconds(5);
  }

  /**
   * Number of ids every worker of the concurrency test claims; a slow store may use fewer.
   *
   * @return the number of ids, 10,000 unless overridden
   */
  protected int concurrencyIds() {
    return 10_000;
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
  @DisplayName("peek")
  class Peek {
    @Test
    @DisplayName("a store that cannot peek refuses with UnsupportedOperationException")
    void unsupported() {
      assumeFalse(store.supportsPeek(), "the store can peek");
      assertThatThrownBy(() -> store.peek(messageId("m"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    @DisplayName("an id never seen is free")
    void free() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      assertThat(store.peek(messageId("m"))).isEmpty();
    }

    @Test
    @DisplayName("a claimed id is IN_PROGRESS")
    void claimed() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      store.claim(id, claimTtl());
      assertThat(store.peek(id)).contains(DedupeClaim.inProgress());
    }

    @Test
    @DisplayName("a done id is DUPLICATE with the recorded outcome")
    void done() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      DedupeOutcome outcome = new DedupeOutcome("txn-1", "q83vEjRWeJCrze8SNFZ4kA==", 42);
      store.claim(id, claimTtl());
      store.markDone(id, outcome, doneTtl());
      assertThat(store.peek(id)).contains(DedupeClaim.duplicate(outcome));
      assertThat(store.peek(id).orElseThrow().pushOutcome()).contains(outcome);
    }

    @Test
    @DisplayName("a released id is free")
    void released() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.release(id);
      assertThat(store.peek(id)).isEmpty();
    }

    @Test
    @DisplayName("an expired claim is free, and peeking did not keep it alive")
    void expiredClaim() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      store.claim(id, claimTtl());
      advance(claimTtl().dividedBy(2));
      assertThat(store.peek(id)).contains(DedupeClaim.inProgress());
      advance(claimTtl().dividedBy(2).plus(expiryMargin()));
      assertThat(store.peek(id)).isEmpty();
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.CLAIMED);
    }

    @Test
    @DisplayName("an expired done entry is free")
    void expiredDone() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      store.claim(id, claimTtl());
      store.markDone(id, "outcome", doneTtl());
      advance(doneTtl().plus(expiryMargin()));
      assertThat(store.peek(id)).isEmpty();
    }

    @Test
    @DisplayName("peek never claims: a claim after peeks still wins, and the claimer's state is what peek then shows")
    void peekNeverClaims() {
      assumeTrue(store.supportsPeek(), "the store cannot peek");
      String id = messageId("m");
      assertThat(store.peek(id)).isEmpty();
      assertThat(store.peek(id)).isEmpty();
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.claimed());
      assertThat(store.peek(id)).contains(DedupeClaim.inProgress());
      assertThat(store.claim(id, claimTtl()).status()).isEqualTo(Status.IN_PROGRESS);
      store.markDone(id, "outcome", doneTtl());
      assertThat(store.peek(id)).contains(DedupeClaim.duplicate("outcome"));
      assertThat(store.claim(id, claimTtl())).isEqualTo(DedupeClaim.duplicate("outcome"));
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

    @Test
    @DisplayName("workers claiming the same ids process each exactly once; the others see DUPLICATE with its outcome or IN_PROGRESS")
    void sameIdsProcessedOnce() throws InterruptedException {
      int n = concurrencyIds();
      int workers = threads();
      String prefix = messageId("same") + "-";
      // Longer than any run, so that no claim or done entry expires mid-run: each id has one epoch.
      Duration ttl = Duration.ofMinutes(10);
      // Half the workers go up the ids and half down, so they race on the same id and also meet done ones.
      List<String[]> answers = Concurrently.run(workers, w -> () -> {
        String[] seen = new String[n];
        for (int k = 0; k < n; k++) {
          int i = w % 2 == 0 ? k : n - 1 - k;
          String id = prefix + i;
          DedupeClaim claim = store.claim(id, ttl);
          if (claim.status() == Status.CLAIMED) {
            String outcome = "worker-" + w + "#" + i;
            store.markDone(id, outcome, ttl);
            seen[i] = "processed " + outcome;
          } else if (claim.status() == Status.DUPLICATE) {
            seen[i] = "duplicate " + claim.outcome().orElse("without outcome");
          } else {
            seen[i] = "in progress";
          }
        }
        return seen;
      });
      List<String> violations = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int id = i;
        List<String> processed = IntStream.range(0, workers).mapToObj(w -> answers.get(w)[id])
            .filter(a -> a.startsWith("processed ")).toList();
        if (processed.size() != 1) {
          violations.add(prefix + i + " was processed " + processed.size() + " times: " + processed);
          continue;
        }
        String outcome = processed.get(0).substring("processed ".length());
        for (int w = 0; w < workers; w++) {
          String a = answers.get(w)[i];
          if (!a.startsWith("processed ") && !a.equals("in progress") && !a.equals("duplicate " + outcome)) {
            violations.add(prefix + i + " answered worker-" + w + " '" + a + "' although " + outcome + " processed it");
          }
        }
      }
      if (!violations.isEmpty()) {
        throw new AssertionError(violations.size() + " of " + n + " ids went wrong with " + workers + " workers, first ones:\n  "
            + String.join("\n  ", violations.subList(0, Math.min(20, violations.size()))));
      }
      long duplicates = answers.stream().flatMap(java.util.Arrays::stream).filter(a -> a.startsWith("duplicate ")).count();
      assertThat(duplicates).as("DUPLICATE answers").isPositive();
    }
  }

  @Nested
  @DisplayName("fuzz")
  class Fuzz {
    @Test
    @DisplayName("workers pausing and jumping the clock never claim an id another claim or done entry holds")
    void workersNeverShareAnId() throws InterruptedException {
      FuzzTimeline timeline = canJumpClock() ? FuzzTimeline.manual(DedupeStoreContract.this::advance) : FuzzTimeline.realTime();
      int workers = fuzzWorkers();
      List<String> ids = IntStream.range(0, 3 * workers).mapToObj(i -> messageId("fuzz" + i)).toList();
      DedupeFuzz fuzz = new DedupeFuzz(store, ids, claimTtl(), doneTtl(), expiryMargin(), timeline,
          ThreadLocalRandom.current().nextLong());
      fuzz.run(workers, fuzzRounds(), fuzzDuration());
      fuzz.check();
      assertThat(fuzz.count(Status.CLAIMED)).as("CLAIMED answers").isPositive();
      assertThat(fuzz.count(Status.DUPLICATE) + fuzz.count(Status.IN_PROGRESS)).as("answers to a worker that lost").isPositive();
    }
  }
}
