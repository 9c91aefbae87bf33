package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushEvent;
import io.dualpush.DualPushException;
import io.dualpush.VerifyMode;
import io.dualpush.spi.Alert;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single owner of guarantee G4: a copy is recorded VERIFIED only here, and only when the
 * digest the destination holds equals the source MD5 in the transaction's {@code Started} record.
 * Every outcome of a copy — written by a push or a repair, or checked by {@code verify} — is
 * recorded in the log through this class, with {@link TransactionLog#appendBuffered}: an outcome
 * need not wait for a sync of its own (the push's {@code Started} record was durable before any
 * copy was written, G1), and one a power cut takes is found again by the repair, which checks a
 * copy in place ({@link #verifyInPlace}) when it has nothing of its own to rewrite it from.
 * Thread-safe.
 */
final class Verifier {
  private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);
  private final TransactionLog log;
  private final Clock clock;
  private final Events events;
  private final Map<String, Slot> slots;

  Verifier(TransactionLog log, Clock clock, Events events, Map<String, Slot> slots) {
    this.log = log;
    this.clock = clock;
    this.events = events;
    this.slots = slots;
  }

  /** Records the outcome of one write: its failure, or the digest the destination reported. */
  CopyStatus recordWrite(Slot slot, LogEntry.Started started, @Nullable PutResult result, @Nullable Throwable error,
      Duration elapsed) {
    String id = started.transactionId();
    Instant now = clock.instant();
    if (error != null || result == null) {
      String why = error != null ? slot.describeFailure(error) : "no result";
      log.appendBuffered(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.FAILED, "", why, false));
      events.emit(DualPushEvent.Type.COPY_FAILED, id, started.key(), slot.id(), 0, elapsed, why);
      // Per copy, so DEBUG: an outage is said once by the destination's state change, and acted on through alerts.
      LOG.debug("Copy of '{}' ({}) at {} failed: {}", started.key(), id, slot.id(), why);
      return CopyStatus.FAILED;
    }
    events.emit(result.written() ? DualPushEvent.Type.COPY_WRITTEN : DualPushEvent.Type.COPY_UNCHANGED, id,
        started.key(), slot.id(), result.written() ? started.size() : 0, elapsed, "");
    Duration threshold = slot.options.slowCopyThreshold();
    if (elapsed.compareTo(threshold) > 0) {
      events.alert(Alert.Type.PERFORMANCE_DEGRADATION, "Copy of '" + started.key() + "' at " + slot.id() + " took "
          + elapsed.toMillis() + " ms, over its slow-copy threshold of " + threshold.toMillis() + " ms", id, slot.id());
    }
    return recordDigest(slot, started, result.md5(), now, elapsed);
  }

  /** G4: VERIFIED only when the copy's digest equals the source MD5 recorded in the log. */
  CopyStatus recordDigest(Slot slot, LogEntry.Started started, String actual, Instant now, Duration elapsed) {
    String id = started.transactionId();
    if (actual.equals(started.md5())) {
      log.appendBuffered(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.VERIFIED, actual, "", false));
      events.emit(DualPushEvent.Type.COPY_VERIFIED, id, started.key(), slot.id(), started.size(), elapsed, "");
      return CopyStatus.VERIFIED;
    }
    String why = "stored MD5 " + actual + " differs from source MD5 " + started.md5();
    log.appendBuffered(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.FAILED, actual, why, true));
    events.emit(DualPushEvent.Type.COPY_INCONSISTENT, id, started.key(), slot.id(), 0, elapsed, why);
    events.alert(Alert.Type.DATA_INCONSISTENCY, "Copy of '" + started.key() + "' at " + slot.id() + ": " + why, id,
        slot.id());
    return CopyStatus.FAILED;
  }

  /**
   * Reads every copy of {@code record} back ({@code mode} says how deeply) and records what it
   * finds; completes when every check has been recorded or has failed to read.
   */
  CompletableFuture<Void> check(TransactionRecord record, VerifyMode mode) {
    List<CompletableFuture<Object>> checks = new ArrayList<>();
    for (CopyRecord copy : record.copies()) {
      Slot slot = slots.get(copy.destinationId());
      if (slot == null) {
        continue;
      }
      // Only the reading is bounded by the destination's timeout; what it found is recorded after.
      checks.add(slot.call(() -> readDigest(slot, record.key(), mode)).handle((actual, error) -> {
        if (error != null) {
          LOG.debug("Cannot verify the copy of '{}' at {}: {}", record.key(), slot.id(), slot.describeFailure(error));
        } else {
          recordCheck(slot, record, copy, actual);
        }
        return null;
      }));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
  }

  private void recordCheck(Slot slot, TransactionRecord record, CopyRecord copy, Optional<String> actual) {
    LogEntry.Started started = record.start();
    Instant now = clock.instant();
    if (actual.isEmpty()) {
      if (copy.status() != CopyStatus.FAILED || copy.mismatch()) {
        log.appendBuffered(new LogEntry.CopyUpdated(record.transactionId(), now, slot.id(), CopyStatus.FAILED, "",
            "object missing", false));
        events.alert(Alert.Type.VERIFICATION_FAILURE, "Copy of '" + started.key() + "' is missing at " + slot.id(),
            record.transactionId(), slot.id());
      }
      return;
    }
    if (actual.get().equals(started.md5()) && copy.status() == CopyStatus.VERIFIED) {
      return;
    }
    recordDigest(slot, started, actual.get(), now, Duration.ZERO);
  }

  /**
   * Checks one copy where it is, for a repair that has no payload or source file to rewrite it from
   * (a power cut took its VERIFIED record, or the payload was not retained): when the digest the
   * destination holds equals the source MD5 the copy is recorded VERIFIED ({@link #recordDigest});
   * a copy that is missing, differs or cannot be read is left as recorded, for the repair to
   * rewrite or to record as having no source. Completes with whether the copy was verified;
   * exceptionally only when the log refuses the record.
   */
  CompletableFuture<Boolean> verifyInPlace(Slot slot, LogEntry.Started started) {
    return slot.call(() -> readDigest(slot, started.key(), VerifyMode.HASH)).handle((actual, error) -> {
      if (error != null) {
        LOG.debug("Cannot check the copy of '{}' at {} in place: {}", started.key(), slot.id(),
            slot.describeFailure(error));
        return false;
      }
      if (actual.isEmpty() || !actual.get().equals(started.md5())) {
        return false; // an older version or a torn write is not an inconsistency to alert on: the repair rewrites it
      }
      return recordDigest(slot, started, actual.get(), clock.instant(), Duration.ZERO) == CopyStatus.VERIFIED;
    });
  }

  /** The digest of the object under {@code key}: reported by head, or (deep) re-read and hashed. */
  private static Optional<String> readDigest(Slot slot, String key, VerifyMode mode) {
    if (mode == VerifyMode.HASH) {
      Optional<ObjectInfo> info = slot.destination.head(key);
      if (info.isEmpty()) {
        return Optional.empty();
      }
      if (info.get().md5().isPresent()) {
        return info.get().md5();
      }
    }
    Optional<InputStream> in = slot.destination.get(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream stream = in.get()) {
      return Optional.of(Md5.of(stream).base64());
    } catch (IOException e) {
      throw new DualPushException("Cannot re-read '" + key + "' at " + slot.id() + ": " + e.getMessage(), e);
    }
  }
}
