package io.dualpush.testkit;

import io.dualpush.DestinationException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Wraps any {@link Destination} and injects faults into it: fail the next N calls, fail at a rate,
 * add latency, hang until released (interruptibly, or ignoring interrupts as a thread stuck in the
 * kernel does), corrupt the bytes of the next N writes, or partition it (every call fails as if the
 * region were unreachable) until healed. Faults apply to writes; a partition, latency and an
 * uninterruptible hang apply to every call. Thread-safe; settings may change while calls run.
 *
 * <pre>{@code
 * FaultInjectingDestination secondary = FaultInjectingDestination.wrap(new InMemoryDestination("dr"));
 * secondary.failNext(2);        // two transient failures, then normal
 * secondary.corruptNext(1);     // the next write stores one flipped byte
 * }</pre>
 */
public final class FaultInjectingDestination implements Destination {
  private final Destination delegate;
  private final String name;
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile boolean failNextTransient = true;
  private final AtomicInteger corruptNext = new AtomicInteger();
  private volatile double failureRate;
  private volatile Random random = new Random(42);
  private volatile Duration latency = Duration.ZERO;
  private volatile boolean partitioned;
  private volatile CountDownLatch hang;
  private volatile boolean hangUninterruptibly;
  private final AtomicInteger hung = new AtomicInteger();
  private final AtomicLong puts = new AtomicLong();
  private final AtomicLong gets = new AtomicLong();
  private final AtomicInteger failNextReads = new AtomicInteger();
  private final AtomicInteger corruptNextReads = new AtomicInteger();
  private final AtomicLong injectedFailures = new AtomicLong();

  private FaultInjectingDestination(Destination delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.name = delegate.describe();
  }

  /**
   * Wraps {@code delegate}; with no fault set, every call goes straight through to it, {@code overlaps}
   * included.
   *
   * @param delegate the destination to wrap
   * @return the wrapper
   */
  public static FaultInjectingDestination wrap(Destination delegate) {
    return new FaultInjectingDestination(delegate);
  }

  /**
   * The next {@code n} writes fail with a transient error.
   *
   * @param n how many writes fail, counted from now
   * @return this wrapper
   */
  public FaultInjectingDestination failNext(int n) {
    return failNext(n, true);
  }

  /**
   * The next {@code n} writes fail, transient or permanent.
   *
   * @param n how many writes fail, counted from now
   * @param transientFailure true for errors a retry may cure, false for permanent ones
   * @return this wrapper
   */
  public FaultInjectingDestination failNext(int n, boolean transientFailure) {
    failNextTransient = transientFailure;
    failNext.set(n);
    return this;
  }

  /**
   * Each write fails (transiently) with probability {@code rate}, drawn from a seeded generator.
   *
   * @param rate the probability from 0 to 1
   * @param seed seeds the generator, so a run can be repeated
   * @return this wrapper
   */
  public FaultInjectingDestination failAtRate(double rate, long seed) {
    if (rate < 0 || rate > 1) {
      throw new IllegalArgumentException("rate must be within [0, 1]");
    }
    this.random = new Random(seed);
    this.failureRate = rate;
    return this;
  }

  /**
   * Every call waits {@code latency} first.
   *
   * @param latency the delay before each call, zero for none
   * @return this wrapper
   */
  public FaultInjectingDestination latency(Duration latency) {
    this.latency = Objects.requireNonNull(latency, "latency");
    return this;
  }

  /**
   * Writes block until {@link #release()} or until their thread is interrupted (they then fail
   * with a transient error), as a write blocked on a socket does. See {@link #hangUninterruptibly()}
   * for a stall that an interrupt cannot end.
   *
   * @return this wrapper
   */
  public synchronized FaultInjectingDestination hang() {
    hangUninterruptibly = false;
    if (hang == null) {
      hang = new CountDownLatch(1);
    }
    return this;
  }

  /**
   * Every call ({@code put}, {@code head}, {@code list}, {@code get}, {@code delete}, {@code probe}) blocks until
   * {@link #release()} and ignores interrupts while it waits, as a thread blocked in the kernel on
   * a frozen file system ({@code fsfreeze}) or a dead NFS mount does: only the release lets it
   * return. An interrupt received while blocked stays set on the thread when the call returns, so
   * the caller still sees it. Calls then go on normally.
   *
   * <pre>{@code
   * stuck.hangUninterruptibly();   // the next calls stall, whatever interrupts them
   * stuck.release();               // the stalled calls return; new calls run normally
   * }</pre>
   *
   * @return this wrapper
   */
  public synchronized FaultInjectingDestination hangUninterruptibly() {
    hangUninterruptibly = true;
    if (hang == null) {
      hang = new CountDownLatch(1);
    }
    return this;
  }

  /**
   * Lets hung calls go on and stops hanging new ones.
   *
   * @return this wrapper
   */
  public synchronized FaultInjectingDestination release() {
    CountDownLatch h = hang;
    hang = null;
    hangUninterruptibly = false;
    if (h != null) {
      h.countDown();
    }
    return this;
  }

  /**
   * Calls blocked right now by {@link #hang()} or {@link #hangUninterruptibly()}.
   *
   * @return the number of calls blocked now
   */
  public int hungCalls() {
    return hung.get();
  }

  /**
   * The next {@code n} writes store the payload with one byte flipped.
   *
   * @param n how many writes are corrupted, counted from now
   * @return this wrapper
   */
  public FaultInjectingDestination corruptNext(int n) {
    corruptNext.set(n);
    return this;
  }

  /**
   * Fails the next {@code n} reads ({@code get}) with a transient {@link DestinationException}; {@code head}
   * still answers, as a store whose data path fails while its metadata path works.
   *
   * @param n how many reads to fail
   * @return this
   */
  public FaultInjectingDestination failNextReads(int n) {
    failNextReads.set(n);
    return this;
  }

  /**
   * Flips a bit of the bytes returned by the next {@code n} reads ({@code get}), leaving their size and the stored
   * MD5 that {@code head} reports unchanged: only a reader that checks the digest notices.
   *
   * @param n how many reads to corrupt
   * @return this
   */
  public FaultInjectingDestination corruptNextReads(int n) {
    corruptNextReads.set(n);
    return this;
  }

  /**
   * How many reads ({@code get}) reached this wrapper, faulty or not.
   *
   * @return the number of {@code get} calls
   */
  public long getCount() {
    return gets.get();
  }

  /**
   * Every call fails as if the destination were unreachable, until {@link #heal()}.
   *
   * @return this wrapper
   */
  public FaultInjectingDestination partition() {
    partitioned = true;
    return this;
  }

  /**
   * Ends a partition and clears every pending fault.
   *
   * @return this wrapper
   */
  public FaultInjectingDestination heal() {
    partitioned = false;
    failNext.set(0);
    corruptNext.set(0);
    failNextReads.set(0);
    corruptNextReads.set(0);
    failureRate = 0;
    latency = Duration.ZERO;
    release();
    return this;
  }

  /**
   * Writes attempted through this wrapper.
   *
   * @return the number of writes attempted
   */
  public long putCount() {
    return puts.get();
  }

  /**
   * Failures injected so far.
   *
   * @return the number of injected failures
   */
  public long injectedFailures() {
    return injectedFailures.get();
  }

  /**
   * The destination this wrapper forwards to.
   *
   * @return the wrapped destination
   */
  public Destination delegate() {
    return delegate;
  }

  @Override
  public PutResult put(WriteRequest request) {
    puts.incrementAndGet();
    before();
    CountDownLatch h = hang;
    if (h != null && !stallUninterruptibly(h)) {
      hung.incrementAndGet();
      try {
        h.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DestinationException(name, true, "write to " + name + " interrupted while hung", e);
      } finally {
        hung.decrementAndGet();
      }
    }
    if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      injectedFailures.incrementAndGet();
      throw new DestinationException(name, failNextTransient, "injected " + (failNextTransient ? "transient" : "permanent") + " failure");
    }
    if (failureRate > 0) {
      boolean fail;
      synchronized (this) {
        fail = random.nextDouble() < failureRate;
      }
      if (fail) {
        injectedFailures.incrementAndGet();
        throw new DestinationException(name, true, "injected failure (rate " + failureRate + ")");
      }
    }
    if (corruptNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      return delegate.put(request.withContent(() -> new CorruptingStream(request.open())));
    }
    return delegate.put(request);
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    stallUninterruptibly(hang);
    before();
    return delegate.head(key);
  }

  @Override
  public Optional<InputStream> get(String key) {
    gets.incrementAndGet();
    stallUninterruptibly(hang);
    before();
    if (failNextReads.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      injectedFailures.incrementAndGet();
      throw new DestinationException(name, true, "injected read failure");
    }
    Optional<InputStream> in = delegate.get(key);
    if (in.isPresent() && corruptNextReads.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
      return Optional.of(new CorruptingStream(in.get()));
    }
    return in;
  }

  @Override
  public boolean supportsListing() {
    return delegate.supportsListing();
  }

  /** Fails and stalls as {@link #head} does (a partition, latency, an uninterruptible hang), then asks the delegate. */
  @Override
  public List<ObjectInfo> list(String prefix, @Nullable String startAfter, int limit) {
    stallUninterruptibly(hang);
    before();
    return delegate.list(prefix, startAfter, limit);
  }

  @Override
  public boolean delete(String key) {
    stallUninterruptibly(hang);
    before();
    return delegate.delete(key);
  }

  @Override
  public HealthStatus probe() {
    stallUninterruptibly(hang);
    if (partitioned) {
      return HealthStatus.unhealthy(Duration.ZERO, "partitioned (injected)");
    }
    return delegate.probe();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public boolean supportsFencing() {
    return delegate.supportsFencing();
  }

  /**
   * Blocks until {@code h} is released when an uninterruptible hang is set, re-asserting any
   * interrupt afterwards (as {@code Uninterruptibles.awaitUninterruptibly} does); returns whether it
   * did.
   */
  private boolean stallUninterruptibly(CountDownLatch h) {
    if (h == null || !hangUninterruptibly) {
      return false;
    }
    boolean interrupted = false;
    hung.incrementAndGet();
    try {
      while (true) {
        try {
          h.await();
          return true;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      hung.decrementAndGet();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Whether the wrapped destination overlaps {@code other}, asked both ways round, with a
   * {@code FaultInjectingDestination} on the other side unwrapped too: a wrapper stores nothing of
   * its own, so two wrappers of one directory overlap as the directory does. Injected faults do not
   * apply. Thread-safe.
   */
  @Override
  public boolean overlaps(Destination other) {
    Destination unwrapped = other;
    while (unwrapped instanceof FaultInjectingDestination f) {
      unwrapped = f.delegate;
    }
    return other == this || delegate.overlaps(unwrapped) || unwrapped.overlaps(delegate);
  }

  private void before() {
    Duration d = latency;
    if (!d.isZero()) {
      try {
        Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DestinationException(name, true, "call to " + name + " interrupted", e);
      }
    }
    if (partitioned) {
      injectedFailures.incrementAndGet();
      throw new DestinationException(name, true, name + " is unreachable (injected partition)");
    }
  }

  /** Flips the lowest bit of the first byte, so sizes stay equal and only the digest tells. */
  private static final class CorruptingStream extends FilterInputStream {
    private boolean flipped;

    CorruptingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && !flipped) {
        flipped = true;
        return b ^ 1;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0 && !flipped) {
        flipped = true;
        b[off] ^= 1;
      }
      return n;
    }
  }
}
