package io.dualpush.internal;

import io.dualpush.DualPushEvent;
import io.dualpush.DualPushException;
import io.dualpush.DuplicateInProgressException;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionState;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeOutcome;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Admission of a push, steps 2-4: a place in flight (without blocking the caller), the message
 * id's dedupe claim, the payload's MD5, and the {@code Started} record, durable in the log before
 * anything touches a destination (G1). A duplicate message id is answered here with the earlier
 * outcome and goes no further. Thread-safe.
 */
final class Admission {
  /** How long an unfinished dedupe claim blocks others before it is presumed dead. */
  static final Duration CLAIM_TTL = Duration.ofMinutes(15);

  /**
   * A push admitted: either started (durable in the log, holding a place in flight) or answered
   * as a duplicate (holding nothing).
   */
  record Admitted(LogEntry.@Nullable Started started, @Nullable ContentOpener opener, long retainBytes,
      @Nullable PushReceipt duplicate) {}

  private final EngineConfig config;
  private final PermitQueue places;
  private final EngineExecutors executors;
  private final Events events;
  private final List<LogEntry.Target> targets;
  private final int requiredCopies;
  private final String processTag;
  private final AtomicLong sequence = new AtomicLong();

  Admission(EngineConfig config, PermitQueue places, EngineExecutors executors, Events events,
      List<LogEntry.Target> targets, int requiredCopies) {
    this.config = config;
    this.places = places;
    this.executors = executors;
    this.events = events;
    this.targets = targets;
    this.requiredCopies = requiredCopies;
    byte[] tag = new byte[4];
    new SecureRandom().nextBytes(tag);
    this.processTag = HexFormat.of().formatHex(tag);
  }

  /**
   * Takes a place in flight (queued, never blocking, when none is free), then claims, hashes and
   * logs on the work threads. A started push keeps its place; the caller gives it back once the
   * push's copies have settled. A duplicate, or a failure, gives it back here.
   *
   * @param inCaller whether, when a place is free at once, to claim, hash and log in the calling
   *     thread: for the blocking client, whose caller waits for the push anyway
   */
  CompletableFuture<Admitted> admit(PushRequest request, boolean inCaller) {
    AtomicBoolean placed = new AtomicBoolean();
    CompletableFuture<Void> place = places.acquire();
    CompletableFuture<Admitted> admitted;
    if (place == PermitQueue.TAKEN) {
      // The common case, a place free at once: straight to the work threads, one stage fewer; or,
      // for a caller that waits for the push anyway, in its own thread: no hand-off at all.
      placed.set(true);
      admitted = inCaller ? beginHere(request)
          : executors.supply(() -> begin(request), new EngineExecutors.Op("push of", request.key()));
    } else {
      admitted = place.thenCompose(v -> {
        placed.set(true);
        return executors.supply(() -> begin(request), new EngineExecutors.Op("push of", request.key()));
      });
    }
    // The place goes back before the caller sees the outcome, so that a caller chaining the next
    // push on a duplicate or a failure finds it free.
    return admitted.handle((a, e) -> {
      if (placed.get() && (e != null || a.duplicate() != null)) {
        places.release();
      }
      if (e != null) {
        throw e instanceof CompletionException ce ? ce : new CompletionException(e);
      }
      return a;
    });
  }

  /** {@link #begin} in the calling thread, its failure as a failed future (as the work threads would give it). */
  private CompletableFuture<Admitted> beginHere(PushRequest request) {
    try {
      return CompletableFuture.completedFuture(begin(request));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private Admitted begin(PushRequest request) {
    String messageId = request.messageId().orElse("");
    if (!messageId.isEmpty()) {
      DedupeClaim claim = config.dedupe().claim(messageId, CLAIM_TTL);
      if (claim.status() == DedupeClaim.Status.DUPLICATE) {
        PushReceipt earlier = duplicateReceipt(request, claim);
        events.emit(DualPushEvent.Type.DUPLICATE_PUSH, earlier.transactionId(), request.key(), "", 0, Duration.ZERO,
            messageId);
        return new Admitted(null, null, 0, earlier);
      }
      if (claim.status() == DedupeClaim.Status.IN_PROGRESS) {
        throw new DuplicateInProgressException(messageId);
      }
    }
    try {
      PushContent content = request.content();
      Md5.Digest digest = hash(request);
      String id = "txn-" + Long.toString(config.clock().millis(), 36) + "-" + processTag + "-"
          + Long.toString(sequence.incrementAndGet(), 36);
      LogEntry.Started started = new LogEntry.Started(id, config.clock().instant(), request.key(), digest.size(),
          digest.base64(), request.datasetId().orElse(""), messageId, request.contentType(), request.metadata(),
          targets, requiredCopies, content.file().map(Path::toString).orElse(""));
      // G1: durable before any destination is touched.
      config.log().append(started);
      events.emit(DualPushEvent.Type.PUSH_STARTED, id, request.key(), "", digest.size(), Duration.ZERO, "");
      long retain = content.file().isPresent() ? 0 : content.bytes().map(b -> (long) b.length).orElse(0L);
      return new Admitted(started, content.opener(), retain, null);
    } catch (RuntimeException e) {
      if (!messageId.isEmpty()) {
        config.dedupe().release(messageId);
      }
      throw e;
    }
  }

  private static Md5.Digest hash(PushRequest request) {
    Optional<byte[]> bytes = request.content().bytes();
    if (bytes.isPresent()) {
      return new Md5.Digest(Md5.of(bytes.get()), bytes.get().length);
    }
    try (InputStream in = request.content().open()) {
      return Md5.of(in);
    } catch (IOException e) {
      throw new DualPushException("Cannot read the content of '" + request.key() + "': " + e, e);
    }
  }

  /**
   * The earlier push's receipt: from the log while it holds the transaction; otherwise a
   * {@link TransactionState#FORGOTTEN} receipt with what the dedupe store remembered. Never a
   * fabricated VERIFIED: the log only compacts a transaction once it ended, but "ended" may have
   * been superseded, and the copies are no longer known.
   */
  PushReceipt duplicateReceipt(PushRequest request, DedupeClaim claim) {
    String raw = claim.outcome().orElse("");
    Optional<DedupeOutcome> outcome = claim.pushOutcome();
    String id = outcome.map(DedupeOutcome::transactionId).orElse(raw);
    Optional<TransactionRecord> record = id.isEmpty() ? Optional.empty() : config.log().read(id);
    if (record.isPresent()) {
      return PushReceipt.of(record.get(), true);
    }
    return new PushReceipt(id, request.key(), outcome.map(DedupeOutcome::size).orElse(0L),
        outcome.map(DedupeOutcome::md5).orElse(""), TransactionState.FORGOTTEN, List.of(), true,
        config.clock().instant());
  }
}
