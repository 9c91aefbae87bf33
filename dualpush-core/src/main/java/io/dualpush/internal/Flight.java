package io.dualpush.internal;

import io.dualpush.ClientClosedException;
import io.dualpush.CopyStatus;
import io.dualpush.PushReceipt;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Acknowledgement tracking for one push, from its log append to the settling of its last copy:
 * which copies settled how, and when the ack policy becomes decided (exactly once). It holds one
 * place in flight, given back by {@link #release()} once. Thread-safe.
 */
final class Flight {
  private final Runnable releasePlace;
  private final AtomicBoolean released = new AtomicBoolean();
  final CompletableFuture<PushReceipt> ack = new CompletableFuture<>();
  private final long startNanos = System.nanoTime();
  final LogEntry.Started started;
  /** The destinations, in the engine's order; {@link #settled} holds each one's outcome at the same index. */
  private final List<Slot> slots;
  /** Guarded by this; null until the copy settled. An array, not a map: it is written twice per push. */
  private final CopyStatus[] settled;
  private int settledCount;
  private final int copies;
  private final int requiredCount;
  private final int requiredCopies;
  private int settledRequired;
  private int verifiedRequired;
  private boolean decided;
  private @Nullable Throwable recordFailure;
  private @Nullable Throwable fenced;

  Flight(LogEntry.Started started, List<Slot> slots, int requiredCopies, Runnable releasePlace) {
    this.started = started;
    this.releasePlace = releasePlace;
    this.slots = slots;
    this.settled = new CopyStatus[slots.size()];
    this.copies = slots.size();
    this.requiredCopies = requiredCopies;
    int required = 0;
    for (Slot s : slots) {
      if (s.options.required()) {
        required++;
      }
    }
    this.requiredCount = required;
  }

  String id() {
    return started.transactionId();
  }

  /** Recording a copy's outcome in the log failed with {@code t}; the first such failure is kept. */
  synchronized void recordFailed(Throwable t) {
    if (recordFailure == null) {
      recordFailure = t;
    }
  }

  synchronized @Nullable Throwable recordFailure() {
    return recordFailure;
  }

  /**
   * A copy was not written because this process is not (or no longer) the active lease holder: not
   * active when its write was to start, or refused by the destination for a stale fencing token. The
   * first such failure is kept; the copy stays pending in the log.
   */
  synchronized void fenced(Throwable t) {
    if (fenced == null) {
      fenced = t;
    }
  }

  synchronized @Nullable Throwable fenced() {
    return fenced;
  }

  /** Records a settled copy; returns true exactly once, when the ack policy becomes decided. */
  synchronized boolean settle(Slot slot, CopyStatus status) {
    int i = slots.indexOf(slot);
    if (settled[i] == null) {
      settledCount++;
    }
    settled[i] = status;
    if (slot.options.required()) {
      settledRequired++;
      if (status == CopyStatus.VERIFIED) {
        verifiedRequired++;
      }
    }
    if (!decided && (verifiedRequired >= requiredCopies || settledRequired == requiredCount)) {
      decided = true;
      return true;
    }
    return false;
  }

  synchronized boolean ackHolds() {
    return verifiedRequired >= requiredCopies;
  }

  synchronized int verifiedRequired() {
    return verifiedRequired;
  }

  int requiredCopies() {
    return requiredCopies;
  }

  synchronized boolean allVerified() {
    if (settledCount != copies) {
      return false;
    }
    for (CopyStatus s : settled) {
      if (s != CopyStatus.VERIFIED) {
        return false;
      }
    }
    return true;
  }

  /**
   * The first required destination, in the client's order, whose copy settled without being verified: the one a
   * push failure is reported against; empty when there is none.
   */
  synchronized String firstFailedRequired() {
    for (int i = 0; i < settled.length; i++) {
      if (settled[i] != null && settled[i] != CopyStatus.VERIFIED && slots.get(i).options.required()) {
        return slots.get(i).id();
      }
    }
    return "";
  }

  synchronized boolean allSettled() {
    return settledCount == copies;
  }

  /** Whether the copy at {@code destinationId} has settled in this flight. */
  private synchronized boolean settled(String destinationId) {
    for (int i = 0; i < settled.length; i++) {
      if (settled[i] != null && slots.get(i).id().equals(destinationId)) {
        return true;
      }
    }
    return false;
  }

  /** The log's view, with copies still being written shown as in progress. */
  PushReceipt receipt(TransactionRecord record) {
    List<CopyRecord> out = new ArrayList<>();
    for (CopyRecord c : record.copies()) {
      out.add(c.status().isSettled() || settled(c.destinationId()) ? c
          : new CopyRecord(c.destinationId(), c.required(), CopyStatus.IN_PROGRESS, c.md5(), c.error(), c.mismatch(),
              c.updatedAt()));
    }
    return new PushReceipt(record.transactionId(), record.key(), record.size(), record.md5(), record.state(),
        out, false, record.createdAt());
  }

  /** The transaction as this flight saw it settle, for when the log no longer holds it. */
  synchronized TransactionRecord settledRecord() {
    TransactionRecord record = TransactionRecord.started(started);
    Instant now = Instant.now();
    for (int i = 0; i < settled.length; i++) {
      CopyStatus status = settled[i];
      if (status == null) {
        continue;
      }
      boolean verified = status == CopyStatus.VERIFIED;
      record = io.dualpush.log.TransactionFold.apply(record, new LogEntry.CopyUpdated(started.transactionId(), now,
          slots.get(i).id(), status, verified ? started.md5() : "", verified ? "" : "failed", false));
    }
    return record;
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * Joins {@code live}, the engine's flights by id, which {@code close()} fails after
   * {@link EngineExecutors#failPending}; fails at once if that has begun, as it may have missed this one.
   */
  void join(Map<String, Flight> live, EngineExecutors executors) {
    live.put(id(), this);
    if (executors.closing()) {
      failClosed();
    }
  }

  /** Fails the acknowledgement with a {@link ClientClosedException} for a closing client, unless it is complete. */
  void failClosed() {
    if (!ack.isDone()) {
      ack.completeExceptionally(new ClientClosedException("push of '" + started.key() + "'"));
    }
  }

  /** Gives the place in flight back; only the first call does. */
  void release() {
    if (released.compareAndSet(false, true)) {
      releasePlace.run();
    }
  }
}
