package io.dualpush.internal;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushEvent;
import io.dualpush.PushReceipt;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One repair round of one transaction, and the sources it repairs from: every copy not verified is
 * rewritten from the best source — the retained payload, the source file, a verified copy at
 * another destination — trying the next source while the destination takes the write but the
 * digest comes out wrong. With neither payload nor source file, every copy not verified (and not
 * recorded as a mismatch) is first checked where it is ({@link Verifier#verifyInPlace}): a power
 * cut may have taken the VERIFIED records of copies that were written (they are buffered appends),
 * and a copy found whole is recorded VERIFIED and serves as the source of the others; only a copy
 * that is then missing or differs, with no verified copy left, is FAILED for want of a source.
 * When to run a round is the {@link RepairScheduler}'s business. Thread-safe.
 */
final class Repairer {
  private static final Logger LOG = LoggerFactory.getLogger(Repairer.class);

  /**
   * What a round did. {@code attempted} is false when every write was refused without reaching
   * its destination: nothing was logged, and the round does not count. {@code failedAt} lists the
   * destinations whose copy the round tried and left not verified, in the client's order.
   */
  record Round(TransactionRecord after, boolean attempted, List<String> failedAt) {
    Round(TransactionRecord after, boolean attempted) {
      this(after, attempted, List.of());
    }

    PushReceipt receipt() {
      return PushReceipt.of(after, false);
    }
  }

  private record Source(String label, ContentOpener opener) {}

  private final TransactionLog log;
  private final Clock clock;
  private final Events events;
  private final Map<String, Slot> slots;
  private final Router router;
  private final Verifier verifier;
  private final PayloadRetention retention;

  Repairer(TransactionLog log, Clock clock, Events events, Map<String, Slot> slots, Router router, Verifier verifier,
      PayloadRetention retention) {
    this.log = log;
    this.clock = clock;
    this.events = events;
    this.slots = slots;
    this.router = router;
    this.verifier = verifier;
    this.retention = retention;
  }

  /**
   * Runs one round. It counts toward {@link io.dualpush.RepairOptions#maxRetries()} (a
   * {@link LogEntry.RepairAttempted} record, after its writes) only when it reached a destination;
   * a round that verified every copy needs no record.
   */
  CompletableFuture<Round> round(TransactionRecord record) {
    String id = record.transactionId();
    int round = record.repairRounds() + 1;
    events.emit(DualPushEvent.Type.REPAIR_STARTED, id, record.key(), "", record.size(), Duration.ZERO, "round " + round);
    return checkInPlace(record).thenCompose(current -> repairCopies(record, current, round));
  }

  /**
   * With no payload retained and no source file, checks every copy not verified where it is, and
   * completes with the transaction as the log then holds it; otherwise with {@code record}. A copy
   * recorded as a mismatch is not checked: a deep verify may have found its bytes differ while the
   * digest its destination reports is still the right one, which a check in place would believe.
   */
  private CompletableFuture<TransactionRecord> checkInPlace(TransactionRecord record) {
    if (retention.opener(record.transactionId()).isPresent() || sourceFile(record) != null) {
      return CompletableFuture.completedFuture(record);
    }
    List<CompletableFuture<Boolean>> checks = new ArrayList<>();
    for (CopyRecord copy : record.copies()) {
      Slot slot = slots.get(copy.destinationId());
      if (copy.status() != CopyStatus.VERIFIED && !copy.mismatch() && slot != null) {
        checks.add(verifier.verifyInPlace(slot, record.start()));
      }
    }
    if (checks.isEmpty()) {
      return CompletableFuture.completedFuture(record);
    }
    // A check the log refused leaves its copy as recorded: the repair below then fails on the same log.
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .handle((v, e) -> log.read(record.transactionId()).orElse(record));
  }

  /** Rewrites every copy of {@code current} (the transaction after any in-place check) that is still not verified. */
  private CompletableFuture<Round> repairCopies(TransactionRecord record, TransactionRecord current, int round) {
    String id = record.transactionId();
    List<CompletableFuture<Boolean>> copies = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (CopyRecord copy : current.state().isTerminal() ? List.<CopyRecord>of() : current.copies()) {
      Slot slot = slots.get(copy.destinationId());
      if (copy.status() == CopyStatus.VERIFIED || slot == null) {
        continue;
      }
      copies.add(repairCopy(slot, current, sources(current, slot), copy.mismatch()));
      targets.add(slot.id());
    }
    return CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).handle((v, e) -> {
      // A copy whose outcome is unknown (its future failed) is presumed tried: never a free round.
      boolean tried = copies.isEmpty() || copies.stream().anyMatch(c -> c.isCompletedExceptionally() || c.join());
      TransactionRecord after = log.read(id).orElse(record);
      if (!tried) {
        LOG.debug("Repair of {} ('{}') not attempted: every destination to repair refused it without a call; waiting",
            id, record.key());
        events.emit(DualPushEvent.Type.REPAIR_FINISHED, id, record.key(), "", record.size(), Duration.ZERO,
            "not attempted: refused without a call; waiting");
        return new Round(after, false);
      }
      if (!after.state().isTerminal()) {
        log.appendBuffered(new LogEntry.RepairAttempted(id, clock.instant(), round));
        after = log.read(id).orElse(after);
      }
      events.emit(DualPushEvent.Type.REPAIR_FINISHED, id, record.key(), "", record.size(), Duration.ZERO,
          after.state().name());
      List<String> failedAt = new ArrayList<>();
      for (int i = 0; i < copies.size(); i++) {
        CompletableFuture<Boolean> c = copies.get(i);
        String at = targets.get(i);
        boolean triedHere = c.isCompletedExceptionally() || c.join();
        if (triedHere && after.copy(at).map(k -> k.status() != CopyStatus.VERIFIED).orElse(false)) {
          failedAt.add(at);
        }
      }
      return new Round(after, true, List.copyOf(failedAt));
    });
  }

  /** Where a copy can be rewritten from, best first: the retained payload, the source file, verified copies. */
  private List<Source> sources(TransactionRecord record, Slot target) {
    List<Source> sources = new ArrayList<>();
    Optional<ContentOpener> kept = retention.opener(record.transactionId());
    kept.ifPresent(opener -> sources.add(new Source("payload", opener)));
    Path file = sourceFile(record);
    if (file != null) {
      sources.add(new Source("file " + file, () -> Files.newInputStream(file)));
    }
    for (CopyRecord copy : record.copies()) {
      Slot other = slots.get(copy.destinationId());
      if (copy.status() == CopyStatus.VERIFIED && other != null && other != target) {
        sources.add(new Source("verified copy at " + other.id(), () -> other.destination.get(record.key())
            .orElseThrow(() -> new IOException("verified copy at " + other.id() + " has vanished"))));
      }
    }
    return sources;
  }

  /** The push's source file, when it names one that is still there. */
  private static @Nullable Path sourceFile(TransactionRecord record) {
    String file = record.start().sourcePath();
    return !file.isEmpty() && Files.isRegularFile(Path.of(file)) ? Path.of(file) : null;
  }

  /**
   * Rewrites one copy, trying each source in turn while the destination takes the write but the
   * digest comes out wrong (a changed source file, a copy corrupted since it was verified).
   * Completes with whether the repair was tried: false only when its first write was refused
   * without reaching the destination (and nothing was logged).
   */
  private CompletableFuture<Boolean> repairCopy(Slot slot, TransactionRecord record, List<Source> sources,
      boolean replace) {
    LogEntry.Started started = record.start();
    if (sources.isEmpty()) {
      String why = "no source left to repair from: payload not retained and no verified copy";
      log.appendBuffered(new LogEntry.CopyUpdated(record.transactionId(), clock.instant(), slot.id(), CopyStatus.FAILED, "",
          why, false));
      return CompletableFuture.completedFuture(true);
    }
    Source source = sources.get(0);
    LOG.debug("Repairing copy of '{}' ({}) at {} from {}", started.key(), record.transactionId(), slot.id(),
        source.label());
    // A copy found to differ from its own reported digest must be rewritten even though the digest "matches".
    return router.write(slot, started, source.opener(), replace, false).thenCompose(written -> {
      if (written.isEmpty()) {
        return CompletableFuture.completedFuture(false);
      }
      boolean mismatch = log.read(record.transactionId()).flatMap(r -> r.copy(slot.id()))
          .map(CopyRecord::mismatch).orElse(false);
      if (written.get() == CopyStatus.FAILED && mismatch && sources.size() > 1) {
        return repairCopy(slot, record, sources.subList(1, sources.size()), true).thenApply(x -> true);
      }
      return CompletableFuture.completedFuture(true);
    });
  }
}
