package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.WriteRequest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing of copies, step 5: a push's copies go to every destination in parallel, each through its
 * {@link Slot} (timeout, retry, circuit breaker), and each outcome is recorded by the
 * {@link Verifier}. Repairs write through {@link #write} too. Thread-safe.
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

  Router(List<Slot> slots, Verifier verifier) {
    this.slots = slots;
    this.verifier = verifier;
  }

  /** Writes a push's copies to every destination; its flight's place is released once all settled. */
  void route(Flight flight, ContentOpener opener, Settling settling) {
    LogEntry.Started started = flight.started;
    for (Slot slot : slots) {
      // Straight from the write's own stage: a push records every outcome, so there is no empty to unwrap.
      record(slot, started, opener, false, true).whenComplete((status, error) -> {
        CopyStatus s = error == null ? status : CopyStatus.FAILED;
        if (error != null) {
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
    WriteRequest request = new WriteRequest(started.key(), started.size(), started.md5(), started.contentType(),
        started.metadata(), started.transactionId(), started.datasetId(), OptionalLong.empty(), opener, replace);
    long t0 = System.nanoTime();
    return slot.put(request).handle((result, error) -> {
      if (error != null && !recordRefusal && Slot.neverReached(error)) {
        LOG.debug("Repair of '{}' ({}) at {} refused without a call: {}", started.key(), started.transactionId(),
            slot.id(), slot.describeFailure(error));
        return null;
      }
      return verifier.recordWrite(slot, started, result, error, Duration.ofNanos(System.nanoTime() - t0));
    });
  }
}
