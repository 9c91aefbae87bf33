package io.dualpush.internal;

import io.dualpush.CircuitBreakerState;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationHealth;
import io.dualpush.DualPushEvent;
import io.dualpush.DualPushException;
import io.dualpush.DualPushListener;
import io.dualpush.DualPushStats;
import io.dualpush.DuplicateInProgressException;
import io.dualpush.InvalidInputException;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.TransactionNotFoundException;
import io.dualpush.TransactionState;
import io.dualpush.VerifyMode;
import io.dualpush.spi.Alert;
import io.dualpush.spi.ContentOpener;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.spi.WriteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push path, start to end: validate, dedupe, hash, log, route in parallel, verify, acknowledge;
 * then repair in the background and recover on start. Follow {@link #push} to read one push.
 */
public final class PushEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PushEngine.class);
  /** How long an unfinished dedupe claim blocks others before it is presumed dead. */
  private static final Duration CLAIM_TTL = Duration.ofMinutes(15);
  /** How long close() waits, once work has drained, for the engine's threads to stop. */
  private static final Duration THREADS_GRACE = Duration.ofSeconds(5);

  private final EngineConfig config;
  private final List<Slot> slots;
  private final Map<String, Slot> byId = new LinkedHashMap<>();
  private final List<LogEntry.Target> targets;
  private final int requiredCopies;
  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService hashing;
  private final ScheduledThreadPoolExecutor repairScheduler;
  private final Semaphore permits;
  private final Map<String, Flight> live = new ConcurrentHashMap<>();
  private final Map<String, Retained> retained = new ConcurrentHashMap<>();
  private final AtomicLong retainedBytes = new AtomicLong();
  private final Set<String> repairing = ConcurrentHashMap.newKeySet();
  private final Set<String> dueNow = ConcurrentHashMap.newKeySet();
  /** Transactions whose every copy to repair is at a destination refusing calls: due when one takes them. */
  private final Set<String> waiting = ConcurrentHashMap.newKeySet();
  /** Destinations whose half-open breaker's one trial call a repair round is carrying. */
  private final Set<String> probing = ConcurrentHashMap.newKeySet();
  /** Each destination's {@link Slot#breakerClosings()} at the last scan; the repair thread's own. */
  private final Map<String, Long> closingsSeen = new HashMap<>();
  private final String processTag;
  private final AtomicLong sequence = new AtomicLong();
  private volatile boolean closed;

  private record Retained(ContentOpener opener, long bytes) {}

  public PushEngine(EngineConfig config) {
    this.config = config;
    this.timer = new ScheduledThreadPoolExecutor(1, threads("dualpush-timer"));
    Watchdog watchdog = new Watchdog(timer);
    this.hashing = new ThreadPoolExecutor(config.ioThreads(), config.ioThreads(), 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), threads("dualpush-push"));
    this.repairScheduler = new ScheduledThreadPoolExecutor(1, threads("dualpush-repair"));
    this.permits = new Semaphore(config.maxInFlight());
    List<Slot> s = new ArrayList<>();
    List<LogEntry.Target> t = new ArrayList<>();
    int required = 0;
    for (EngineConfig.Target target : config.destinations()) {
      // A timed-out call's failure is delivered on the push threads: the timer must stay free for deadlines.
      Slot slot = new Slot(target.options(), target.destination(), config.retry(), config.circuitBreaker(),
          config.ioThreads(), watchdog, timer, config.clock(), hashing);
      s.add(slot);
      byId.put(slot.id(), slot);
      t.add(new LogEntry.Target(slot.id(), target.options().required()));
      if (target.options().required()) {
        required++;
      }
    }
    this.slots = List.copyOf(s);
    this.targets = List.copyOf(t);
    this.requiredCopies = config.ackPolicy().requiredCopies(required);
    byte[] tag = new byte[4];
    new SecureRandom().nextBytes(tag);
    this.processTag = java.util.HexFormat.of().formatHex(tag);
  }

  /** Recovery: every open transaction in the log is due for repair now; then repair runs on its schedule. */
  public void start() {
    List<TransactionRecord> open = config.log().open();
    if (!open.isEmpty()) {
      LOG.info("Recovering {} open transaction(s) from the transaction log", open.size());
    }
    for (TransactionRecord r : open) {
      dueNow.add(r.transactionId());
    }
    if (config.repair().enabled()) {
      long every = config.repair().scanInterval().toNanos();
      repairScheduler.scheduleWithFixedDelay(this::repairTick, 0, every, TimeUnit.NANOSECONDS);
    }
  }

  // ---------------------------------------------------------------- push

  /** One push: returns when the ack policy is decided (see {@link Flight}). */
  public CompletableFuture<PushReceipt> push(PushRequest request) {
    ensureOpen();
    acquirePermit();
    Flight flight = new Flight(permits);
    CompletableFuture<Begun> begun;
    try {
      begun = CompletableFuture.supplyAsync(() -> begin(request), hashing);
    } catch (RejectedExecutionException e) {
      flight.release();
      throw new DualPushException("The client is closed", e);
    }
    begun.whenComplete((b, e) -> {
      if (e != null || b.duplicate != null) {
        flight.release();
      }
    });
    return begun.thenCompose(b -> b.duplicate != null
        ? CompletableFuture.completedFuture(b.duplicate)
        : route(b, flight));
  }

  private record Begun(LogEntry.Started started, ContentOpener opener, long retainBytes, PushReceipt duplicate) {}

  /** Steps 2-4: claim the message id, hash the payload, make the transaction durable. */
  private Begun begin(PushRequest request) {
    String messageId = request.messageId().orElse("");
    if (!messageId.isEmpty()) {
      DedupeClaim claim = config.dedupe().claim(messageId, CLAIM_TTL);
      if (claim.status() == DedupeClaim.Status.DUPLICATE) {
        PushReceipt earlier = duplicateReceipt(request, claim.outcome().orElse(""));
        emit(DualPushEvent.Type.DUPLICATE_PUSH, earlier.transactionId(), request.key(), "", 0, Duration.ZERO, messageId);
        return new Begun(null, null, 0, earlier);
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
      emit(DualPushEvent.Type.PUSH_STARTED, id, request.key(), "", digest.size(), Duration.ZERO, "");
      long retain = content.file().isPresent() ? 0 : content.bytes().map(b -> (long) b.length).orElse(0L);
      return new Begun(started, content.opener(), retain, null);
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

  private PushReceipt duplicateReceipt(PushRequest request, String outcome) {
    String[] parts = outcome.split("\\|", 3);
    String id = parts[0];
    Optional<TransactionRecord> record = config.log().read(id);
    if (record.isPresent()) {
      return PushReceipt.of(record.get(), true);
    }
    // The log compacted it away, which it only does once a transaction is terminal.
    String md5 = parts.length > 1 ? parts[1] : "";
    long size = parts.length > 2 ? Long.parseLong(parts[2]) : 0;
    return new PushReceipt(id, request.key(), size, md5, TransactionState.VERIFIED, List.of(), true, config.clock().instant());
  }

  /**
   * Steps 5-7: every destination in parallel; each copy is VERIFIED only when the digest the
   * destination reports equals the source MD5 in the log. The returned future completes when the
   * ack policy is decided; optional copies still running then go on and are logged.
   */
  private CompletableFuture<PushReceipt> route(Begun begun, Flight flight) {
    LogEntry.Started started = begun.started;
    flight.begin(started, slots, requiredCopies);
    live.put(started.transactionId(), flight);
    for (Slot slot : slots) {
      writeCopy(slot, started, begun.opener, false).whenComplete((status, error) -> {
        CopyStatus s = error == null ? status : CopyStatus.FAILED;
        if (error != null) {
          LOG.error("Recording the copy of {} at {} failed", started.transactionId(), slot.id(), error);
          flight.recordFailed(Slot.unwrap(error));
        }
        boolean decidedNow = flight.settle(slot, s);
        boolean last = flight.allSettled();
        if (last) {
          // Before the caller is woken: once a push returns, it is no longer "in flight".
          finish(flight, begun);
        }
        if (decidedNow) {
          decide(flight);
        }
        if (last) {
          flight.release();
        }
      });
    }
    return flight.ack;
  }

  private void decide(Flight flight) {
    LogEntry.Started started = flight.started;
    try {
      // A log may already have compacted a transaction that became terminal (every copy verified):
      // the acknowledgement must not depend on it still holding the record.
      PushReceipt receipt = flight.receipt(config.log().read(started.transactionId()).orElseGet(flight::settledRecord));
      if (!started.messageId().isEmpty()) {
        // The transaction is durable and will be repaired either way: the message is processed.
        config.dedupe().markDone(started.messageId(),
            started.transactionId() + "|" + started.md5() + "|" + started.size(), config.dedupeTtl());
      }
      Throwable unrecorded = flight.recordFailure();
      if (unrecorded != null) {
        // A copy's outcome is not in the log (it cannot be written): nothing may be acknowledged on
        // it, and the caller learns the log's failure itself rather than a copy status it caused.
        emit(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED, started.transactionId(), started.key(), "", started.size(),
            flight.elapsed(), "transaction log failed: " + unrecorded.getMessage());
        flight.ack.completeExceptionally(unrecorded);
      } else if (flight.ackHolds()) {
        emit(DualPushEvent.Type.PUSH_ACKNOWLEDGED, started.transactionId(), started.key(), "", started.size(), flight.elapsed(), receipt.state().name());
        flight.ack.complete(receipt);
      } else {
        emit(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED, started.transactionId(), started.key(), "", started.size(), flight.elapsed(), receipt.describeCopies());
        alert(Alert.Type.PUSH_FAILURE, "Push of '" + started.key() + "' failed: " + flight.verifiedRequired() + " of "
            + flight.requiredCopies() + " required copies verified (" + receipt.state() + "): " + receipt.describeCopies(),
            started.transactionId(), "");
        flight.ack.completeExceptionally(new PushFailedException(receipt));
      }
    } catch (RuntimeException e) {
      flight.ack.completeExceptionally(e);
    }
  }

  private void finish(Flight flight, Begun begun) {
    String id = flight.started.transactionId();
    if (!flight.allVerified()) {
      retain(id, begun);
    }
    live.remove(id);
  }

  /** Keeps an in-memory payload for repair, within the configured budget; files are re-read from disk. */
  private void retain(String id, Begun begun) {
    if (!begun.started.sourcePath().isEmpty()) {
      return;
    }
    long bytes = begun.retainBytes;
    if (retainedBytes.addAndGet(bytes) > config.retainedPayloadBytes()) {
      retainedBytes.addAndGet(-bytes);
      LOG.warn("Not retaining the payload of {} ({} bytes): retention budget full; repair will copy from a verified copy", id, bytes);
      return;
    }
    retained.put(id, new Retained(begun.opener, bytes));
  }

  private void forget(String id) {
    waiting.remove(id);
    Retained r = retained.remove(id);
    if (r != null) {
      retainedBytes.addAndGet(-r.bytes());
    }
  }

  /** Writes one copy, checks its digest against the source and logs the outcome. */
  private CompletableFuture<CopyStatus> writeCopy(Slot slot, LogEntry.Started started, ContentOpener opener, boolean replace) {
    return write(slot, started, opener, replace, true).thenApply(Optional::orElseThrow);
  }

  /**
   * {@link #writeCopy}, except that when {@code recordRefusal} is false a write that never reached
   * the destination (refused by its open breaker, the destination stuck, the client closing) is
   * neither logged nor counted, and completes empty: a repair refused that way leaves the copy's
   * recorded failure, its first cause, as it was.
   */
  private CompletableFuture<Optional<CopyStatus>> write(Slot slot, LogEntry.Started started, ContentOpener opener,
      boolean replace, boolean recordRefusal) {
    WriteRequest request = new WriteRequest(started.key(), started.size(), started.md5(), started.contentType(),
        started.metadata(), started.transactionId(), started.datasetId(), OptionalLong.empty(), opener, replace);
    long t0 = System.nanoTime();
    return slot.put(request).handle((result, error) -> {
      if (error != null && !recordRefusal && Slot.neverReached(error)) {
        LOG.debug("Repair of '{}' ({}) at {} refused without a call: {}", started.key(), started.transactionId(), slot.id(),
            slot.describeFailure(error));
        return Optional.empty();
      }
      return Optional.of(recordCopy(slot, started, result, error, Duration.ofNanos(System.nanoTime() - t0)));
    });
  }

  private CopyStatus recordCopy(Slot slot, LogEntry.Started started, PutResult result, Throwable error, Duration elapsed) {
    String id = started.transactionId();
    Instant now = config.clock().instant();
    if (error != null) {
      String why = slot.describeFailure(error);
      config.log().append(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.FAILED, "", why, false));
      emit(DualPushEvent.Type.COPY_FAILED, id, started.key(), slot.id(), 0, elapsed, why);
      LOG.warn("Copy of '{}' ({}) at {} failed: {}", started.key(), id, slot.id(), why);
      return CopyStatus.FAILED;
    }
    emit(result.written() ? DualPushEvent.Type.COPY_WRITTEN : DualPushEvent.Type.COPY_UNCHANGED, id, started.key(),
        slot.id(), result.written() ? started.size() : 0, elapsed, "");
    return recordDigest(slot, started, result.md5(), now, elapsed);
  }

  /** G4: VERIFIED only when the copy's digest equals the source MD5 recorded in the log. */
  private CopyStatus recordDigest(Slot slot, LogEntry.Started started, String actual, Instant now, Duration elapsed) {
    String id = started.transactionId();
    if (actual.equals(started.md5())) {
      config.log().append(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.VERIFIED, actual, "", false));
      emit(DualPushEvent.Type.COPY_VERIFIED, id, started.key(), slot.id(), started.size(), elapsed, "");
      return CopyStatus.VERIFIED;
    }
    String why = "stored MD5 " + actual + " differs from source MD5 " + started.md5();
    config.log().append(new LogEntry.CopyUpdated(id, now, slot.id(), CopyStatus.FAILED, actual, why, true));
    emit(DualPushEvent.Type.COPY_INCONSISTENT, id, started.key(), slot.id(), 0, elapsed, why);
    alert(Alert.Type.DATA_INCONSISTENCY, "Copy of '" + started.key() + "' at " + slot.id() + ": " + why, id, slot.id());
    return CopyStatus.FAILED;
  }

  // ---------------------------------------------------------------- verify

  /** Checks every copy of a transaction against the source MD5 and records what it finds. */
  public CompletableFuture<PushReceipt> verify(String transactionId, VerifyMode mode) {
    ensureOpen();
    TransactionRecord record = config.log().read(transactionId)
        .orElseThrow(() -> new TransactionNotFoundException(transactionId));
    if (!isCurrent(record) || live.containsKey(transactionId)) {
      return CompletableFuture.completedFuture(PushReceipt.of(record, false));
    }
    List<CompletableFuture<Object>> checks = new ArrayList<>();
    for (CopyRecord copy : record.copies()) {
      Slot slot = byId.get(copy.destinationId());
      if (slot == null) {
        continue;
      }
      // Only the reading is bounded by the destination's timeout; what it found is recorded after.
      checks.add(slot.call(() -> readDigest(slot, record.key(), mode)).handle((actual, error) -> {
        if (error != null) {
          LOG.warn("Cannot verify the copy of '{}' at {}: {}", record.key(), slot.id(), slot.describeFailure(error));
        } else {
          recordVerified(slot, record, copy, actual);
        }
        return null;
      }));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenApply(v -> PushReceipt.of(config.log().read(transactionId).orElse(record), false));
  }

  private void recordVerified(Slot slot, TransactionRecord record, CopyRecord copy, Optional<String> actual) {
    LogEntry.Started started = record.start();
    Instant now = config.clock().instant();
    if (actual.isEmpty()) {
      if (copy.status() != CopyStatus.FAILED || copy.mismatch()) {
        config.log().append(new LogEntry.CopyUpdated(record.transactionId(), now, slot.id(), CopyStatus.FAILED, "",
            "object missing", false));
        alert(Alert.Type.VERIFICATION_FAILURE, "Copy of '" + started.key() + "' is missing at " + slot.id(),
            record.transactionId(), slot.id());
      }
      return;
    }
    if (actual.get().equals(started.md5()) && copy.status() == CopyStatus.VERIFIED) {
      return;
    }
    recordDigest(slot, started, actual.get(), now, Duration.ZERO);
  }

  /** The digest of the object under {@code key}: reported by head, or (deep) re-read and hashed. */
  private Optional<String> readDigest(Slot slot, String key, VerifyMode mode) {
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

  private boolean isCurrent(TransactionRecord record) {
    return !record.superseded() && config.log().latest(record.key())
        .map(l -> l.transactionId().equals(record.transactionId())).orElse(true);
  }

  // ---------------------------------------------------------------- repair

  /** Revives a failed or dead-lettered transaction and runs a repair round now. */
  public CompletableFuture<PushReceipt> retryFailed(String transactionId) {
    ensureOpen();
    TransactionRecord record = config.log().read(transactionId)
        .orElseThrow(() -> new TransactionNotFoundException(transactionId));
    if (record.state() == TransactionState.VERIFIED || !isCurrent(record) || live.containsKey(transactionId)) {
      return CompletableFuture.completedFuture(PushReceipt.of(record, false));
    }
    if (record.deadLetterReason().isPresent() || record.repairRounds() > 0) {
      config.log().append(new LogEntry.Retried(transactionId, config.clock().instant()));
    }
    return repairNow(transactionId);
  }

  /** Retries every open or dead-lettered transaction now; completes when every round has finished. */
  public CompletableFuture<List<PushReceipt>> repairAll() {
    ensureOpen();
    List<String> ids = new ArrayList<>();
    for (TransactionRecord r : config.log().open()) {
      ids.add(r.transactionId());
    }
    for (TransactionRecord r : config.log().recent(Integer.MAX_VALUE)) {
      if (r.state() == TransactionState.DEAD_LETTERED) {
        ids.add(r.transactionId());
      }
    }
    List<CompletableFuture<PushReceipt>> rounds = new ArrayList<>();
    for (String id : ids) {
      rounds.add(retryFailed(id));
    }
    return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new))
        .thenApply(v -> rounds.stream().map(CompletableFuture::join).toList());
  }

  private CompletableFuture<PushReceipt> repairNow(String transactionId) {
    if (!repairing.add(transactionId)) {
      return CompletableFuture.completedFuture(PushReceipt.of(config.log().read(transactionId).orElseThrow(), false));
    }
    acquirePermit();
    TransactionRecord record = config.log().read(transactionId).orElseThrow();
    return repairRound(record).whenComplete((r, e) -> {
      repairing.remove(transactionId);
      permits.release();
    });
  }

  /**
   * Runs on the repair thread: starts due rounds and dead-letters what ran out of retries.
   *
   * <p>A round whose every copy is at a destination that would refuse it without a call (its
   * breaker open, or half-open with its trial call running; the destination stuck) is not started:
   * the transaction waits, with no log record and no backoff, and goes as soon as one of those
   * destinations takes a call again. While a breaker is half-open, one round (for the transaction
   * tried least) carries its trial call, and the others wait for its outcome. When a breaker closes
   * (its trial succeeded, or it was reset), every open transaction with a copy to repair there is
   * due at once, whatever its backoff.
   */
  private void repairTick() {
    if (closed) {
      return;
    }
    try {
      Instant now = config.clock().instant();
      Set<String> recovered = recoveredDestinations();
      List<TransactionRecord> open = new ArrayList<>(config.log().open());
      // The least tried first: a half-open breaker's one trial, when it fails, is charged to the
      // transaction with the most rounds left, never to the same one over and over.
      open.sort(Comparator.comparingInt(TransactionRecord::repairRounds));
      Set<String> openIds = new HashSet<>();
      for (TransactionRecord r : open) {
        String id = r.transactionId();
        openIds.add(id);
        if (closed) {
          return;
        }
        if (live.containsKey(id) || repairing.contains(id)) {
          continue;
        }
        List<Slot> targets = repairTargets(r);
        boolean released = waiting.contains(id) || targets.stream().anyMatch(t -> recovered.contains(t.id()));
        boolean due = dueNow.remove(id) || released || !now.isBefore(dueAt(r));
        if (!due) {
          continue;
        }
        if (r.repairRounds() >= config.repair().maxRetries()) {
          waiting.remove(id);
          deadLetter(r);
          continue;
        }
        if (!targets.isEmpty() && targets.stream().noneMatch(this::takesRepairs)) {
          waiting.add(id);
          continue;
        }
        if (!repairing.add(id)) {
          continue;
        }
        if (!permits.tryAcquire()) {
          repairing.remove(id);
          dueNow.add(id);
          return;
        }
        waiting.remove(id);
        List<String> trials = new ArrayList<>();
        for (Slot t : targets) {
          if (t.breakerHalfOpen() && probing.add(t.id())) {
            trials.add(t.id());
          }
        }
        repairRound(r).whenComplete((x, e) -> {
          probing.removeAll(trials);
          repairing.remove(id);
          permits.release();
          if (e != null) {
            LOG.warn("Repair round of {} failed", id, e);
          }
        });
      }
      // Transactions that left the open set some other way (verified by hand, superseded).
      waiting.retainAll(openIds);
    } catch (RuntimeException e) {
      LOG.error("Repair scan failed; will try again", e);
    }
  }

  /** Destinations whose breaker closed (a trial succeeded, or a reset) since the last scan. Repair thread only. */
  private Set<String> recoveredDestinations() {
    Set<String> recovered = new HashSet<>();
    for (Slot slot : slots) {
      long closings = slot.breakerClosings();
      Long seen = closingsSeen.put(slot.id(), closings);
      if (seen != null && seen != closings) {
        recovered.add(slot.id());
        LOG.info("Circuit breaker of {} closed: repairs waiting on it are due now", slot.id());
      }
    }
    return recovered;
  }

  /** The destinations a repair round of {@code r} would write to: those of its copies not verified. */
  private List<Slot> repairTargets(TransactionRecord r) {
    List<Slot> targets = new ArrayList<>(2);
    for (CopyRecord copy : r.copies()) {
      Slot slot = byId.get(copy.destinationId());
      if (copy.status() != CopyStatus.VERIFIED && slot != null) {
        targets.add(slot);
      }
    }
    return targets;
  }

  /**
   * Whether a repair write to {@code slot} would reach it now: not refused by its breaker or as
   * stuck, and, while half-open, not behind another round already carrying the trial call.
   */
  private boolean takesRepairs(Slot slot) {
    return slot.acceptsWrites() && !(probing.contains(slot.id()) && slot.breakerHalfOpen());
  }

  /** When the next round of {@code r} is due: exponential backoff with a stable per-round jitter. */
  Instant dueAt(TransactionRecord r) {
    Duration initial = config.repair().initialDelay();
    Duration max = config.repair().maxDelay();
    int n = r.repairRounds();
    long nanos = initial.toNanos();
    for (int i = 0; i < n && nanos < max.toNanos(); i++) {
      nanos *= 2;
    }
    nanos = Math.min(nanos, max.toNanos());
    // Jitter only shortens the wait, so "after the nominal delay" is always enough.
    double fraction = (Math.floorMod((r.transactionId() + "#" + n).hashCode(), 1000)) / 1000.0;
    nanos = (long) (nanos * (1 - config.repair().jitter() * fraction));
    return r.updatedAt().plusNanos(nanos);
  }

  private void deadLetter(TransactionRecord r) {
    String reason = "gave up after " + r.repairRounds() + " repair round(s): " + PushReceipt.of(r, false).describeCopies();
    config.log().append(new LogEntry.DeadLettered(r.transactionId(), config.clock().instant(), reason));
    forget(r.transactionId());
    emit(DualPushEvent.Type.DEAD_LETTERED, r.transactionId(), r.key(), "", r.size(), Duration.ZERO, reason);
    LOG.error("Transaction {} of '{}' dead-lettered: {}", r.transactionId(), r.key(), reason);
    alert(Alert.Type.DEAD_LETTER, "Push of '" + r.key() + "' dead-lettered: " + reason, r.transactionId(), "");
  }

  /**
   * One repair round: every copy not verified is re-checked or rewritten from the best source.
   * The round counts toward {@link io.dualpush.RepairOptions#maxRetries()} (a
   * {@link LogEntry.RepairAttempted} record, after its writes) only when it reached a destination:
   * a round whose every write was refused without a call is not an attempt, leaves the log as it
   * was, and waits (see {@link #repairTick()}). A round that verified every copy needs no record.
   */
  private CompletableFuture<PushReceipt> repairRound(TransactionRecord record) {
    String id = record.transactionId();
    int round = record.repairRounds() + 1;
    emit(DualPushEvent.Type.REPAIR_STARTED, id, record.key(), "", record.size(), Duration.ZERO, "round " + round);
    List<CompletableFuture<Boolean>> copies = new ArrayList<>();
    for (CopyRecord copy : record.copies()) {
      Slot slot = byId.get(copy.destinationId());
      if (copy.status() == CopyStatus.VERIFIED || slot == null) {
        continue;
      }
      copies.add(repairCopy(slot, record, sources(record, slot), copy.mismatch()));
    }
    return CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).handle((v, e) -> {
      // A copy whose outcome is unknown (its future failed) is presumed tried: never a free round.
      boolean tried = copies.isEmpty() || copies.stream().anyMatch(c -> c.isCompletedExceptionally() || c.join());
      TransactionRecord after = config.log().read(id).orElse(record);
      if (!tried) {
        waiting.add(id);
        LOG.info("Repair of {} ('{}') not attempted: every destination to repair refused it without a call; waiting",
            id, record.key());
        emit(DualPushEvent.Type.REPAIR_FINISHED, id, record.key(), "", record.size(), Duration.ZERO,
            "not attempted: refused without a call; waiting");
        return PushReceipt.of(after, false);
      }
      if (!after.state().isTerminal()) {
        config.log().append(new LogEntry.RepairAttempted(id, config.clock().instant(), round));
        after = config.log().read(id).orElse(after);
      }
      if (after.state().isTerminal()) {
        forget(id);
      }
      emit(DualPushEvent.Type.REPAIR_FINISHED, id, record.key(), "", record.size(), Duration.ZERO, after.state().name());
      return PushReceipt.of(after, false);
    });
  }

  private record Source(String label, ContentOpener opener) {}

  /** Where a copy can be rewritten from, best first: the retained payload, the source file, verified copies. */
  private List<Source> sources(TransactionRecord record, Slot target) {
    List<Source> sources = new ArrayList<>();
    Retained kept = retained.get(record.transactionId());
    if (kept != null) {
      sources.add(new Source("payload", kept.opener()));
    }
    String file = record.start().sourcePath();
    if (!file.isEmpty() && Files.isRegularFile(Path.of(file))) {
      sources.add(new Source("file " + file, () -> Files.newInputStream(Path.of(file))));
    }
    for (CopyRecord copy : record.copies()) {
      Slot other = byId.get(copy.destinationId());
      if (copy.status() == CopyStatus.VERIFIED && other != null && other != target) {
        sources.add(new Source("verified copy at " + other.id(), () -> other.destination.get(record.key())
            .orElseThrow(() -> new IOException("verified copy at " + other.id() + " has vanished"))));
      }
    }
    return sources;
  }

  /**
   * Rewrites one copy, trying each source in turn while the destination takes the write but the
   * digest comes out wrong (a changed source file, a copy corrupted since it was verified).
   * Completes with whether the repair was tried: false only when its first write was refused
   * without reaching the destination (and nothing was logged).
   */
  private CompletableFuture<Boolean> repairCopy(Slot slot, TransactionRecord record, List<Source> sources, boolean replace) {
    LogEntry.Started started = record.start();
    if (sources.isEmpty()) {
      String why = "no source left to repair from: payload not retained and no verified copy";
      config.log().append(new LogEntry.CopyUpdated(record.transactionId(), config.clock().instant(), slot.id(),
          CopyStatus.FAILED, "", why, false));
      return CompletableFuture.completedFuture(true);
    }
    Source source = sources.get(0);
    LOG.info("Repairing copy of '{}' ({}) at {} from {}", started.key(), record.transactionId(), slot.id(), source.label());
    // A copy found to differ from its own reported digest must be rewritten even though the digest "matches".
    return write(slot, started, source.opener(), replace, false).thenCompose(written -> {
      if (written.isEmpty()) {
        return CompletableFuture.completedFuture(false);
      }
      boolean mismatch = config.log().read(record.transactionId()).flatMap(r -> r.copy(slot.id()))
          .map(CopyRecord::mismatch).orElse(false);
      if (written.get() == CopyStatus.FAILED && mismatch && sources.size() > 1) {
        return repairCopy(slot, record, sources.subList(1, sources.size()), true).thenApply(x -> true);
      }
      return CompletableFuture.completedFuture(true);
    });
  }

  // ---------------------------------------------------------------- reads, stats, close

  public Optional<PushReceipt> receipt(String transactionId) {
    Optional<TransactionRecord> record = config.log().read(transactionId);
    Flight flight = live.get(transactionId);
    if (record.isPresent() && flight != null) {
      return Optional.of(flight.receipt(record.get()));
    }
    return record.map(r -> PushReceipt.of(r, false));
  }

  public List<PushReceipt> recent(int limit) {
    return config.log().recent(limit).stream().map(r -> PushReceipt.of(r, false)).toList();
  }

  public DualPushStats stats() {
    List<TransactionRecord> open = config.log().open();
    Instant now = config.clock().instant();
    Duration lag = open.stream().map(r -> Duration.between(r.createdAt(), now)).max(Duration::compareTo)
        .filter(d -> !d.isNegative()).orElse(Duration.ZERO);
    int dead = (int) config.log().recent(Integer.MAX_VALUE).stream()
        .filter(r -> r.state() == TransactionState.DEAD_LETTERED).count();
    return new DualPushStats(open.size(), lag, dead, config.maxInFlight() - permits.availablePermits());
  }

  /**
   * Health of every destination, by id, probed now in parallel: the probe, the circuit breaker's
   * state read after it, and the calls stuck there. Each probe is bounded by its destination's
   * timeout, including time spent queued behind other calls, so this returns within the longest
   * timeout.
   */
  public Map<String, DestinationHealth> health() {
    Map<Slot, CompletableFuture<HealthStatus>> probes = new LinkedHashMap<>();
    for (Slot slot : slots) {
      Duration timeout = slot.options.timeout();
      probes.put(slot, slot.call(slot.destination::probe)
          .exceptionally(e -> HealthStatus.unhealthy(Duration.ZERO, "probe failed: " + probeFailure(e)))
          .completeOnTimeout(HealthStatus.unhealthy(timeout, "probe did not finish within " + timeout.toMillis() + " ms"),
              timeout.toNanos(), TimeUnit.NANOSECONDS));
    }
    Map<String, DestinationHealth> out = new LinkedHashMap<>();
    probes.forEach((slot, probe) -> out.put(slot.id(),
        new DestinationHealth(slot.id(), probe.join(), slot.breakerState(), slot.stuckCalls())));
    return Collections.unmodifiableMap(out);
  }

  /** Why a probe failed, in words that cannot hold a secret: the engine's own, or the exception's type. */
  private static String probeFailure(Throwable e) {
    Throwable t = Slot.unwrap(e);
    if (t instanceof CallTimedOutException || t instanceof DestinationStuckException) {
      return t.getMessage();
    }
    return t.getClass().getSimpleName();
  }

  /**
   * Closes the circuit breaker of {@code destinationId} now; repairs waiting on it are due at the
   * repair scheduler's next scan.
   *
   * @throws InvalidInputException naming {@code destinationId} when no destination has that id
   */
  public void resetCircuitBreaker(String destinationId) {
    Slot slot = byId.get(destinationId);
    if (slot == null) {
      throw new InvalidInputException("destinationId", "'destinationId' names no destination of this client: '"
          + destinationId + "'; destinations: " + String.join(", ", byId.keySet()) + ".");
    }
    CircuitBreakerState before = slot.breakerState();
    slot.resetBreaker();
    LOG.info("Circuit breaker of {} reset by hand (was {} since {})", destinationId, before.state(), before.since());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    repairScheduler.shutdown();
    long deadline = System.nanoTime() + config.closeTimeout().toNanos();
    try {
      // Drain: every push and repair holds a permit until all its copies are settled and logged.
      if (!permits.tryAcquire(config.maxInFlight(), remaining(deadline), TimeUnit.NANOSECONDS)) {
        LOG.warn("close(): {} push(es) still in flight after {}; stopping them", config.maxInFlight() - permits.availablePermits(), config.closeTimeout());
      } else {
        permits.release(config.maxInFlight());
      }
      repairScheduler.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    hashing.shutdownNow();
    repairScheduler.shutdownNow();
    timer.shutdownNow();
    for (Slot slot : slots) {
      slot.shutdown();
    }
    // One bound for all threads; calls abandoned at their deadline are never waited for (daemon threads).
    long threadsDeadline = System.nanoTime() + THREADS_GRACE.toNanos();
    try {
      for (Slot slot : slots) {
        slot.awaitTermination(threadsDeadline);
      }
      hashing.awaitTermination(remaining(threadsDeadline), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (config.ownsLog()) {
      config.log().close();
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private void ensureOpen() {
    if (closed) {
      throw new DualPushException("The client is closed");
    }
  }

  /** Backpressure: waits while {@code maxInFlight} pushes are unsettled. */
  private void acquirePermit() {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DualPushException("Interrupted while waiting for a push slot", e);
    }
    if (closed) {
      permits.release();
      throw new DualPushException("The client is closed");
    }
  }

  private void emit(DualPushEvent.Type type, String id, String key, String destination, long bytes, Duration elapsed, String detail) {
    if (config.listeners().isEmpty()) {
      return;
    }
    DualPushEvent event = new DualPushEvent(type, id, key, destination, bytes, elapsed, detail);
    for (DualPushListener l : config.listeners()) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("Listener {} threw on {}", l, type, e);
      }
    }
  }

  private void alert(Alert.Type type, String message, String transactionId, String destinationId) {
    try {
      config.alerts().raise(new Alert(type, type.defaultSeverity(), message, transactionId, destinationId, config.clock().instant()));
    } catch (RuntimeException e) {
      LOG.warn("Alert sink threw on {}", type, e);
    }
  }

  static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** A push between its log append and the settling of its last copy; holds one permit. */
  static final class Flight {
    private final Semaphore permits;
    private final AtomicBoolean released = new AtomicBoolean();
    final CompletableFuture<PushReceipt> ack = new CompletableFuture<>();
    private final long startNanos = System.nanoTime();
    LogEntry.Started started;
    private final Map<String, CopyStatus> settled = new ConcurrentHashMap<>();
    private int copies;
    private int requiredCount;
    private int requiredCopies;
    private int settledRequired;
    private int verifiedRequired;
    private boolean decided;

    private Throwable recordFailure;

    Flight(Semaphore permits) {
      this.permits = permits;
    }

    /** Recording a copy's outcome in the log failed with {@code t}; the first such failure is kept. */
    synchronized void recordFailed(Throwable t) {
      if (recordFailure == null) {
        recordFailure = t;
      }
    }

    synchronized Throwable recordFailure() {
      return recordFailure;
    }

    synchronized void begin(LogEntry.Started started, List<Slot> slots, int requiredCopies) {
      this.started = started;
      this.copies = slots.size();
      this.requiredCopies = requiredCopies;
      for (Slot s : slots) {
        if (s.options.required()) {
          requiredCount++;
        }
      }
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

    synchronized int requiredCopies() {
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
      List<CopyRecord> copies = new ArrayList<>();
      for (CopyRecord c : record.copies()) {
        copies.add(settled.containsKey(c.destinationId()) || c.status().isSettled() ? c
            : new CopyRecord(c.destinationId(), c.required(), CopyStatus.IN_PROGRESS, c.md5(), c.error(), c.mismatch(), c.updatedAt()));
      }
      return new PushReceipt(record.transactionId(), record.key(), record.size(), record.md5(), record.state(),
          copies, false, record.createdAt());
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

    void release() {
      if (released.compareAndSet(false, true)) {
        permits.release();
      }
    }
  }
}
