package io.dualpush.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where the fuzz tiers read time, so that their checks hold for a store on a {@link ManualClock}
 * and for one on real time alike.
 *
 * <p>Every store call is timed by a reading just before it was sent and one just after it returned.
 * A reading has an <em>order</em> (which events came before which) and a <em>time</em> (the store's
 * clock then, in nanoseconds from the start of the run). On real time both are
 * {@link System#nanoTime()}; the store executed the call somewhere between the two readings, and
 * its clock runs at the rate of ours (the contract's {@code expiryMargin()} absorbs the rest). On a
 * manual clock the time is the sum of the tier's own jumps, and the order a counter: every call runs
 * under a read lock and every jump under the write lock, so a call sees exactly the time of its
 * readings and the counter orders events as they happened.
 */
final class FuzzTimeline {
  /**
   * One reading.
   *
   * @param order place in the order of events; comparable across threads
   * @param time the store's clock then, in nanoseconds since the start of the run
   */
  record Point(long order, long time) {}

  /**
   * A call with its readings.
   *
   * @param sent the reading just before the call was sent
   * @param result what it returned
   * @param returned the reading just after it returned
   * @param <T> the result's type
   */
  record Timed<T>(Point sent, T result, Point returned) {}

  private final boolean manual;
  private final Consumer<Duration> advance;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final AtomicLong sequence = new AtomicLong();
  private final long origin = System.nanoTime();
  // Manual clock only: the sum of jumps so far, and each jump as {order, time after it}.
  private volatile long jumped;
  private final List<long[]> jumps = new ArrayList<>();

  private FuzzTimeline(boolean manual, Consumer<Duration> advance) {
    this.manual = manual;
    this.advance = advance;
  }

  /** A timeline on real time: the tier never moves the store's clock, it pauses threads. */
  static FuzzTimeline realTime() {
    return new FuzzTimeline(false, d -> {
      throw new IllegalStateException("a store on real time is not jumped");
    });
  }

  /** A timeline for a store whose clock moves only, and at once, through {@code advance}. */
  static FuzzTimeline manual(Consumer<Duration> advance) {
    return new FuzzTimeline(true, advance);
  }

  /** Whether the store's clock can be jumped. */
  boolean canJump() {
    return manual;
  }

  /** Runs {@code call}, which is given the reading just before it, and times it. */
  <T> Timed<T> call(Function<Point, T> call) {
    if (!manual) {
      Point sent = now();
      T result = call.apply(sent);
      return new Timed<>(sent, result, now());
    }
    lock.readLock().lock();
    try {
      Point sent = now();
      T result = call.apply(sent);
      return new Timed<>(sent, result, now());
    } finally {
      lock.readLock().unlock();
    }
  }

  private Point now() {
    if (manual) {
      return new Point(sequence.incrementAndGet(), jumped);
    }
    long t = System.nanoTime() - origin;
    return new Point(t, t);
  }

  /** A reading outside any call. */
  Point read() {
    return call(p -> p).sent();
  }

  /** Moves the store's clock forward by {@code d}, while no call is running. */
  void jump(Duration d) {
    lock.writeLock().lock();
    try {
      jumped += d.toNanos();
      advance.accept(d);
      jumps.add(new long[] {sequence.incrementAndGet(), jumped});
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Number of jumps so far. */
  int jumps() {
    lock.readLock().lock();
    try {
      return jumps.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The order of the first moment the store's clock reads {@code time} or later: a reading ordered
   * before it saw an earlier time. Call once the run is over.
   */
  long orderAt(long time) {
    if (!manual) {
      return time;
    }
    if (time <= 0) {
      return Long.MIN_VALUE;
    }
    for (long[] jump : jumps) {
      if (jump[1] >= time) {
        return jump[0];
      }
    }
    return Long.MAX_VALUE;
  }

  /**
   * A short random pause between calls, to vary interleavings: on real time up to {@code unit}; on
   * a manual clock a yield or a few microseconds, since real time means nothing to the store.
   */
  void pause(SplittableRandom random, Duration unit) {
    if (manual) {
      if (random.nextInt(4) == 0) {
        LockSupport.parkNanos(random.nextLong(1, 50_000));
      } else {
        Thread.yield();
      }
      return;
    }
    sleep(Duration.ofNanos(random.nextLong(0, Math.max(1, unit.toNanos()))));
  }

  /** Sleeps for {@code d} of real time. */
  static void sleep(Duration d) {
    long nanos = d.toNanos();
    if (nanos <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pausing", e);
    }
  }

  /** A span of {@code lowFraction} to {@code highFraction} of {@code of}, at random. */
  static Duration fraction(SplittableRandom random, Duration of, double lowFraction, double highFraction) {
    double f = lowFraction + random.nextDouble() * (highFraction - lowFraction);
    return Duration.ofNanos((long) (of.toNanos() * f));
  }
}
