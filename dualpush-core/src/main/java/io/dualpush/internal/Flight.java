package io.dualpush.internal;

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
import java.util.concurrent.ConcurrentHashMap;
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
  private final Map<String, CopyStatus> settled = new ConcurrentHashMap<>();
  private final int copies;
  private final int requiredCount;
  private final int requiredCopies;
  private int settledRequired;
  private int verifiedRequired;
  private boolean decided;
  private @Nullable Throwable recordFailure;

  Flight(LogEntry.Started started, List<Slot> slots, int requiredCopies, Runnable releasePlace) {
    this.started = started;
    this.releasePlace = releasePlace;
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

  /** Records a settled copy; returns true exactly once, when the ack policy becomes decided. */
  synchronized boolean settle(Slot slot, CopyStatus status) {
    settled.put(slot.id(), status);
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
    return settled.size() == copies && settled.values().stream().allMatch(s -> s == CopyStatus.VERIFIED);
  }

  synchronized boolean allSettled() {
    return settled.size() == copies;
  }

  /** The log's view, with copies still being written shown as in progress. */
  PushReceipt receipt(TransactionRecord record) {
    List<CopyRecord> out = new ArrayList<>();
    for (CopyRecord c : record.copies()) {
      out.add(settled.containsKey(c.destinationId()) || c.status().isSettled() ? c
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
    for (Map.Entry<String, CopyStatus> e : settled.entrySet()) {
      boolean verified = e.getValue() == CopyStatus.VERIFIED;
      record = io.dualpush.log.TransactionFold.apply(record, new LogEntry.CopyUpdated(started.transactionId(), now, e.getKey(), e.getValue(),
          verified ? started.md5() : "", verified ? "" : "failed", false));
    }
    return record;
  }

  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Gives the place in flight back; only the first call does. */
  void release() {
    if (released.compareAndSet(false, true)) {
      releasePlace.run();
    }
  }
}
