package io.dualpush.testkit;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeClaim.Status;
import io.dualpush.spi.DedupeStore;
import io.dualpush.testkit.FuzzTimeline.Point;
import io.dualpush.testkit.FuzzTimeline.Timed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The dedupe fuzz tier's run and checks: workers claim random ids of a small shared set, then mark
 * them done, release them or walk away (the claim must expire), with random pauses and clock jumps,
 * every call timed on a {@link FuzzTimeline}; then the history is checked for what G3 forbids.
 *
 * <p>A worker acts on its claim (marks done or releases) only within the first half of its claim
 * TTL, counted from just before it sent the claim, as a lease holder stops acting before its lease
 * can expire: the SPI's release and markDone carry no owner, so a worker acting later could undo
 * another's claim, and no store could prevent it. Every check can only fail on a real violation: a
 * claim counts as holding its id from the moment its CLAIMED answer returned until the earliest of
 * its release being sent and the claim TTL from its sending, or, once marked done in time, the done
 * TTL from the sending of markDone; two such spans of one id must never meet.
 */
final class DedupeFuzz {
  private final DedupeStore store;
  private final List<String> ids;
  private final Duration claimTtl;
  private final Duration doneTtl;
  private final Duration margin;
  private final FuzzTimeline timeline;
  private final long seed;
  private final FuzzViolations violations = new FuzzViolations();
  private final Queue<Claim> claims = new ConcurrentLinkedQueue<>();
  private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();

  /** A claim answer for an id. */
  private record Answer(String worker, String id, Timed<DedupeClaim> claim) {}

  /** A CLAIMED answer and what its worker did with it; written by its worker only. */
  private static final class Claim {
    final String worker;
    final String id;
    final Timed<DedupeClaim> claim;
    Timed<Boolean> markDone;
    String outcome;
    Timed<Boolean> release;
    long start;
    long end;
    boolean doneInTime;

    Claim(String worker, String id, Timed<DedupeClaim> claim) {
      this.worker = worker;
      this.id = id;
      this.claim = claim;
    }

    @Override
    public String toString() {
      return worker + "'s claim of " + id;
    }
  }

  DedupeFuzz(DedupeStore store, List<String> ids, Duration claimTtl, Duration doneTtl, Duration margin,
      FuzzTimeline timeline, long seed) {
    this.store = store;
    this.ids = List.copyOf(ids);
    this.claimTtl = claimTtl;
    this.doneTtl = doneTtl;
    this.margin = margin;
    this.timeline = timeline;
    this.seed = seed;
  }

  /** Runs {@code workers} threads of up to {@code rounds} claims each, within {@code duration}. */
  void run(int workers, int rounds, Duration duration) throws InterruptedException {
    long deadline = System.nanoTime() + duration.toNanos();
    Concurrently.run(workers, t -> () -> {
      work("worker-" + t, rounds, deadline, new SplittableRandom(seed + t));
      return null;
    });
  }

  /** Number of answers of {@code status} in the run. */
  long count(Status status) {
    return answers.stream().filter(a -> a.claim().result().status() == status).count();
  }

  private void work(String worker, int rounds, long deadline, SplittableRandom random) {
    Duration unit = pauseUnit();
    for (int round = 0; round < rounds && System.nanoTime() - deadline < 0; round++) {
      maybeJump(random);
      String id = ids.get(random.nextInt(ids.size()));
      Timed<DedupeClaim> answer = timeline.call(p -> store.claim(id, claimTtl));
      answers.add(new Answer(worker, id, answer));
      DedupeClaim result = answer.result();
      if (result.status() == Status.DUPLICATE && result.outcome().isEmpty()) {
        violation("a DUPLICATE carries its outcome", "a DUPLICATE answer for " + id + " carried no outcome");
      }
      if (result.status() != Status.CLAIMED) {
        timeline.pause(random, unit);
        continue;
      }
      Claim claim = new Claim(worker, id, answer);
      claims.add(claim);
      workPause(random, unit);
      maybeJump(random);
      long actBefore = answer.sent().time() + claimTtl.toNanos() / 2;
      int choice = random.nextInt(20);
      if (choice < 12) {
        String outcome = worker + "#" + round;
        Timed<Boolean> done = timeline.call(p -> {
          if (p.time() >= actBefore) {
            return false;
          }
          store.markDone(id, outcome, doneTtl);
          return true;
        });
        if (done.result()) {
          claim.markDone = done;
          claim.outcome = outcome;
        }
      } else if (choice < 17) {
        Timed<Boolean> released = timeline.call(p -> {
          if (p.time() >= actBefore) {
            return false;
          }
          store.release(id);
          return true;
        });
        if (released.result()) {
          claim.release = released;
        }
      }
      // Otherwise, or when too late to act, the worker walks away and the claim must expire.
      timeline.pause(random, unit);
    }
  }

  private Duration pauseUnit() {
    Duration twentieth = claimTtl.dividedBy(20);
    Duration cap = Duration.ofMillis(5);
    return twentieth.compareTo(cap) < 0 ? twentieth : cap;
  }

  /** On a manual clock, now and then jumps it, below or past the claim TTL. */
  private void maybeJump(SplittableRandom random) {
    if (timeline.canJump() && random.nextInt(30) == 0) {
      timeline.jump(random.nextBoolean()
          ? FuzzTimeline.fraction(random, claimTtl, 0.1, 0.7)
          : claimTtl.plus(margin).plus(FuzzTimeline.fraction(random, claimTtl, 0, 0.5)));
    }
  }

  /** A worker's pause while processing; on real time now and then long, up to past the claim TTL. */
  private void workPause(SplittableRandom random, Duration unit) {
    if (!timeline.canJump()) {
      int dice = random.nextInt(40);
      if (dice == 0) {
        FuzzTimeline.sleep(claimTtl.plus(margin.multipliedBy(2)));
        return;
      }
      if (dice == 1) {
        FuzzTimeline.sleep(FuzzTimeline.fraction(random, claimTtl, 0.1, 0.4));
        return;
      }
    }
    timeline.pause(random, unit);
  }

  private void violation(String rule, String detail) {
    violations.add(rule, detail);
  }

  private long orderAt(Point from, Duration ttl) {
    return timeline.orderAt(from.time() + ttl.toNanos() - margin.toNanos());
  }

  /** Checks the run's history; throws an {@link AssertionError} listing every violation found. */
  void check() {
    Map<String, List<Claim>> byId = new HashMap<>();
    claims.forEach(c -> byId.computeIfAbsent(c.id, k -> new ArrayList<>()).add(c));
    byId.values().forEach(this::spans);
    byId.values().forEach(this::checkExclusive);
    checkAnswers(byId);
    violations.throwIfAny("dedupe (seed " + seed + ", " + answers.size() + " claims of " + ids.size() + " ids, "
        + claims.size() + " CLAIMED, " + timeline.jumps() + " clock jumps)");
  }

  /** Works out the span in which each claim surely held its id. */
  private void spans(List<Claim> ofId) {
    for (Claim c : ofId) {
      c.start = c.claim.returned().order();
      long claimEnd = orderAt(c.claim.sent(), claimTtl);
      c.doneInTime = c.markDone != null && c.markDone.returned().order() < claimEnd;
      if (c.doneInTime) {
        // The claim held until markDone ran, the done entry from then on.
        c.end = orderAt(c.markDone.sent(), doneTtl);
      } else if (c.markDone != null) {
        c.end = Math.min(claimEnd, orderAt(c.markDone.sent(), doneTtl));
      } else if (c.release != null) {
        c.end = Math.min(claimEnd, c.release.sent().order());
      } else {
        c.end = claimEnd;
      }
    }
    // A release or markDone by another worker that may have run after this claim ends it sooner.
    for (Claim c : ofId) {
      for (Claim other : ofId) {
        if (other == c) {
          continue;
        }
        if (other.release != null && other.release.returned().order() > c.start) {
          c.end = Math.min(c.end, other.release.sent().order());
        }
        if (other.markDone != null && other.markDone.returned().order() > c.start) {
          c.end = Math.min(c.end, orderAt(other.markDone.sent(), doneTtl));
        }
      }
    }
  }

  /** No id was claimed while an earlier claim of it, or its done entry, surely held it. */
  private void checkExclusive(List<Claim> ofId) {
    List<Claim> byStart = new ArrayList<>(ofId.stream().filter(c -> c.end > c.start).toList());
    byStart.sort(Comparator.comparingLong(c -> c.start));
    Claim open = null;
    for (Claim c : byStart) {
      if (open != null && c.start < open.end) {
        violation("an id is claimed by one worker at a time", c.id + " was CLAIMED by " + c.worker + " while "
            + open.worker + "'s " + (open.doneInTime ? "done entry" : "claim") + " still held it");
      }
      if (open == null || c.end > open.end) {
        open = c;
      }
    }
  }

  /**
   * An id surely done answers DUPLICATE; IN_PROGRESS needs a claim that may still hold the id; a
   * DUPLICATE carries an outcome recorded for that id and not surely expired.
   */
  private void checkAnswers(Map<String, List<Claim>> byId) {
    for (Answer a : answers) {
      DedupeClaim result = a.claim().result();
      Point sent = a.claim().sent();
      Point returned = a.claim().returned();
      List<Claim> ofId = byId.getOrDefault(a.id(), List.of());
      if (result.status() == Status.IN_PROGRESS) {
        for (Claim c : ofId) {
          if (c.doneInTime && c.markDone.returned().order() < sent.order() && returned.order() < c.end) {
            violation("a done id answers DUPLICATE",
                a.id() + " answered IN_PROGRESS to " + a.worker() + " while done by " + c.worker);
          }
        }
        if (ofId.stream().noneMatch(c -> mayHold(c, sent, returned))) {
          violation("IN_PROGRESS only while a claim may hold the id", a.id() + " answered IN_PROGRESS to "
              + a.worker() + " although every claim of it had surely been released, marked done or expired");
        }
      } else if (result.status() == Status.DUPLICATE && result.outcome().isPresent()) {
        String outcome = result.outcome().get();
        List<Claim> recorded = ofId.stream()
            .filter(c -> outcome.equals(c.outcome) && c.markDone.sent().order() < returned.order())
            .toList();
        if (recorded.isEmpty()) {
          violation("a DUPLICATE carries an outcome recorded for its id", a.id() + " answered DUPLICATE to "
              + a.worker() + " with outcome '" + outcome + "', which no markDone of that id had recorded");
        } else if (recorded.stream().allMatch(c -> sent.time() > c.markDone.returned().time() + doneTtl.toNanos()
            + margin.toNanos())) {
          violation("a done entry expires after its TTL",
              a.id() + " answered DUPLICATE to " + a.worker() + " after its done entry had expired");
        }
      }
    }
  }

  /** Whether claim {@code c} may still have held its id, unfinished, when an answer between the readings ran. */
  private boolean mayHold(Claim c, Point sent, Point returned) {
    if (c.claim.sent().order() >= returned.order()) {
      return false;
    }
    if (c.release != null && c.release.returned().order() < sent.order()) {
      return false;
    }
    if (c.markDone != null && c.markDone.returned().order() < sent.order()) {
      return false;
    }
    return sent.time() <= c.claim.returned().time() + claimTtl.toNanos() + margin.toNanos();
  }
}
