package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fuzz and concurrency tiers of the lease and dedupe contracts are only worth their run time if
 * they catch the bugs lock and dedupe stores are known for; each test here runs a tier against a
 * store with one such bug and expects it to fail, and against the same store without the bug and
 * expects it to pass.
 */
@DisplayName("The fuzz tiers catch broken stores")
class FuzzTiersCatchBrokenStoresTest {

  @Nested
  @DisplayName("lease fuzz tier on a manual clock")
  class LeasesOnManualClock {
    @Test
    @DisplayName("passes the store without a bug")
    void passesCorrectStore() {
      assertThatCode(() -> leaseFuzz(LeaseBug.NONE, true)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "fails a store whose {0}")
    @EnumSource(value = LeaseBug.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    @DisplayName("fails a store with a bug, naming the broken rule")
    void failsBrokenStore(LeaseBug bug) {
      assertThatThrownBy(() -> leaseFuzz(bug, true)).isInstanceOf(AssertionError.class).hasMessageContaining(bug.symptom);
    }
  }

  @Nested
  @DisplayName("lease fuzz tier on real time")
  class LeasesOnRealTime {
    @Test
    @DisplayName("passes the store without a bug, its delays and pauses notwithstanding")
    void passesCorrectStore() {
      assertThatCode(() -> leaseFuzz(LeaseBug.NONE, false)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("fails a store whose acquire ignores the holder")
    void failsTwoHolders() {
      assertThatThrownBy(() -> leaseFuzz(LeaseBug.ACQUIRE_IGNORES_HOLDER, false))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(LeaseBug.ACQUIRE_IGNORES_HOLDER.symptom);
    }
  }

  @Nested
  @DisplayName("dedupe fuzz tier on a manual clock")
  class DedupeOnManualClock {
    @Test
    @DisplayName("passes the store without a bug")
    void passesCorrectStore() {
      assertThatCode(() -> dedupeContract(DedupeBug.NONE, true).new Fuzz().workersNeverShareAnId()).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "fails a store whose {0}")
    @EnumSource(value = DedupeBug.class, names = {"NONE", "NON_ATOMIC_CHECK_THEN_SET"}, mode = EnumSource.Mode.EXCLUDE)
    @DisplayName("fails a store with a bug, naming the broken rule")
    void failsBrokenStore(DedupeBug bug) {
      assertThatThrownBy(() -> dedupeContract(bug, true).new Fuzz().workersNeverShareAnId())
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(bug.symptom);
    }
  }

  @Nested
  @DisplayName("dedupe fuzz tier on real time")
  class DedupeOnRealTime {
    @Test
    @DisplayName("passes the store without a bug, its delays and pauses notwithstanding")
    void passesCorrectStore() {
      assertThatCode(() -> dedupeContract(DedupeBug.NONE, false).new Fuzz().workersNeverShareAnId()).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("fails a store whose claim ignores a claim in progress")
    void failsTwoClaimers() {
      assertThatThrownBy(() -> dedupeContract(DedupeBug.CLAIM_IGNORES_IN_PROGRESS, false).new Fuzz().workersNeverShareAnId())
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(DedupeBug.CLAIM_IGNORES_IN_PROGRESS.symptom);
    }
  }

  @Nested
  @DisplayName("dedupe concurrency tier")
  class DedupeConcurrency {
    @Test
    @DisplayName("passes the store without a bug")
    void passesCorrectStore() {
      assertThatCode(() -> dedupeContract(DedupeBug.NONE, true).new Concurrency().sameIdsProcessedOnce()).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("fails a store whose claim checks and then sets without atomicity")
    void failsNonAtomicClaim() {
      assertThatThrownBy(() -> dedupeContract(DedupeBug.NON_ATOMIC_CHECK_THEN_SET, true).new Concurrency().sameIdsProcessedOnce())
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining(DedupeBug.NON_ATOMIC_CHECK_THEN_SET.symptom);
    }
  }

  /** Runs the lease fuzz tier, as the contract does, against a store with {@code bug}. */
  private static void leaseFuzz(LeaseBug bug, boolean manualClock) throws Exception {
    ManualClock manual = new ManualClock();
    Clock clock = manualClock ? manual : Clock.systemUTC();
    LeaseStoreContract contract = new LeaseStoreContract() {
      @Override
      protected LeaseStore createStore() {
        return new BrokenLeaseStore(clock, bug);
      }

      @Override
      protected void advance(Duration d) {
        manual.advance(d);
      }

      @Override
      protected boolean canJumpClock() {
        return manualClock;
      }

      @Override
      protected Duration ttl() {
        return manualClock ? super.ttl() : Duration.ofMillis(150);
      }

      @Override
      protected Duration expiryMargin() {
        return manualClock ? super.expiryMargin() : Duration.ofMillis(5);
      }

      @Override
      protected Duration fuzzDuration() {
        return manualClock ? super.fuzzDuration() : Duration.ofMillis(800);
      }
    };
    contract.createStoreUnderTest();
    try {
      contract.new Fuzz().contendersNeverOverlap();
    } finally {
      contract.closeStoreUnderTest();
    }
  }

  /** A dedupe contract, its store created, on a store with {@code bug}. */
  private static DedupeStoreContract dedupeContract(DedupeBug bug, boolean manualClock) {
    ManualClock manual = new ManualClock();
    Clock clock = manualClock ? manual : Clock.systemUTC();
    DedupeStoreContract contract = new DedupeStoreContract() {
      @Override
      protected DedupeStore createStore() {
        return new BrokenDedupeStore(clock, bug);
      }

      @Override
      protected void advance(Duration d) {
        manual.advance(d);
      }

      @Override
      protected boolean canJumpClock() {
        return manualClock;
      }

      @Override
      protected int concurrencyIds() {
        // Enough for the race to show many times over; the contract tests run the default 10,000.
        return 2_000;
      }

      @Override
      protected Duration claimTtl() {
        return manualClock ? super.claimTtl() : Duration.ofMillis(150);
      }

      @Override
      protected Duration doneTtl() {
        return manualClock ? super.doneTtl() : Duration.ofMillis(600);
      }

      @Override
      protected Duration expiryMargin() {
        return manualClock ? super.expiryMargin() : Duration.ofMillis(5);
      }

      @Override
      protected Duration fuzzDuration() {
        return manualClock ? super.fuzzDuration() : Duration.ofMillis(800);
      }
    };
    contract.createStoreUnderTest();
    return contract;
  }

  /** Bugs lease stores are known for, each with the rule the tier's failure names. */
  enum LeaseBug {
    NONE(""),
    /** Acquire grants the lease whoever holds it, as a lock without NX would. */
    ACQUIRE_IGNORES_HOLDER("one holder at a time"),
    /** The token is the clock's milliseconds, which repeat while the clock stands still. */
    TOKEN_FROM_CLOCK("a token is never handed out twice"),
    /** Tokens count down. */
    TOKENS_DECREASE("tokens strictly increase in acquisition order"),
    /** Renew overwrites the lease whoever holds it and however late, as a SET without a check would. */
    RENEW_IGNORES_LOSS("a lease taken over is not renewed or released"),
    /** The lease lapses at half its TTL, as a TTL given in the wrong unit would. */
    EXPIRES_EARLY("one holder at a time"),
    /** Renew is refused once less than half the TTL is left, as a check against the wrong instant would. */
    RENEW_REFUSED_AFTER_HALF_TTL("a held lease is renewed"),
    /** Current returns the last lease granted, expired or not, as a read that ignores the expiry would. */
    CURRENT_IGNORES_EXPIRY("current names the holder");

    final String symptom;

    LeaseBug(String symptom) {
      this.symptom = symptom;
    }

    @Override
    public String toString() {
      return name().toLowerCase().replace('_', ' ');
    }
  }

  /** A lease store like the in-process one but for one bug. */
  private static final class BrokenLeaseStore implements LeaseStore {
    private final Clock clock;
    private final LeaseBug bug;
    private final Map<String, Lease> held = new HashMap<>();
    private long counter;

    BrokenLeaseStore(Clock clock, LeaseBug bug) {
      this.clock = clock;
      this.bug = bug;
    }

    @Override
    public synchronized Optional<Lease> acquire(String name, String owner, Duration ttl) {
      Instant now = clock.instant();
      Lease current = held.get(name);
      if (bug != LeaseBug.ACQUIRE_IGNORES_HOLDER && current != null && current.expiresAt().isAfter(now)) {
        return Optional.empty();
      }
      counter++;
      long token = switch (bug) {
        case TOKEN_FROM_CLOCK -> now.toEpochMilli();
        case TOKENS_DECREASE -> -counter;
        default -> counter;
      };
      Lease lease = new Lease(name, owner, token, expiry(now, ttl), ttl);
      held.put(name, lease);
      return Optional.of(lease);
    }

    private Instant expiry(Instant now, Duration ttl) {
      return now.plus(bug == LeaseBug.EXPIRES_EARLY ? ttl.dividedBy(2) : ttl);
    }

    @Override
    public synchronized Optional<Lease> renew(Lease lease, Duration ttl) {
      Instant now = clock.instant();
      Lease current = held.get(lease.name());
      Instant mustOutlive = bug == LeaseBug.RENEW_REFUSED_AFTER_HALF_TTL ? now.plus(ttl.dividedBy(2)) : now;
      boolean holds = current != null && current.owner().equals(lease.owner())
          && current.fencingToken() == lease.fencingToken() && current.expiresAt().isAfter(mustOutlive);
      if (!holds && bug != LeaseBug.RENEW_IGNORES_LOSS) {
        return Optional.empty();
      }
      Lease renewed = new Lease(lease.name(), lease.owner(), lease.fencingToken(), expiry(now, ttl), ttl);
      held.put(lease.name(), renewed);
      return Optional.of(renewed);
    }

    @Override
    public synchronized boolean release(Lease lease) {
      Lease current = held.get(lease.name());
      if (current != null && current.owner().equals(lease.owner()) && current.fencingToken() == lease.fencingToken()) {
        held.remove(lease.name());
        return current.expiresAt().isAfter(clock.instant());
      }
      return false;
    }

    @Override
    public synchronized Optional<Lease> current(String name) {
      Lease current = held.get(name);
      boolean expired = current != null && !current.expiresAt().isAfter(clock.instant());
      return current == null || (expired && bug != LeaseBug.CURRENT_IGNORES_EXPIRY) ? Optional.empty() : Optional.of(current);
    }
  }

  /** Bugs dedupe stores are known for, each with the rule (or words) the tier's failure names. */
  enum DedupeBug {
    NONE(""),
    /** Claim reads, then writes, with no atomicity between: two workers can both see a free id. */
    NON_ATOMIC_CHECK_THEN_SET("times:"),
    /** Claim takes an id whose claim has not expired, as a SET without NX would. */
    CLAIM_IGNORES_IN_PROGRESS("an id is claimed by one worker at a time"),
    /** markDone keeps the claim's expiry instead of the done TTL, as an update that keeps the key's TTL would. */
    DONE_EXPIRES_WITH_CLAIM("an id is claimed by one worker at a time"),
    /** Release leaves the claim in place, as a delete of the wrong key would. */
    RELEASE_IGNORED("IN_PROGRESS only while a claim may hold the id"),
    /** A claim never expires, as a SET without PX would leave it. */
    CLAIM_NEVER_EXPIRES("IN_PROGRESS only while a claim may hold the id"),
    /** Done entries outlive their TTL, as a store that never purges would keep them. */
    DONE_NEVER_EXPIRES("a done entry expires after its TTL");

    final String symptom;

    DedupeBug(String symptom) {
      this.symptom = symptom;
    }

    @Override
    public String toString() {
      return name().toLowerCase().replace('_', ' ');
    }
  }

  /** A dedupe store like the in-process one but for one bug. */
  private static final class BrokenDedupeStore implements DedupeStore {
    private record Entry(boolean done, String outcome, Instant expiresAt) {}

    private final Clock clock;
    private final DedupeBug bug;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    BrokenDedupeStore(Clock clock, DedupeBug bug) {
      this.clock = clock;
      this.bug = bug;
    }

    @Override
    public DedupeClaim claim(String messageId, Duration claimTtl) {
      if (bug == DedupeBug.NON_ATOMIC_CHECK_THEN_SET) {
        return check(messageId, claimTtl, true);
      }
      synchronized (this) {
        return check(messageId, claimTtl, false);
      }
    }

    private DedupeClaim check(String messageId, Duration claimTtl, boolean pauseBeforeSet) {
      Instant now = clock.instant();
      Entry e = entries.get(messageId);
      boolean live = e != null && (e.expiresAt().isAfter(now)
          || (e.done() ? bug == DedupeBug.DONE_NEVER_EXPIRES : bug == DedupeBug.CLAIM_NEVER_EXPIRES));
      if (live && (e.done() || bug != DedupeBug.CLAIM_IGNORES_IN_PROGRESS)) {
        return e.done() ? DedupeClaim.duplicate(e.outcome()) : DedupeClaim.inProgress();
      }
      if (pauseBeforeSet) {
        // A network round trip between a GET and a SET, short as on loopback.
        LockSupport.parkNanos(100_000);
      }
      entries.put(messageId, new Entry(false, "", now.plus(claimTtl)));
      return DedupeClaim.claimed();
    }

    @Override
    public synchronized void markDone(String messageId, String outcome, Duration ttl) {
      Entry claim = entries.get(messageId);
      Instant expiresAt = bug == DedupeBug.DONE_EXPIRES_WITH_CLAIM && claim != null
          ? claim.expiresAt()
          : clock.instant().plus(ttl);
      entries.put(messageId, new Entry(true, outcome, expiresAt));
    }

    @Override
    public synchronized void release(String messageId) {
      Entry e = entries.get(messageId);
      if (e != null && !e.done() && bug != DedupeBug.RELEASE_IGNORED) {
        entries.remove(messageId);
      }
    }
  }
}
