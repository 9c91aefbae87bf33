package io.dualpush.azure;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlobBreakLeaseOptions;
import com.azure.storage.blob.specialized.BlobLeaseClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import io.dualpush.DualPushException;
import io.dualpush.InvalidInputException;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blob lease on {@code PREFIX/writer.lock} that makes one process the writer of an Azure log:
 * acquired (or, with take-over, broken and acquired) on open, renewed in the background, released
 * on close.
 *
 * <h2>The lease clock</h2>
 * The service counts a lease's duration from when it handles the acquire or renew request, which
 * is after this process sent it; the answer arrives later still. So, as {@code LeaseStore}'s
 * contract asks of every holder, this clock starts from the ticker read <em>just before the request
 * was sent</em>, never from when the answer returned: a renew call that took 40 s of a 60 s lease
 * (retries, a slow network) leaves 20 s, not 60. The holder treats the lease as possibly gone
 * {@code safetyMargin} before that count runs out ({@link #mayHaveExpired()}), which leaves room for
 * a write checked just before the deadline to reach the service in time and for the two clocks'
 * rates to differ. The margin is validated against the duration: more than zero and at most half
 * of it, so that with renewals every quarter of the duration at least one failed renewal is retried
 * before the holder stops.
 *
 * <p>Thread-safe: the clock is a volatile reading; renewals run on one daemon thread.
 */
final class BlobWriterLease {
  private static final Logger LOG = LoggerFactory.getLogger(BlobWriterLease.class);
  static final String LOCK_BLOB = "writer.lock";
  /** The longest finite lease the service grants, and the default. */
  static final Duration MAX_DURATION = Duration.ofSeconds(60);
  /** The shortest finite lease the service grants. */
  static final Duration MIN_DURATION = Duration.ofSeconds(15);
  /** The default margin is this fraction of the duration: 10 s of a 60 s lease. */
  static final int DEFAULT_MARGIN_DIVISOR = 6;

  private final BlobLeaseClient client;
  private final String description;
  private final Duration duration;
  private final long holdNanos;
  private final LongSupplier ticker;
  /** The ticker just before the last acquire or renew the service granted was sent. */
  private volatile long grantedFromNanos;
  private volatile boolean released;
  private @Nullable Thread renewer;

  private BlobWriterLease(BlobLeaseClient client, String description, Duration duration, Duration margin,
      LongSupplier ticker) {
    this.client = client;
    this.description = description;
    this.duration = duration;
    this.holdNanos = duration.minus(margin).toNanos();
    this.ticker = ticker;
  }

  /** The default safety margin for a lease of {@code duration}: a sixth of it. */
  static Duration defaultMargin(Duration duration) {
    return duration.dividedBy(DEFAULT_MARGIN_DIVISOR);
  }

  /**
   * Checks a lease duration and safety margin, naming the setting at fault.
   *
   * @throws InvalidInputException naming {@code leaseDuration} when it is outside 15..60 s, or
   *     {@code leaseSafetyMargin} when it is not positive or more than half the duration
   */
  static void validate(Duration duration, Duration margin) {
    if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new InvalidInputException("leaseDuration", "'leaseDuration' must be 15..60 seconds (the service's range "
          + "for a finite blob lease); got " + duration);
    }
    if (duration.getNano() != 0) {
      throw new InvalidInputException("leaseDuration", "'leaseDuration' must be whole seconds (the service counts a "
          + "blob lease in seconds); got " + duration);
    }
    if (margin.isNegative() || margin.isZero() || margin.compareTo(duration.dividedBy(2)) > 0) {
      throw new InvalidInputException("leaseSafetyMargin", "'leaseSafetyMargin' must be positive and at most half of "
          + "'leaseDuration' (" + duration + "), so that a failed renewal is retried before the writer stops; got "
          + margin);
    }
  }

  /**
   * Creates the lock blob if needed and takes its lease; with {@code takeOver}, breaks a lease
   * another writer holds first.
   *
   * @throws HeldException naming container and prefix when another writer holds the lease
   * @throws DualPushException saying why the service refused otherwise
   */
  static BlobWriterLease acquire(BlobContainerClient container, String prefix, String description, boolean takeOver,
      Duration duration, Duration margin, LongSupplier ticker) {
    validate(duration, margin);
    BlobClient lock = container.getBlobClient(prefix + "/" + LOCK_BLOB);
    String containerName = container.getBlobContainerName();
    try {
      lock.upload(BinaryData.fromBytes(new byte[0]), false);
    } catch (BlobStorageException e) {
      if (e.getStatusCode() != 409 && e.getStatusCode() != 412) {
        throw AzureLogErrors.failure(description, containerName, "create the lock blob of", e);
      }
    } catch (RuntimeException e) {
      throw AzureLogErrors.failure(description, containerName, "create the lock blob of", e);
    }
    BlobLeaseClient client = new BlobLeaseClientBuilder().blobClient(lock).leaseId(UUID.randomUUID().toString())
        .buildClient();
    BlobWriterLease lease = new BlobWriterLease(client, description, duration, margin, ticker);
    int seconds = (int) duration.toSeconds();
    try {
      long sent = ticker.getAsLong();
      try {
        client.acquireLease(seconds);
      } catch (BlobStorageException e) {
        if (e.getStatusCode() != 409 || !takeOver) {
          throw e;
        }
        LOG.warn("Transaction log {}: breaking the lease of a previous writer (takeOver)", description);
        client.breakLeaseWithResponse(new BlobBreakLeaseOptions().setBreakPeriod(Duration.ZERO), null, Context.NONE);
        sent = ticker.getAsLong();
        client.acquireLease(seconds);
      }
      lease.grantedFromNanos = sent;
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409) {
        throw new HeldException("Transaction log " + description + " (container '" + containerName
            + "', prefix '" + prefix + "') is already open for writing by another process or client: its lease on '"
            + prefix + "/" + LOCK_BLOB + "' is held. Only one writer may use a log; after a crash the lease expires "
            + "within " + seconds + " s, or open with takeOver(true) if the previous writer is known to be dead.",
            Scrub.of(e));
      }
      throw AzureLogErrors.failure(description, containerName, "take the writer's lease of", e);
    } catch (RuntimeException e) {
      throw AzureLogErrors.failure(description, containerName, "take the writer's lease of", e);
    }
    return lease;
  }

  /** How long the service grants the lease for at each acquire and renew. */
  Duration duration() {
    return duration;
  }

  /**
   * Whether the lease may have run out by this process's clock, counted from just before the last
   * granted request was sent, less the safety margin: then another writer may hold it.
   */
  boolean mayHaveExpired() {
    return ticker.getAsLong() - grantedFromNanos > holdNanos;
  }

  /**
   * How long until {@link #mayHaveExpired()} turns true: the most a write may still take to be
   * safe under this lease. Zero once it has.
   */
  Duration remaining() {
    return Duration.ofNanos(Math.max(0, holdNanos - (ticker.getAsLong() - grantedFromNanos)));
  }

  /**
   * Renews the lease; the clock restarts from just before the request was sent.
   *
   * @throws LostException when the service says the lease is no longer ours (taken over or broken)
   * @throws RuntimeException as the SDK threw it for any other failure (the lease may still be ours)
   */
  void renew() {
    long sent = ticker.getAsLong();
    try {
      client.renewLease();
    } catch (BlobStorageException e) {
      if (e.getStatusCode() == 409 || e.getStatusCode() == 412) {
        throw new LostException("Transaction log " + description + " lost its writer's lease (HTTP " + e.getStatusCode()
            + " " + e.getErrorCode() + "): another writer took the log over", Scrub.of(e));
      }
      throw e;
    }
    grantedFromNanos = sent;
  }

  /**
   * Starts a daemon renewing the lease every quarter of its duration (sooner after a failure),
   * until {@link #stop()}; {@code lost} is told once when the service says the lease is gone.
   */
  synchronized void startRenewing(String threadName, Consumer<LostException> lost) {
    Duration every = duration.dividedBy(4);
    Thread r = new Thread(() -> renewLoop(every, lost), threadName);
    r.setDaemon(true);
    renewer = r;
    r.start();
  }

  private void renewLoop(Duration every, Consumer<LostException> lost) {
    Duration wait = every;
    while (!released) {
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (released) {
        return;
      }
      try {
        renew();
        wait = every;
      } catch (LostException e) {
        lost.accept(e);
        return;
      } catch (BlobStorageException e) {
        LOG.warn("Transaction log {}: cannot renew the writer's lease (HTTP {}); retrying", description, e.getStatusCode());
        wait = every.dividedBy(4); // a failed renewal is retried well before the margin runs out
      } catch (RuntimeException e) {
        LOG.warn("Transaction log {}: cannot renew the writer's lease ({}); retrying", description,
            Scrub.text(String.valueOf(e.getMessage())));
        wait = every.dividedBy(4);
      }
    }
  }

  /** Stops the renewals (waiting a bounded time for a renewal in flight) without releasing the lease. */
  void stop() {
    Thread r;
    synchronized (this) {
      released = true;
      r = renewer;
      renewer = null;
    }
    if (r != null && r != Thread.currentThread()) {
      r.interrupt();
      try {
        r.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the renewals and releases the lease; a failure is logged (the lease then expires on its own). */
  void release() {
    stop();
    try {
      client.releaseLease();
    } catch (RuntimeException e) {
      LOG.warn("Transaction log {}: cannot release the writer's lease ({}); it expires within {} s", description,
          Scrub.text(String.valueOf(e.getMessage())), duration.toSeconds());
    }
  }

  /** Another writer holds the lease: the open is refused and nothing was changed. */
  static final class HeldException extends DualPushException {
    private static final long serialVersionUID = 1L;

    HeldException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The service says the lease is no longer this writer's: another writer took the log over. */
  static final class LostException extends DualPushException {
    private static final long serialVersionUID = 1L;

    LostException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
