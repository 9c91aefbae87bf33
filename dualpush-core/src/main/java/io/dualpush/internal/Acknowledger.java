package io.dualpush.internal;

import io.dualpush.DualPushEvent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.spi.Alert;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;

/**
 * Acknowledgement, step 6: once a push's ack policy is decided, marks its message id done and
 * completes the caller's future with the receipt, or fails it with {@link PushFailedException}
 * (and an alert), or with the log's own failure when a copy's outcome could not be recorded.
 * Thread-safe.
 */
final class Acknowledger {
  private final TransactionLog log;
  private final EngineConfig config;
  private final Events events;

  Acknowledger(EngineConfig config, Events events) {
    this.log = config.log();
    this.config = config;
    this.events = events;
  }

  void decide(Flight flight) {
    LogEntry.Started started = flight.started;
    try {
      // A log may already have compacted a transaction that became terminal (every copy verified):
      // the acknowledgement must not depend on it still holding the record.
      PushReceipt receipt = flight.receipt(log.read(started.transactionId()).orElseGet(flight::settledRecord));
      // Looked at only when fenced: an unfenced push takes no extra lock.
      Throwable fenced = config.coordinator() == null ? null : flight.fenced();
      if (!started.messageId().isEmpty()) {
        if (fenced != null) {
          // Another region is (or may be) active now: the message must stay claimable there, where it is
          // redelivered, rather than be answered as a duplicate of a transaction only this process logged.
          config.dedupe().release(started.messageId());
        } else {
          // The transaction is durable and will be repaired either way: the message is processed.
          config.dedupe().markDone(started.messageId(),
              new DedupeOutcome(started.transactionId(), started.md5(), started.size()), config.dedupeTtl());
        }
      }
      Throwable unrecorded = flight.recordFailure();
      if (unrecorded != null) {
        // A copy's outcome is not in the log (it cannot be written): nothing may be acknowledged on
        // it, and the caller learns the log's failure itself rather than a copy status it caused.
        events.emit(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED, started.transactionId(), started.key(), "",
            started.size(), flight.elapsed(), "transaction log failed: " + unrecorded.getMessage());
        flight.ack.completeExceptionally(unrecorded);
      } else if (fenced != null) {
        // Not a copy failure to alert on (the coordinator alerted on losing the lease): the copies not
        // written stay pending, for this process to repair once it is active again.
        events.emit(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED, started.transactionId(), started.key(), "",
            started.size(), flight.elapsed(), "not the active region: " + fenced.getMessage());
        flight.ack.completeExceptionally(fenced);
      } else if (flight.ackHolds()) {
        events.emit(DualPushEvent.Type.PUSH_ACKNOWLEDGED, started.transactionId(), started.key(), "", started.size(),
            flight.elapsed(), receipt.state().name());
        flight.ack.complete(receipt);
      } else {
        events.emit(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED, started.transactionId(), started.key(), "",
            started.size(), flight.elapsed(), receipt.describeCopies());
        events.alert(Alert.Type.PUSH_FAILURE, "Push of '" + started.key() + "' failed: " + flight.verifiedRequired()
            + " of " + flight.requiredCopies() + " required copies verified (" + receipt.state() + "): "
            + receipt.describeCopies(), started.transactionId(), flight.firstFailedRequired());
        flight.ack.completeExceptionally(new PushFailedException(receipt));
      }
    } catch (RuntimeException e) {
      flight.ack.completeExceptionally(e);
    }
  }
}
