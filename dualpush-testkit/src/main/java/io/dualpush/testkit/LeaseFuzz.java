package io.dualpush.testkit;

import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import io.dualpush.testkit.FuzzTimeline.Point;
import io.dualpush.testkit.FuzzTimeline.Timed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lease fuzz tier's run and checks: contenders loop acquire, renew and release on one name
 * with random pauses and clock jumps, every call timed on a {@link FuzzTimeline}; then the history
 * is checked for what G6 forbids.
 *
 * <p>Every check can only fail on a real violation, whatever the network delays: a lease counts as
 * held from the moment its acquire <em>returned</em> (the store granted it before) until the
 * earliest of the moment its release was <em>sent</em> and the TTL counted from just before its
 * last successful acquire or renew was <em>sent</em> (the store counts from later), less the
 * store's clock resolution. That is the span its holder may act in (G6), and two such spans must
 * never meet.
 */
final class LeaseFuzz {
  private final LeaseStore store;
  private final String name;
  private final Duration ttl;
  private final Duration margin;
  private final FuzzTimeline timeline;
  private final long seed;
  private final FuzzViolations violations = new FuzzViolations();
  private final Queue<Holding> holdings = new ConcurrentLinkedQueue<>();
  private final Queue<Timed<Optional<Lease>>> currents = new ConcurrentLinkedQueue<>();
  private final AtomicInteger denials = new AtomicInteger();

  /** One acquisition and what its holder did with it; written by its contender only. */
  private static final class Holding {
    final String owner;
    final long token;
    final Point acquireSent;
    final Point acquireReturned;
    final List<Timed<Boolean>> renews = new ArrayList<>();
    Timed<Boolean> release;
    long start;
    long end;

    Holding(String owner, long token, Point acquireSent, Point acquireReturned) {
      this.owner = owner;
      this.token = token;
      this.acquireSent = acquireSent;
      this.acquireReturned = acquireReturned;
    }

    @Override
    public String toString() {
      return owner + " with token " + token;
    }
  }

  LeaseFuzz(LeaseStore store, String name, Duration ttl, Duration margin, FuzzTimeline timeline, long seed) {
    this.store = store;
    this.name = name;
    this.ttl = ttl;
    this.margin = margin;
    this.timeline = timeline;
    this.seed = seed;
  }

  /** Runs {@code contenders} threads of up to {@code rounds} acquire attempts each, within {@code duration}. */
  void run(int contenders, int rounds, Duration duration) throws InterruptedException {
    long deadline = System.nanoTime() + duration.toNanos();
    Concurrently.run(contenders, t -> () -> {
      contend("contender-" + t, rounds, deadline, new SplittableRandom(seed + t));
      return null;
    });
  }

  /** Leases granted in the run. */
  int acquisitions() {
    return holdings.size();
  }

  /** Acquire attempts refused in the run. */
  int denials() {
    return denials.get();
  }

  private void contend(String owner, int rounds, long deadline, SplittableRandom random) {
    Duration unit = pauseUnit();
    for (int round = 0; round < rounds && System.nanoTime() - deadline < 0; round++) {
      maybeJump(random);
      Timed<Optional<Lease>> acquired = timeline.call(p -> store.acquire(name, owner, ttl));
      if (acquired.result().isEmpty()) {
        denials.incrementAndGet();
        maybeObserve(random);
        timeline.pause(random, unit);
        continue;
      }
      Lease lease = acquired.result().get();
      if (!lease.name().equals(name) || !lease.owner().equals(owner) || !lease.ttl().equals(ttl)) {
        violation("acquire grants the name, owner and TTL asked for", owner + " asked for " + ttl + ", got " + lease);
      }
      Holding holding = new Holding(owner, lease.fencingToken(), acquired.sent(), acquired.returned());
      holdings.add(holding);
      maybeObserve(random);
      boolean lost = false;
      int renews = random.nextInt(4);
      for (int i = 0; i < renews && !lost; i++) {
        holdPause(random, unit);
        maybeJump(random);
        Lease held = lease;
        Timed<Optional<Lease>> renewed = timeline.call(p -> store.renew(held, ttl));
        holding.renews.add(new Timed<>(renewed.sent(), renewed.result().isPresent(), renewed.returned()));
        if (renewed.result().isEmpty()) {
          lost = true;
        } else {
          Lease next = renewed.result().get();
          if (next.fencingToken() != held.fencingToken() || !next.owner().equals(owner) || !next.name().equals(name)) {
            violation("renew keeps the token and owner", "renew of " + holding + " returned " + next);
          }
          lease = next;
        }
      }
      timeline.pause(random, unit);
      Lease last = lease;
      if (lost) {
        // Once the store refused a renew the lease is gone for good, so it cannot be released.
        if (store.release(last)) {
          violation("a lease refused a renew is gone",
              "release of " + holding + " returned true after its renew failed");
        }
      } else if (random.nextInt(10) != 0) {
        holding.release = timeline.call(p -> store.release(last));
        if (random.nextInt(3) == 0) {
          if (store.renew(last, ttl).isPresent()) {
            violation("a released lease is not renewed", "renew of " + holding + " succeeded after its release");
          }
          if (store.release(last)) {
            violation("a second release returns false", "a second release of " + holding + " returned true");
          }
        }
      }
      // Otherwise the holder walks away and the lease must expire on its own.
    }
  }

  private Duration pauseUnit() {
    Duration twentieth = ttl.dividedBy(20);
    Duration cap = Duration.ofMillis(5);
    return twentieth.compareTo(cap) < 0 ? twentieth : cap;
  }

  /** On a manual clock, now and then jumps it, below or past the TTL, and looks who holds the lease then. */
  private void maybeJump(SplittableRandom random) {
    if (timeline.canJump() && random.nextInt(25) == 0) {
      timeline.jump(random.nextBoolean()
          ? FuzzTimeline.fraction(random, ttl, 0.1, 0.7)
          : ttl.plus(margin).plus(FuzzTimeline.fraction(random, ttl, 0, 0.5)));
      observe();
    }
  }

  /** A holder's pause between renewals; on real time now and then long, below or past the TTL (a GC pause). */
  private void holdPause(SplittableRandom random, Duration unit) {
    if (!timeline.canJump()) {
      int dice = random.nextInt(40);
      if (dice == 0) {
        FuzzTimeline.sleep(ttl.plus(margin.multipliedBy(2)).plus(FuzzTimeline.fraction(random, ttl, 0, 0.25)));
        observe();
        return;
      }
      if (dice == 1) {
        FuzzTimeline.sleep(FuzzTimeline.fraction(random, ttl, 0.2, 0.5));
        return;
      }
    }
    timeline.pause(random, unit);
  }

  private void maybeObserve(SplittableRandom random) {
    if (random.nextInt(8) == 0) {
      observe();
    }
  }

  private void observe() {
    currents.add(timeline.call(p -> store.current(name)));
  }

  private void violation(String rule, String detail) {
    violations.add(rule, detail);
  }

  /** Checks the run's history; throws an {@link AssertionError} listing every violation found. */
  void check() {
    List<Holding> all = new ArrayList<>(holdings);
    for (Holding h : all) {
      h.start = h.acquireReturned.order();
      long expiry = timeline.orderAt(lastGrantSent(h).time() + ttl.toNanos() - margin.toNanos());
      h.end = h.release == null ? expiry : Math.min(expiry, h.release.sent().order());
    }
    checkTokens(all);
    checkOverlaps(all);
    checkLoss(all);
    checkCurrent(all);
    violations.throwIfAny("lease " + name + " (seed " + seed + ", " + all.size() + " acquisitions, " + denials.get()
        + " refused, " + timeline.jumps() + " clock jumps)");
  }

  private static Point lastGrantSent(Holding h) {
    Point last = h.acquireSent;
    for (Timed<Boolean> renew : h.renews) {
      if (renew.result()) {
        last = renew.sent();
      }
    }
    return last;
  }

  /** Tokens are never handed out twice, and a later acquisition never gets a smaller one. */
  private void checkTokens(List<Holding> all) {
    Map<Long, Holding> byToken = new HashMap<>();
    for (Holding h : all) {
      Holding other = byToken.putIfAbsent(h.token, h);
      if (other != null) {
        violation("a token is never handed out twice", "token " + h.token + " handed out twice: to " + other.owner
            + " and to " + h.owner);
      }
    }
    // Greatest token first: no acquisition may have been sent after one with a greater token returned.
    List<Holding> descending = new ArrayList<>(all);
    descending.sort(Comparator.comparingLong((Holding h) -> h.token).reversed());
    Holding earliestGreater = null;
    int i = 0;
    while (i < descending.size()) {
      int j = i;
      while (j < descending.size() && descending.get(j).token == descending.get(i).token) {
        Holding h = descending.get(j);
        if (earliestGreater != null && earliestGreater.acquireReturned.order() < h.acquireSent.order()) {
          violation("tokens strictly increase in acquisition order", "tokens went backwards: " + h
              + " was acquired after " + earliestGreater + " had been granted");
        }
        j++;
      }
      for (int k = i; k < j; k++) {
        Holding h = descending.get(k);
        if (earliestGreater == null || h.acquireReturned.order() < earliestGreater.acquireReturned.order()) {
          earliestGreater = h;
        }
      }
      i = j;
    }
  }

  /** No two leases were held at once. */
  private void checkOverlaps(List<Holding> all) {
    List<Holding> byStart = new ArrayList<>(all.stream().filter(h -> h.end > h.start).toList());
    byStart.sort(Comparator.comparingLong(h -> h.start));
    Holding open = null;
    for (Holding h : byStart) {
      if (open != null && h.start < open.end) {
        violation("one holder at a time", "two holders at once: " + h + " was granted while " + open + " held");
      }
      if (open == null || h.end > open.end) {
        open = h;
      }
    }
  }

  /**
   * A lease taken over or expired is never renewed nor released successfully; a lease still held is
   * never refused a renew.
   */
  private void checkLoss(List<Holding> all) {
    List<Holding> bySent = new ArrayList<>(all);
    bySent.sort(Comparator.comparingLong(h -> h.acquireSent.order()));
    long[] suffixMinReturned = new long[bySent.size() + 1];
    suffixMinReturned[bySent.size()] = Long.MAX_VALUE;
    for (int i = bySent.size() - 1; i >= 0; i--) {
      suffixMinReturned[i] = Math.min(suffixMinReturned[i + 1], bySent.get(i).acquireReturned.order());
    }
    for (Holding h : all) {
      // The earliest moment another acquisition, sent after this one was granted, had been granted.
      long takenOver = suffixMinReturned[firstSentAfter(bySent, h.acquireReturned.order())];
      Point lastGrantReturned = h.acquireReturned;
      for (Timed<Boolean> renew : h.renews) {
        if (renew.result()) {
          checkStillHeld(h, "renew", renew.sent(), takenOver, lastGrantReturned);
          lastGrantReturned = renew.returned();
        } else if (renew.returned().order() < h.end) {
          violation("a held lease is renewed", "renew of " + h + " was refused while the lease was still held");
        }
      }
      if (h.release != null && h.release.result()) {
        checkStillHeld(h, "release", h.release.sent(), takenOver, lastGrantReturned);
      }
    }
  }

  private void checkStillHeld(Holding h, String call, Point sent, long takenOver, Point lastGrantReturned) {
    if (takenOver < sent.order()) {
      violation("a lease taken over is not renewed or released", call + " of " + h + " succeeded after a takeover");
    } else if (sent.time() > lastGrantReturned.time() + ttl.toNanos() + margin.toNanos()) {
      violation("an expired lease is not renewed or released", call + " of " + h + " succeeded after it expired");
    }
  }

  private static int firstSentAfter(List<Holding> bySent, long order) {
    int low = 0;
    int high = bySent.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (bySent.get(mid).acquireSent.order() > order) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  /** {@code current} names a lease that may be held, and no other while one surely is. */
  private void checkCurrent(List<Holding> all) {
    Map<Long, Holding> byToken = new HashMap<>();
    all.forEach(h -> byToken.putIfAbsent(h.token, h));
    for (Timed<Optional<Lease>> c : currents) {
      Optional<Lease> seen = c.result();
      if (seen.isEmpty()) {
        for (Holding h : all) {
          if (h.start < c.sent().order() && h.end > c.returned().order()) {
            violation("current names the holder", "current was empty while " + h + " held the lease");
          }
        }
        continue;
      }
      Lease lease = seen.get();
      Holding h = byToken.get(lease.fencingToken());
      if (h == null || !h.owner.equals(lease.owner()) || h.acquireSent.order() > c.returned().order()) {
        violation("current names the holder", "current returned " + lease + ", which no acquire had returned");
        continue;
      }
      if (h.release != null && h.release.returned().order() < c.sent().order()) {
        violation("current names the holder", "current returned " + h + " after its holder released it");
      }
      long latestExpiry = h.acquireReturned.time();
      for (Timed<Boolean> renew : h.renews) {
        if (renew.result() && renew.sent().order() < c.returned().order()) {
          latestExpiry = renew.returned().time();
        }
      }
      if (c.sent().time() > latestExpiry + ttl.toNanos() + margin.toNanos()) {
        violation("current names the holder", "current returned " + h + " after it had expired");
      }
      for (Holding other : all) {
        if (other != h && other.start < c.sent().order() && other.end > c.returned().order()) {
          violation("current names the holder", "current returned " + h + " while " + other + " held the lease");
        }
      }
    }
  }
}
