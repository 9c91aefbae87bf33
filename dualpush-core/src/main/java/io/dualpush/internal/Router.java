package io.dualpush.internal;

import io.dualpush.ActiveRegionCoordinator;
import io.dualpush.CopyStatus;
import io.dualpush.NotActiveException;
import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.WriteRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing of copies, step 5: a push's copies go to every destination in parallel, each through its
 * {@link Slot} (timeout, retry, circuit breaker), and each outcome is recorded by the
 * {@link Verifier}. Repairs write through {@link #write} too. With an {@link ActiveRegionCoordinator},
 * every write carries the lease's fencing token, taken just before it starts; a copy that cannot take it (this
 * process is not active) or that its destination refuses for a stale token is not recorded at all: it stays
 * pending for whichever round runs once this process is active again. Thread-safe.
 */
final class Router {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);

  /** What the coordinator does as a push's copies settle. */
  interface Settling {
    /** The ack policy became decided; called once per push. */
    void decided(Flight flight);

    /** Every copy settled; called once per push, before {@link #decided} wakes the caller when both happen at once. */
    void allSettled(Flight flight);
  }

  private final List<Slot> slots;
  private final Verifier verifier;
  private final @Nullable ActiveRegionCoordinator coordinator;

  /** A router whose writes are not fenced. */
  Router(List<Slot> slots, Verifier verifier) {
    this(slots, verifier, null);
  }

  Router(List<Slot> slots, Verifier verifier, @Nullable ActiveRegionCoordinator coordinator) {
    this.slots = slots;
    this.verifier = verifier;
    this.coordinator = coordinator;
  }

  /** Writes a push's copies to every destination; its flight's place is released once all settled. */
  void route(Flight flight, ContentOpener opener, Settling settling) {
    LogEntry.Started started = flight.started;
    for (Slot slot : slots) {
      // Straight from the write's own stage: a push records every outcome, so there is no empty to unwrap.
      record(slot, started, opener, false, true).whenComplete((status, error) -> {
        CopyStatus s = error == null ? status : CopyStatus.FAILED;
        if (error != null && Slot.unwrap(error) instanceof NotActiveException notActive) {
          LOG.debug("Copy of {} at {} not written: {}", started.transactionId(), slot.id(), notActive.getMessage());
          flight.fenced(notActive);
        } else if (error != null) {
          LOG.error("Recording the copy of {} at {} failed", started.transactionId(), slot.id(), error);
          flight.recordFailed(Slot.unwrap(error));
        }
        boolean decidedNow = flight.settle(slot, s);
        boolean last = flight.allSettled();
        if (last) {
          // Before the caller is woken: once a push returns, it is no longer "in flight".
          try {
            settling.allSettled(flight);
          } catch (RuntimeException e) {
            // The caller must still be answered and the place given back.
            LOG.error("Handing {} over to repair failed", started.transactionId(), e);
          }
        }
        if (decidedNow) {
          settling.decided(flight);
        }
        if (last) {
          flight.release();
        }
      });
    }
  }

  /**
   * Writes one copy and records its outcome (through the verifier). When {@code recordRefusal} is
   * false, a write that never reached the destination (refused by its open breaker, the
   * destination stuck, the client closing) is neither logged nor counted, and completes empty: a
   * repair refused that way leaves the copy's recorded failure, its first cause, as it was.
   */
  CompletableFuture<Optional<CopyStatus>> write(Slot slot, LogEntry.Started started, ContentOpener opener,
      boolean replace, boolean recordRefusal) {
    return record(slot, started, opener, replace, recordRefusal).thenApply(Optional::ofNullable);
  }

  /** {@link #write}, its outcome null rather than empty: never null when {@code recordRefusal}. */
  private CompletableFuture<@Nullable CopyStatus> record(Slot slot, LogEntry.Started started, ContentOpener opener,
      boolean replace, boolean recordRefusal) {
    OptionalLong token = OptionalLong.empty();
    if (coordinator != null) {
      // Taken just before the write: a copy never starts under a lease this process no longer holds.
      token = coordinator.fencingToken();
      if (token.isEmpty()) {
        return notActive(slot, started, recordRefusal, "not written", null);
      }
    }
    WriteRequest request = new WriteRequest(started.key(), started.size(), started.md5(), started.contentType(),
        started.metadata(), started.transactionId(), started.datasetId(), token, opener, replace);
    long t0 = System.nanoTime();
    return slot.put(request).handle((result, error) -> {
      StaleFencingTokenException stale = error == null || coordinator == null ? null : stale(error);
      if (stale != null) {
        // A newer holder has written this key: this process lost the lease, whatever its coordinator knows yet.
        LOG.debug("Copy of '{}' ({}) at {} refused: {}", started.key(), started.transactionId(), slot.id(),
            stale.getMessage());
        if (!recordRefusal) {
          return null;
        }
        throw new CompletionException(notActiveException(slot, started, "refused for its stale fencing token "
            + stale.presentedToken() + " (the object holds " + stale.currentToken() + ")", stale));
      }
      if (error != null && !recordRefusal && Slot.neverReached(error)) {
        LOG.debug("Repair of '{}' ({}) at {} refused without a call: {}", started.key(), started.transactionId(),
            slot.id(), slot.describeFailure(error));
        return null;
      }
      return verifier.recordWrite(slot, started, result, error, Duration.ofNanos(System.nanoTime() - t0));
    });
  }

  /** A copy this process may not write: a failed push copy, or (for a repair) an empty outcome. */
  private CompletableFuture<@Nullable CopyStatus> notActive(Slot slot, LogEntry.Started started,
      boolean recordRefusal, String what, @Nullable Throwable cause) {
    if (!recordRefusal) {
      LOG.debug("Repair of '{}' ({}) at {} deferred: this process is not the active region", started.key(),
          started.transactionId(), slot.id());
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.failedFuture(notActiveException(slot, started, what, cause));
  }

  private NotActiveException notActiveException(Slot slot, LogEntry.Started started, String what,
      @Nullable Throwable cause) {
    ActiveRegionCoordinator c = java.util.Objects.requireNonNull(coordinator);
    String detail = "Copy of '" + started.key() + "' (" + started.transactionId() + ") at " + slot.id() + " " + what;
    return cause == null ? new NotActiveException(c.leaseName(), c.role(), detail)
        : new NotActiveException(c.leaseName(), c.role(), detail, cause);
  }

  /** The destination's stale-token refusal behind a failed write, if that is what it was. */
  private static @Nullable StaleFencingTokenException stale(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof StaleFencingTokenException s) {
        return s;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
