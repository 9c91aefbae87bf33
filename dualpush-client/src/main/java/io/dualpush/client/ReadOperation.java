package io.dualpush.client;

import io.dualpush.client.EndpointState.Permit;
import io.dualpush.client.ReadAttempt.Outcome;
import io.dualpush.spi.Md5;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * One read, from its first try to its answer: tries the endpoints in order, fails over when one fails, hedges when
 * one is slow, and completes with the first copy whose bytes match the expected MD5. Every state change happens
 * under this object's lock; the endpoints' answers and the timers arrive on other threads.
 */
final class ReadOperation {
  /** The read's answer: the winning endpoint and its copy, or nothing found anywhere. */
  record Answer(@Nullable EndpointState endpoint, @Nullable Fetched fetched, @Nullable String md5,
      DigestSource digestSource, List<ReadAttempt> attempts, Duration latency) {}

  private final ReadEngine engine;
  private final String key;
  private final FetchLimits limits;
  private final List<EndpointState> order;
  private final @Nullable String expectedMd5;
  private final DigestSource expectedSource;
  private final boolean missingIsFailure;
  private final long startNanos;
  final CompletableFuture<Answer> result = new CompletableFuture<>();
  /** The thread that makes the first try itself (a blocking read), or null. */
  private final @Nullable Thread caller;
  private final AtomicInteger inline = new AtomicInteger(IDLE);
  private @Nullable Try inlineTry;
  private static final int IDLE = 0;
  private static final int RUNNING = 1;
  private static final int INTERRUPTING = 2;
  private static final int INTERRUPTED = 3;
  private static final int OVER = 4;

  private final List<Try> tries = new ArrayList<>();
  private int next;
  private int inflight;
  private boolean done;
  private boolean hedged;
  private boolean failed;
  private @Nullable Throwable firstCause;
  private @Nullable ScheduledFuture<?> hedgeTimer;

  ReadOperation(ReadEngine engine, String key, FetchLimits limits, List<EndpointState> order,
      @Nullable String expectedMd5, DigestSource expectedSource, boolean missingIsFailure, boolean callerRuns) {
    this.caller = callerRuns ? Thread.currentThread() : null;
    this.engine = engine;
    this.key = key;
    this.limits = limits;
    this.order = order;
    this.expectedMd5 = expectedMd5;
    this.expectedSource = expectedSource;
    this.missingIsFailure = missingIsFailure;
    this.startNanos = engine.ticker.getAsLong();
  }

  /** One try of one endpoint. */
  private final class Try {
    final EndpointState endpoint;
    final Permit permit;
    final boolean hedge;
    final long started = engine.ticker.getAsLong();
    @Nullable CompletableFuture<Fetched> future;
    @Nullable ScheduledFuture<?> timeout;
    @Nullable ReadAttempt attempt;
    boolean lostHedge;

    Try(EndpointState endpoint, Permit permit, boolean hedge) {
      this.endpoint = endpoint;
      this.permit = permit;
      this.hedge = hedge;
    }

    long elapsed() {
      return engine.ticker.getAsLong() - started;
    }

    void finish(Outcome outcome, String detail) {
      attempt = new ReadAttempt(endpoint.id(), outcome, Duration.ofNanos(elapsed()), hedge, detail);
    }
  }

  void start() {
    synchronized (this) {
      if (!launchNext(false)) {
        finishWithoutCopy();
      }
    }
  }

  /** Starts the next endpoint that will take a read; false when none is left (or, for a hedge, none is ready). */
  private boolean launchNext(boolean hedge) {
    while (next < order.size()) {
      EndpointState endpoint = order.get(next);
      // A failover with nothing else running may use an endpoint whose breaker is open: every better one has failed.
      Permit permit = endpoint.tryAcquire(!hedge && inflight == 0);
      if (permit == null) {
        if (hedge) {
          return false;
        }
        next++;
        continue;
      }
      next++;
      launch(endpoint, permit, hedge);
      return true;
    }
    return false;
  }

  private void launch(EndpointState endpoint, Permit permit, boolean hedge) {
    Try t = new Try(endpoint, permit, hedge);
    tries.add(t);
    inflight++;
    endpoint.reads.increment();
    if (hedge) {
      endpoint.hedges.increment();
      hedged = true;
    }
    t.timeout = engine.scheduler.schedule(() -> onTimeout(t), engine.attemptTimeout.toNanos(), TimeUnit.NANOSECONDS);
    if (!hedged && engine.hedging.enabled() && next < order.size()) {
      scheduleHedge(endpoint);
    }
    CompletableFuture<Fetched> future;
    if (caller != null && tries.size() == 1 && !hedge && endpoint.reader.interruptible()) {
      // A blocking read's own thread makes the first try once start() returns (runInline): no hand-off to the
      // read pool and back. Cancelling the try interrupts that thread if it is inside the call, so only a reader
      // that an interrupt surely stops runs there (a destination's SDK might hang the caller past every hedge).
      CompletableFuture<Fetched> own = new CompletableFuture<>();
      own.whenComplete((v, e) -> {
        if (own.isCancelled()) {
          interruptInline();
        }
      });
      future = own;
      inlineTry = t;
    } else {
      try {
        future = endpoint.reader.fetch(key, limits, expectedMd5 == null);
      } catch (RuntimeException e) {
        future = CompletableFuture.failedFuture(e);
      }
    }
    t.future = future;
    future.whenComplete((fetched, error) -> onDone(t, fetched, error));
  }

  /**
   * Makes the first try on the calling thread, for a read started with {@code callerRuns}: call it from that thread
   * right after {@link #start()}. Returns when the try has ended (answered, failed, or cancelled by a hedge that won
   * or by its timeout, which interrupt the call and clear the interrupt again).
   */
  void runInline() {
    Try t;
    synchronized (this) {
      t = inlineTry;
    }
    if (t == null || t.future == null || !inline.compareAndSet(IDLE, RUNNING)) {
      return;
    }
    Fetched fetched = null;
    Throwable error = null;
    try {
      fetched = t.endpoint.reader.fetchBlocking(key, limits, expectedMd5 == null);
    } catch (Throwable e) {
      error = e;
    }
    if (!inline.compareAndSet(RUNNING, OVER)) {
      // This read interrupted the call: wait until the interrupt has been delivered, then take it back.
      while (inline.get() != INTERRUPTED) {
        Thread.onSpinWait();
      }
      Thread.interrupted();
    } else if (error instanceof InterruptedException) {
      // Somebody else interrupted the caller: the read stops (not the endpoint's fault), the interrupt stays set.
      Thread.currentThread().interrupt();
      abort(new io.dualpush.DualPushException("Interrupted while reading '" + key + "'", error));
      return;
    }
    if (error != null) {
      t.future.completeExceptionally(error);
    } else if (!t.future.complete(fetched)) {
      fetched.discard();
    }
  }

  private void interruptInline() {
    Thread thread = caller;
    if (thread != null && inline.compareAndSet(RUNNING, INTERRUPTING)) {
      thread.interrupt();
      inline.set(INTERRUPTED);
    } else {
      inline.compareAndSet(IDLE, OVER);
    }
  }

  private void scheduleHedge(EndpointState endpoint) {
    if (hedgeTimer != null) {
      hedgeTimer.cancel(false);
    }
    HedgeOptions options = engine.hedging;
    long delay = endpoint.samples() < 8 ? options.maxDelay().toNanos()
        : Math.max(options.minDelay().toNanos(),
            Math.min(options.maxDelay().toNanos(), endpoint.percentileNanos(options.percentile())));
    hedgeTimer = engine.scheduler.schedule(this::onHedgeTimer, delay, TimeUnit.NANOSECONDS);
  }

  private synchronized void onHedgeTimer() {
    if (done || hedged || inflight == 0 || next >= order.size()) {
      return;
    }
    if (engine.hedgeBudget.tryHedge()) {
      launchNext(true);
    }
  }

  private synchronized void onTimeout(Try t) {
    if (t.attempt != null) {
      return;
    }
    String detail = "no answer within " + engine.attemptTimeout.toMillis() + " ms";
    t.finish(Outcome.TIMED_OUT, detail);
    inflight--;
    if (t.future != null) {
      t.future.cancel(true);
    }
    if (done) {
      return;
    }
    t.endpoint.onFailure(detail, t.permit);
    failed = true;
    if (firstCause == null) {
      firstCause = new TimeoutException(t.endpoint.id() + ": " + detail);
    }
    afterFailure();
  }

  private synchronized void onDone(Try t, @Nullable Fetched fetched, @Nullable Throwable error) {
    if (t.attempt != null) {
      // Timed out already.
      if (fetched != null) {
        fetched.discard();
      }
      return;
    }
    if (t.timeout != null) {
      t.timeout.cancel(false);
    }
    inflight--;
    Throwable cause = unwrap(error);
    if (done || cause instanceof CancellationException) {
      t.finish(Outcome.CANCELLED, t.lostHedge ? "slower than the hedge" : "");
      if (!t.lostHedge) {
        t.endpoint.onCancelled(t.permit);
      }
      if (fetched != null) {
        fetched.discard();
      }
      return;
    }
    if (cause != null) {
      ObjectTooLargeException tooLarge = causeOf(cause, ObjectTooLargeException.class);
      if (tooLarge != null) {
        t.finish(Outcome.FAILED, t.endpoint.reader.describeFailure(cause));
        t.endpoint.onAnswer(t.elapsed(), t.permit);
        finish();
        result.completeExceptionally(tooLarge);
        return;
      }
      String detail = t.endpoint.reader.describeFailure(cause);
      t.finish(isTimeout(cause) ? Outcome.TIMED_OUT : Outcome.FAILED, detail);
      t.endpoint.onFailure(detail, t.permit);
      failed = true;
      if (firstCause == null) {
        firstCause = cause;
      }
      afterFailure();
      return;
    }
    if (fetched.isNotFound()) {
      t.endpoint.onAnswer(t.elapsed(), t.permit);
      if (missingIsFailure) {
        // The receipt says this copy was verified: its absence is a lost copy, not a missing object.
        t.finish(Outcome.NOT_FOUND, "no object, although the push verified this copy");
        failed = true;
        if (firstCause == null) {
          firstCause = new IllegalStateException(t.endpoint.id() + ": no object under '" + key
              + "', although the push verified this copy");
        }
      } else {
        t.finish(Outcome.NOT_FOUND, "no object under the key");
      }
      afterFailure();
      return;
    }
    String reference = expectedMd5 != null ? expectedMd5 : fetched.storedMd5.orElse(null);
    DigestSource source = expectedMd5 != null ? expectedSource
        : reference != null ? DigestSource.STORED : DigestSource.NONE;
    if (reference == null && engine.requireDigest) {
      String detail = "no MD5 to check the copy against (none given, none stored with it)";
      t.finish(Outcome.FAILED, detail);
      t.endpoint.onAnswer(t.elapsed(), t.permit);
      fetched.discard();
      failed = true;
      if (firstCause == null) {
        firstCause = new IllegalStateException(t.endpoint.id() + ": " + detail);
      }
      afterFailure();
      return;
    }
    String actual = null;
    if (fetched.bytes != null) {
      actual = Md5.of(fetched.bytes);
      if (reference != null && !actual.equals(reference)) {
        String detail = "corrupt copy: MD5 " + actual + ", expected " + reference + " (" + source + ")";
        t.finish(Outcome.CORRUPT, detail);
        t.endpoint.onFailure(detail, t.permit);
        engine.markBad(t.endpoint, key);
        failed = true;
        if (firstCause == null) {
          firstCause = new CorruptCopyException(key, t.endpoint.id(), detail);
        }
        afterFailure();
        return;
      }
    }
    t.finish(Outcome.SUCCEEDED, "");
    t.endpoint.onAnswer(t.elapsed(), t.permit);
    if (t.hedge) {
      // The hedge beat a try still running: that endpoint was slow; route the next reads around it for a while.
      for (Try slow : tries) {
        if (slow != t && slow.attempt == null && !slow.hedge) {
          slow.endpoint.onLostHedge(slow.elapsed(), engine.hedging.penalty().toNanos(), slow.permit);
          slow.lostHedge = true;
        }
      }
    }
    finish();
    result.complete(new Answer(t.endpoint, fetched, actual != null ? actual : reference, source, attempts(),
        Duration.ofNanos(engine.ticker.getAsLong() - startNanos)));
  }

  private void afterFailure() {
    if (inflight == 0 && !launchNext(false)) {
      finishWithoutCopy();
    }
  }

  private void finishWithoutCopy() {
    finish();
    if (!failed && firstCause == null) {
      // Every endpoint answered that it has no such object.
      result.complete(new Answer(null, null, null, DigestSource.NONE, attempts(),
          Duration.ofNanos(engine.ticker.getAsLong() - startNanos)));
    } else {
      result.completeExceptionally(firstCause != null ? new AllEndpointsFailedException(key, attempts(), firstCause)
          : new AllEndpointsFailedException(key, "no endpoint could be tried"));
    }
  }

  /** Marks the read done and cancels whatever is still running. */
  private void finish() {
    done = true;
    if (hedgeTimer != null) {
      hedgeTimer.cancel(false);
    }
    for (Try t : tries) {
      if (t.attempt == null && t.future != null) {
        t.future.cancel(true);
      }
    }
  }

  /** Fails the read because the client closed. */
  synchronized void abort(RuntimeException failure) {
    if (!done) {
      finish();
      result.completeExceptionally(failure);
    }
  }

  private List<ReadAttempt> attempts() {
    List<ReadAttempt> list = new ArrayList<>(tries.size());
    for (Try t : tries) {
      list.add(t.attempt != null ? t.attempt
          : new ReadAttempt(t.endpoint.id(), Outcome.CANCELLED, Duration.ofNanos(t.elapsed()), t.hedge, ""));
    }
    return list;
  }

  /** The first throwable of type {@code type} in the cause chain (the HTTP client wraps a body's failure). */
  private static <T extends Throwable> @Nullable T causeOf(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * Whether a try ended because the endpoint's own client gave up waiting: java.net.http's request timeout is the
   * attempt timeout too, and whichever of the two timers fires first must not decide between TIMED_OUT and FAILED.
   * A connect timeout is a connection failure.
   */
  private static boolean isTimeout(Throwable cause) {
    for (Throwable e = cause; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (e instanceof HttpConnectTimeoutException) {
        return false;
      }
      if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
