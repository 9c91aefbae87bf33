package io.dualpush;

import io.dualpush.spi.Alert;
import io.dualpush.spi.AlertSink;
import io.dualpush.spi.Lease;
import io.dualpush.spi.LeaseStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active/standby coordination of regions (or processes) over any {@link LeaseStore} (guarantee G6): the
 * process holding the lease is active, the others stand by and take over when it lapses or is released.
 *
 * <p>As client-go's leader election does, the holder measures its lease on a monotonic ticker from just
 * before each acquire or renew was sent, and counts itself active only until that moment plus the
 * {@linkplain Builder#renewDeadline renew deadline}, which is shorter than the TTL: it stops acting before
 * the store could give the lease to another, even when a renewal hangs (a timer of its own steps it down at
 * the deadline whether or not the call returned). It renews every {@linkplain Builder#renewInterval renew
 * interval}, retries a failed renewal quickly until the deadline, and on losing the lease tells the
 * {@link CoordinatorListener}s, raises an alert and stands by, retrying to acquire every
 * {@linkplain Builder#retryInterval retry interval}; a lease acquired again has a new, larger fencing
 * token. (A renewal that succeeds after the timer stepped the holder down makes it active again with the
 * same token, counted from that renewal's own send time: the store renewed the lease it still held, so no
 * other holder, and no larger token, came in between.) {@link #close()} releases the lease so that a
 * standby takes over at its next attempt, within the retry interval.
 *
 * <p>Given to {@link DualPushClientBuilder#coordinator}, it fences the client's pushes: a push is refused
 * with {@link NotActiveException} unless active, and every write carries the lease's fencing token, which
 * destinations that support fencing use to refuse a former holder's late writes. Its alerts then go to the
 * client's {@link AlertSink} unless it was given its own, and while active it watches the client's
 * destinations and alerts when one goes down.
 *
 * <pre>{@code
 * ActiveRegionCoordinator coordinator = ActiveRegionCoordinator.builder()
 *     .leaseStore(store).leaseName("active_dc").ttl(Duration.ofSeconds(10)).build();
 * coordinator.start();
 * }</pre>
 *
 * <p>Thread-safe. Store calls run on a daemon thread of its own, never under a lock; listeners and failover
 * actions on a notifier thread of its own.
 */
public final class ActiveRegionCoordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("io.dualpush.coordinator");
  /** How often, at most, the deadline timer and the waits look at an injected ticker (one not of real time). */
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** How long close() waits for each of its threads. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
  /** The default retry interval's upper bound: a graceful release is taken over within it. */
  private static final Duration DEFAULT_MAX_RETRY = Duration.ofMillis(250);

  /** What this process is doing with the lease. */
  public enum Role {
    /** Started (or not yet), no answer from the store yet. */
    STARTING,
    /** Holds the lease and is within its renew deadline: acts. */
    ACTIVE,
    /** Does not hold the lease (another does, or the store cannot be reached): retries to acquire it. */
    STANDBY,
    /** Closed: released the lease, if it held it, and stopped. */
    CLOSED
  }

  /**
   * One published view of the role, replaced as a whole so that readers need no lock.
   *
   * @param activeUntil ticker value from which the lease no longer counts (sent + renew deadline)
   * @param generation changes whenever the held lease is taken or given up, so that a late answer can tell
   */
  private record State(Role role, @Nullable Lease lease, long activeUntil, long generation) {}

  private final LeaseStore store;
  private final String name;
  private final String owner;
  private final Duration ttl;
  private final long renewIntervalNanos;
  private final long renewDeadlineNanos;
  private final long retryIntervalNanos;
  /** The wait between retries of a failed renewal: quick, so that one blip does not cost the lease. */
  private final long renewRetryNanos;
  private final List<CoordinatorListener> listeners;
  private final List<Consumer<Lease>> failoverActions;
  private final LongSupplier ticker;
  /** Whether the ticker is the system's monotonic clock: then waits can sleep until their time exactly. */
  private final boolean realTicker;
  private final Clock clock;
  private final @Nullable AlertSink ownAlerts;
  private final Duration healthInterval;

  private final Object lock = new Object();
  private volatile State state = new State(Role.STARTING, null, 0, 0);
  // Guarded by lock.
  private boolean started;
  private volatile boolean closing;
  /** The first failure of the renewals since the last success, for the lease-lost cause. */
  private volatile @Nullable Throwable renewFailure;
  /** The last failed store call since the store last answered, as its type (never its message): for health. */
  private volatile @Nullable String storeFailure;
  /** The holder the store last named while this process stood by: another owner means a takeover is a failover. */
  private volatile @Nullable Lease otherHolder;
  /** Set once when a client is built with this coordinator. */
  private volatile @Nullable AlertSink clientAlerts;
  private volatile @Nullable Supplier<CompletableFuture<Map<String, DestinationHealth>>> health;
  /** Destinations the health watch last saw down, so that each going down is alerted once. */
  private final java.util.Set<String> down = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final Thread worker;
  private final ScheduledExecutorService timer;
  private final ExecutorService notifier;

  private ActiveRegionCoordinator(Builder b, Duration renewInterval, Duration renewDeadline, Duration retryInterval) {
    this.store = b.leaseStore;
    this.name = b.leaseName;
    this.owner = b.owner != null ? b.owner : defaultOwner();
    this.ttl = b.ttl;
    this.renewIntervalNanos = renewInterval.toNanos();
    this.renewDeadlineNanos = renewDeadline.toNanos();
    this.retryIntervalNanos = retryInterval.toNanos();
    this.renewRetryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), renewIntervalNanos / 4);
    this.listeners = List.copyOf(b.listeners);
    this.failoverActions = List.copyOf(b.failoverActions);
    this.ticker = b.ticker != null ? b.ticker : System::nanoTime;
    this.realTicker = b.ticker == null;
    this.clock = b.clock != null ? b.clock : Clock.systemUTC();
    this.ownAlerts = b.alertSink;
    this.healthInterval = b.healthInterval != null ? b.healthInterval : Duration.ofSeconds(30);
    String thread = "dualpush-coordinator-" + name;
    this.worker = new Thread(this::run, thread);
    this.worker.setDaemon(true);
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon(thread + "-deadline"));
    this.notifier = Executors.newSingleThreadExecutor(daemon(thread + "-notifier"));
  }

  private static java.util.concurrent.ThreadFactory daemon(String threadName) {
    return r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    };
  }

  private static String defaultOwner() {
    byte[] random = new byte[6];
    new SecureRandom().nextBytes(random);
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown-host";
    }
    // A random part tells apart two coordinators of one process.
    return host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
  }

  /**
   * A builder; {@link Builder#leaseStore} and {@link Builder#leaseName} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts acquiring the lease on a daemon thread of its own; calling it again does nothing.
   *
   * @throws ClientClosedException when the coordinator was closed
   */
  public void start() {
    synchronized (lock) {
      if (closing) {
        throw new ClientClosedException("start of the coordinator of lease '" + name + "'");
      }
      if (started) {
        return;
      }
      started = true;
    }
    worker.start();
    // isActive() is exact by itself; the timer only tells the listeners, within a quarter of the margin
    // between the deadline and the TTL (at most 50 ms), so that they too hear of it before the lease can lapse.
    long poll = realTicker ? Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(TimeUnit.MILLISECONDS.toNanos(50),
        (ttl.toNanos() - renewDeadlineNanos) / 4)) : POLL_NANOS;
    timer.scheduleWithFixedDelay(this::checkDeadline, poll, poll, TimeUnit.NANOSECONDS);
    long every = healthInterval.toNanos();
    timer.scheduleWithFixedDelay(this::watchHealth, every, every, TimeUnit.NANOSECONDS);
  }

  /**
   * Stops: no longer active from this call on, releases the lease if held (so that a standby takes over at
   * once), lets the callbacks already due finish, and stops its threads (waiting a few seconds at most for
   * a store call in progress).
   */
  @Override
  public void close() {
    State before;
    synchronized (lock) {
      if (closing) {
        return;
      }
      closing = true;
      before = state;
      // Not active from here on: the release below must not come before this process stops acting.
      state = new State(Role.CLOSED, null, 0, before.generation() + 1);
      lock.notifyAll();
    }
    worker.interrupt();
    join(worker);
    timer.shutdownNow();
    if (before.lease() != null && before.role() == Role.ACTIVE) {
      release(before.lease());
    }
    notifier.shutdown();
    try {
      if (!notifier.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Coordinator of lease '{}': listeners still running after {}", name, CLOSE_GRACE);
      }
      timer.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void join(Thread t) {
    if (!t.isAlive()) {
      return;
    }
    try {
      t.join(CLOSE_GRACE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (t.isAlive()) {
      LOG.warn("Coordinator of lease '{}': a store call still has not returned after {}; leaving it", name,
          CLOSE_GRACE);
    }
  }

  private void release(Lease lease) {
    try {
      boolean released = store.release(lease);
      LOG.info("Coordinator of lease '{}' ({}) closed; lease with token {} {}", name, owner, lease.fencingToken(),
          released ? "released" : "was no longer held");
    } catch (RuntimeException e) {
      LOG.warn("Coordinator of lease '{}' closed; releasing token {} failed, the lease lapses after its TTL", name,
          lease.fencingToken(), e);
    }
  }

  // ---------------------------------------------------------------- queries

  /**
   * Whether this process holds the lease and is within its renew deadline by the monotonic ticker.
   *
   * @return true while this process may act
   */
  public boolean isActive() {
    return activeLease(state) != null;
  }

  private @Nullable Lease activeLease(State s) {
    return s.role() == Role.ACTIVE && s.lease() != null && ticker.getAsLong() - s.activeUntil() < 0 ? s.lease() : null;
  }

  /**
   * The fencing token of the lease held, while active.
   *
   * @return the token, or empty when not active
   */
  public OptionalLong fencingToken() {
    Lease l = activeLease(state);
    return l == null ? OptionalLong.empty() : OptionalLong.of(l.fencingToken());
  }

  /**
   * The lease held, while active.
   *
   * @return the lease, or empty when not active
   */
  public Optional<Lease> lease() {
    return Optional.ofNullable(activeLease(state));
  }

  /**
   * What this process is doing; {@link Role#STANDBY} once an active lease is past its renew deadline, even
   * before the timer has stepped it down.
   *
   * @return the role
   */
  public Role role() {
    State s = state;
    return s.role() == Role.ACTIVE && activeLease(s) == null ? Role.STANDBY : s.role();
  }

  /**
   * How long this process may still act on the lease it holds: until its renew deadline, counted on its monotonic
   * ticker from when the last successful acquire or renewal was sent. A successful renewal moves it on. For health
   * pages. Thread-safe; does not block.
   *
   * @return the time left, or empty when not active
   */
  public Optional<Duration> activeRemaining() {
    State s = state;
    if (activeLease(s) == null) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, s.activeUntil() - ticker.getAsLong())));
  }

  /**
   * Why the lease store's last call failed, when it has not answered since: which call, and the failure's type
   * (never its message, which may name the store's address or configuration). For health pages: an active
   * holder whose renewals fail stands down at its renew deadline; a standby that cannot reach the store cannot
   * take over. Thread-safe; does not block.
   *
   * @return the failure, or empty when the store's last call succeeded (or none was made yet)
   */
  public Optional<String> storeFailure() {
    return Optional.ofNullable(storeFailure);
  }

  private static String describeFailure(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return e.getClass().getSimpleName() + (root != e ? " (" + root.getClass().getSimpleName() + ")" : "");
  }

  /**
   * Waits until this process is active.
   *
   * @param timeout the longest wait
   * @return whether it is active
   * @throws InterruptedException when interrupted while waiting
   */
  public boolean awaitActive(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + InvalidInputException.requireNonNull(timeout, "timeout").toNanos();
    synchronized (lock) {
      while (!isActive()) {
        long left = end - System.nanoTime();
        if (left <= 0 || state.role() == Role.CLOSED) {
          return isActive();
        }
        // Bounded: activity also ends by the ticker alone, with no notification.
        TimeUnit.NANOSECONDS.timedWait(lock, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
      return true;
    }
  }

  /**
   * The fencing token to write under, taken just before the write; throws when not active.
   *
   * @return the token of the lease held
   * @throws NotActiveException naming the lease and the role when this process is not active
   */
  public long requireActive() {
    State s = state;
    Lease l = activeLease(s);
    if (l == null) {
      throw new NotActiveException(name, role(), "Refused");
    }
    return l.fencingToken();
  }

  /**
   * The lease's name, as given to the builder.
   *
   * @return the lease's name
   */
  public String leaseName() {
    return name;
  }

  /**
   * Who this process is in the store.
   *
   * @return the owner
   */
  public String owner() {
    return owner;
  }

  /**
   * A line for logs and health pages: lease, owner, role, token and timings; never the store's
   * configuration, which may hold a password.
   *
   * @return the description
   */
  public String describe() {
    State s = state;
    Lease l = activeLease(s);
    return "ActiveRegionCoordinator[lease=" + name + ", owner=" + owner + ", role=" + role()
        + (l != null ? ", token=" + l.fencingToken() : "") + ", ttl=" + ttl.toMillis() + "ms, renewInterval="
        + TimeUnit.NANOSECONDS.toMillis(renewIntervalNanos) + "ms, renewDeadline="
        + TimeUnit.NANOSECONDS.toMillis(renewDeadlineNanos) + "ms, store=" + store.getClass().getSimpleName() + "]";
  }

  @Override
  public String toString() {
    return describe();
  }

  // ---------------------------------------------------------------- wiring by the client builder

  /** The client's alert sink and health probe, for a coordinator given to a client (the first client wins). */
  void attach(AlertSink alerts, Supplier<CompletableFuture<Map<String, DestinationHealth>>> healthProbe) {
    synchronized (lock) {
      if (clientAlerts == null) {
        clientAlerts = alerts;
        health = healthProbe;
      }
    }
  }

  // ---------------------------------------------------------------- the worker: every store call

  private void run() {
    long nextAt = ticker.getAsLong();
    while (!closing) {
      if (!waitUntil(nextAt)) {
        return;
      }
      State s = state;
      long sent = ticker.getAsLong();
      if (s.role() == Role.ACTIVE && s.lease() != null) {
        nextAt = renew(s, sent);
      } else {
        nextAt = acquire(sent);
      }
    }
  }

  /** Sleeps until the ticker reaches {@code at}; false when closing. */
  private boolean waitUntil(long at) {
    while (!closing) {
      long left = at - ticker.getAsLong();
      if (left <= 0) {
        return true;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(realTicker ? left : Math.min(left, POLL_NANOS));
      } catch (InterruptedException e) {
        return false;
      }
    }
    return false;
  }

  /** One renewal of the lease held; returns when the next call is due. */
  private long renew(State s, long sent) {
    Lease held = s.lease();
    Optional<Lease> renewed;
    try {
      renewed = store.renew(held, ttl);
    } catch (RuntimeException e) {
      if (closing) {
        return sent;
      }
      Throwable first = renewFailure;
      if (first == null) {
        renewFailure = e;
      }
      storeFailure = "renewal failed with " + describeFailure(e);
      LOG.warn("Renewal of lease '{}' (token {}) failed; retrying until the renew deadline", name,
          held.fencingToken(), e);
      checkDeadline();
      return ticker.getAsLong() + renewRetryNanos;
    }
    storeFailure = null;
    if (renewed.isEmpty()) {
      lost(s.generation(), new LeaseLostException("The store refused to renew lease '" + name + "' (token "
          + held.fencingToken() + "): it expired or another holder took it", name));
      return ticker.getAsLong() + retryIntervalNanos;
    }
    if (!took(renewed.get(), sent, s.generation())) {
      // Answered after this process had stopped counting on it: give it back rather than sit on it unused.
      releaseQuietly(renewed.get());
      return ticker.getAsLong();
    }
    return sent + renewIntervalNanos;
  }

  /** One attempt to acquire; returns when the next call is due. */
  private long acquire(long sent) {
    Optional<Lease> acquired;
    try {
      acquired = store.acquire(name, owner, ttl);
    } catch (RuntimeException e) {
      if (closing) {
        return sent;
      }
      LOG.warn("Acquiring lease '{}' failed; standing by and retrying", name, e);
      storeFailure = "acquiring failed with " + describeFailure(e);
      standby(Optional.empty());
      return ticker.getAsLong() + retryIntervalNanos;
    }
    storeFailure = null;
    if (acquired.isPresent()) {
      if (!took(acquired.get(), sent, -1)) {
        releaseQuietly(acquired.get());
        return ticker.getAsLong();
      }
      return sent + renewIntervalNanos;
    }
    Optional<Lease> holder;
    try {
      holder = store.current(name);
    } catch (RuntimeException e) {
      holder = Optional.empty();
    }
    holder.filter(h -> !h.owner().equals(owner)).ifPresent(h -> otherHolder = h);
    standby(holder);
    return ticker.getAsLong() + retryIntervalNanos;
  }

  private void releaseQuietly(Lease lease) {
    try {
      store.release(lease);
    } catch (RuntimeException e) {
      LOG.debug("Releasing lease '{}' token {} answered too late failed", name, lease.fencingToken(), e);
    }
  }

  /**
   * Counts {@code lease} as held until {@code sent} plus the renew deadline, unless that moment has passed
   * or the coordinator is closing. {@code generation} is the one the renewal was sent under ({@code -1} for
   * an acquire): a renewal answered after the timer stepped down counts only as a fresh success would.
   */
  private boolean took(Lease lease, long sent, long generation) {
    long until = sent + renewDeadlineNanos;
    synchronized (lock) {
      State s = state;
      if (closing || until - ticker.getAsLong() <= 0) {
        if (s.generation() == generation && s.role() == Role.ACTIVE) {
          stepDown(s, new LeaseLostException("Renewal of lease '" + name + "' (token " + lease.fencingToken()
              + ") answered after its renew deadline", name));
        }
        return false;
      }
      renewFailure = null;
      if (s.role() == Role.ACTIVE && s.lease() != null && s.lease().fencingToken() == lease.fencingToken()) {
        state = new State(Role.ACTIVE, lease, until, s.generation());
        return true;
      }
      state = new State(Role.ACTIVE, lease, until, s.generation() + 1);
      lock.notifyAll();
      Lease from = otherHolder;
      otherHolder = null;
      boolean failover = from != null && !from.owner().equals(owner);
      LOG.info("Lease '{}' acquired by {} with fencing token {}: active", name, owner, lease.fencingToken());
      // Queued under the lock, as every change is, so that listeners hear the changes in the order they happened.
      notify(() -> {
        for (CoordinatorListener l : listeners) {
          call(() -> l.onActive(lease), "onActive");
        }
        if (failover) {
          failover(lease, java.util.Objects.requireNonNull(from));
        }
      });
      return true;
    }
  }

  /** On the notifier thread: the failover alert, then each user action, a failure of one alerted. */
  private void failover(Lease lease, Lease from) {
    alert(Alert.Type.FAILOVER, "Failover: " + owner + " took over lease '" + name + "' from " + from.owner()
        + " with fencing token " + lease.fencingToken(), "");
    for (Consumer<Lease> action : failoverActions) {
      try {
        action.accept(lease);
      } catch (RuntimeException e) {
        LOG.error("Failover action after taking lease '{}' failed", name, e);
        // Its type only: the action's own message may hold what it was given (a connection string), the log has it.
        alert(Alert.Type.FAILOVER_ACTION_FAILURE, "A failover action after taking lease '" + name + "' failed with "
            + e.getClass().getName() + "; see the log", "");
      }
    }
  }

  private void standby(Optional<Lease> holder) {
    synchronized (lock) {
      State s = state;
      if (closing || s.role() == Role.STANDBY) {
        return;
      }
      state = new State(Role.STANDBY, null, 0, s.generation() + 1);
      lock.notifyAll();
      LOG.info("Lease '{}': {} stands by{}", name, owner, holder.map(h -> "; held by " + h.owner()).orElse(""));
      notify(() -> {
        for (CoordinatorListener l : listeners) {
          call(() -> l.onStandby(holder), "onStandby");
        }
      });
    }
  }

  /** Steps down if still in {@code generation}: the renewal was refused. */
  private void lost(long generation, LeaseLostException cause) {
    synchronized (lock) {
      State s = state;
      if (s.generation() == generation && s.role() == Role.ACTIVE) {
        stepDown(s, cause);
      }
    }
  }

  /** Called with the lock held: from active to standby, telling the listeners why. */
  private void stepDown(State s, LeaseLostException cause) {
    Lease lease = s.lease();
    state = new State(Role.STANDBY, null, 0, s.generation() + 1);
    renewFailure = null;
    lock.notifyAll();
    if (lease == null) {
      return;
    }
    LOG.error("Lease '{}' (token {}) lost by {}: {}; standing by", name, lease.fencingToken(), owner,
        cause.getMessage(), cause.getCause());
    notify(() -> {
      alert(Alert.Type.LEASE_LOST, cause.getMessage() + "; " + owner + " stopped acting and stands by", "");
      for (CoordinatorListener l : listeners) {
        call(() -> l.onLeaseLost(lease, cause), "onLeaseLost");
      }
      for (CoordinatorListener l : listeners) {
        call(() -> l.onStandby(Optional.empty()), "onStandby");
      }
    });
  }

  // ---------------------------------------------------------------- the timer: deadline and health

  /** Steps down once the renew deadline has passed, whether or not the renewal in progress has returned. */
  private void checkDeadline() {
    synchronized (lock) {
      State s = state;
      if (s.role() != Role.ACTIVE || s.lease() == null || ticker.getAsLong() - s.activeUntil() < 0) {
        return;
      }
      Throwable first = renewFailure;
      String why = "Lease '" + name + "' (token " + s.lease().fencingToken() + ") was not renewed within its renew deadline of "
          + TimeUnit.NANOSECONDS.toMillis(renewDeadlineNanos) + " ms";
      stepDown(s, first != null
          ? new LeaseLostException(why + ": renewals failed, first with " + first.getClass().getSimpleName(), name, first)
          : new LeaseLostException(why + ": the renewal has not returned", name));
    }
  }

  /** While active, alerts once for each destination of the client found down (a failed health probe). */
  private void watchHealth() {
    Supplier<CompletableFuture<Map<String, DestinationHealth>>> probe = health;
    if (probe == null || !isActive()) {
      return;
    }
    CompletableFuture<Map<String, DestinationHealth>> probed;
    try {
      probed = probe.get();
    } catch (RuntimeException e) {
      return; // the client closed
    }
    probed.whenComplete((all, e) -> {
      if (e != null || all == null) {
        return;
      }
      notify(() -> {
        for (DestinationHealth h : all.values()) {
          if (h.healthy()) {
            down.remove(h.destinationId());
          } else if (down.add(h.destinationId()) && isActive()) {
            alert(Alert.Type.CONNECTION_FAILURE, "Destination " + h.destinationId() + " is down while " + owner
                + " is the active holder of lease '" + name + "': " + h.probe().detail(), h.destinationId());
          }
        }
      });
    });
  }

  // ---------------------------------------------------------------- the notifier

  private void notify(Runnable r) {
    try {
      notifier.execute(r);
    } catch (RejectedExecutionException e) {
      LOG.debug("Coordinator of lease '{}' closed; a notification was dropped", name);
    }
  }

  private void call(Runnable r, String callback) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.error("Coordinator listener {} for lease '{}' failed", callback, name, e);
    }
  }

  private void alert(Alert.Type type, String message, String destinationId) {
    AlertSink sink = ownAlerts != null ? ownAlerts : clientAlerts;
    if (sink == null) {
      LOG.warn("ALERT {} [{}] {}", type, type.defaultSeverity(), message);
      return;
    }
    try {
      sink.raise(new Alert(type, type.defaultSeverity(), message, "", destinationId, clock.instant()));
    } catch (RuntimeException e) {
      LOG.error("Alert sink failed on {}", type, e);
    }
  }

  // ---------------------------------------------------------------- builder

  /**
   * Configures an {@link ActiveRegionCoordinator}; validates each setting on entry and the timings together
   * at {@link #build()}. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable LeaseStore leaseStore;
    private @Nullable String leaseName;
    private @Nullable String owner;
    private Duration ttl = Duration.ofSeconds(10);
    private @Nullable Duration renewInterval;
    private @Nullable Duration renewDeadline;
    private @Nullable Duration retryInterval;
    private final List<CoordinatorListener> listeners = new ArrayList<>();
    private final List<Consumer<Lease>> failoverActions = new ArrayList<>();
    private @Nullable LongSupplier ticker;
    private @Nullable Clock clock;
    private @Nullable AlertSink alertSink;
    private @Nullable Duration healthInterval;

    private Builder() {}

    /**
     * Where the lease lives; required.
     *
     * @param store the lease store, such as {@code RedisLeaseStore}
     * @return this builder
     */
    public Builder leaseStore(LeaseStore store) {
      this.leaseStore = InvalidInputException.requireNonNull(store, "leaseStore");
      return this;
    }

    /**
     * The lease's name, shared by every region that competes for it; required.
     *
     * @param name such as {@code active_dc}
     * @return this builder
     */
    public Builder leaseName(String name) {
      InvalidInputException.requireNonNull(name, "leaseName");
      if (name.isBlank()) {
        throw new InvalidInputException("leaseName", "'leaseName' must not be blank.");
      }
      this.leaseName = name;
      return this;
    }

    /**
     * Who this process is in the store; default: the process id and host name plus a random part.
     *
     * @param owner unique per process
     * @return this builder
     */
    public Builder owner(String owner) {
      InvalidInputException.requireNonNull(owner, "owner");
      if (owner.isBlank()) {
        throw new InvalidInputException("owner", "'owner' must not be blank.");
      }
      this.owner = owner;
      return this;
    }

    /**
     * How long the store keeps the lease without a renewal; default 10 s.
     *
     * @param ttl positive
     * @return this builder
     */
    public Builder ttl(Duration ttl) {
      this.ttl = positive(ttl, "ttl");
      return this;
    }

    /**
     * How often the holder renews; default a third of the TTL.
     *
     * @param interval positive, shorter than the renew deadline
     * @return this builder
     */
    public Builder renewInterval(Duration interval) {
      this.renewInterval = positive(interval, "renewInterval");
      return this;
    }

    /**
     * How long after sending its last successful acquire or renew the holder still counts itself active;
     * default two thirds of the TTL. Shorter than the TTL, so that it stops acting before the store could
     * give the lease to another, with the difference as the allowance for clock-rate drift.
     *
     * @param deadline longer than the renew interval, shorter than the TTL
     * @return this builder
     */
    public Builder renewDeadline(Duration deadline) {
      this.renewDeadline = positive(deadline, "renewDeadline");
      return this;
    }

    /**
     * How often a standby tries to acquire the lease; default the renew interval, at most 250 ms. It
     * bounds how long a standby takes to notice a released lease (a graceful takeover), at the cost of
     * that many acquire attempts a second per standby, each one round trip to the store.
     *
     * @param interval positive
     * @return this builder
     */
    public Builder retryInterval(Duration interval) {
      this.retryInterval = positive(interval, "retryInterval");
      return this;
    }

    /**
     * Adds a listener; may be called several times.
     *
     * @param listener told of every change of role, on the notifier thread
     * @return this builder
     */
    public Builder listener(CoordinatorListener listener) {
      listeners.add(InvalidInputException.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Adds an action run when this process becomes active after it saw another process hold the lease (a
     * failover), such as switching a Service Bus alias to this region; may be called several times. Runs on
     * the notifier thread after the listeners' {@code onActive}; a failure is logged with its cause and
     * raised as a {@link Alert.Type#FAILOVER_ACTION_FAILURE} alert.
     *
     * @param action given the lease just acquired
     * @return this builder
     */
    public Builder onFailover(Consumer<Lease> action) {
      failoverActions.add(InvalidInputException.requireNonNull(action, "onFailover"));
      return this;
    }

    /**
     * Adds a failover action that needs no lease; see {@link #onFailover(Consumer)}.
     *
     * @param action run on failover
     * @return this builder
     */
    public Builder onFailover(Runnable action) {
      InvalidInputException.requireNonNull(action, "onFailover");
      failoverActions.add(lease -> action.run());
      return this;
    }

    /**
     * The monotonic clock leases are measured on, in nanoseconds; default {@link System#nanoTime()}. For
     * tests.
     *
     * @param nanos a monotonic source of nanoseconds
     * @return this builder
     */
    public Builder ticker(LongSupplier nanos) {
      this.ticker = InvalidInputException.requireNonNull(nanos, "ticker");
      return this;
    }

    /**
     * The clock alerts are stamped with; default the system's UTC clock.
     *
     * @param clock the wall clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = InvalidInputException.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where the coordinator's alerts go (lease lost, failover, a failover action failed, a destination down
     * while active); default the alert sink of the client it is given to, or the log.
     *
     * @param sink the alert sink
     * @return this builder
     */
    public Builder alertSink(AlertSink sink) {
      this.alertSink = InvalidInputException.requireNonNull(sink, "alertSink");
      return this;
    }

    /**
     * How often, while active, the client's destinations are probed for the watchdog's alerts; default 30 s.
     *
     * @param interval positive
     * @return this builder
     */
    public Builder healthInterval(Duration interval) {
      this.healthInterval = positive(interval, "healthInterval");
      return this;
    }

    /**
     * Checks the settings together and builds a coordinator, not yet started.
     *
     * @return the coordinator
     * @throws InvalidInputException naming the field at fault
     */
    public ActiveRegionCoordinator build() {
      if (leaseStore == null) {
        throw new InvalidInputException("leaseStore", "'leaseStore' is required.");
      }
      if (leaseName == null) {
        throw new InvalidInputException("leaseName", "'leaseName' is required.");
      }
      Duration interval = renewInterval != null ? renewInterval : ttl.dividedBy(3);
      Duration deadline = renewDeadline != null ? renewDeadline : ttl.multipliedBy(2).dividedBy(3);
      if (deadline.compareTo(ttl) >= 0) {
        throw new InvalidInputException("renewDeadline", "'renewDeadline' (" + deadline + ") must be shorter than"
            + " 'ttl' (" + ttl + "): the holder must stop acting before the store can give the lease to another.");
      }
      if (deadline.compareTo(interval) <= 0) {
        throw new InvalidInputException("renewDeadline", "'renewDeadline' (" + deadline + ") must be longer than"
            + " 'renewInterval' (" + interval + "), or the lease lapses between two renewals.");
      }
      if (interval.isZero()) {
        throw new InvalidInputException("ttl", "'ttl' (" + ttl + ") is too short to renew.");
      }
      Duration retry = retryInterval != null ? retryInterval : min(interval, DEFAULT_MAX_RETRY);
      return new ActiveRegionCoordinator(this, interval, deadline, retry);
    }

    private static Duration min(Duration a, Duration b) {
      return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration positive(Duration d, String field) {
      InvalidInputException.requireNonNull(d, field);
      if (d.isNegative() || d.isZero()) {
        throw new InvalidInputException(field, "'" + field + "' must be positive; got " + d + ".");
      }
      return d;
    }
  }
}
