package io.dualpush.log;

import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writing side of the log: the group-commit queue and its writer thread, the batch write with
 * restates and roll-overs, and the planning of compaction (which writes copies forward in log
 * order, sharing the batch's sync). Deleting segments is the {@link Compactor}'s, on its own thread,
 * so appenders never wait for deletes and their directory syncs.
 *
 * <p>A batch is written, folded into the index in log order and acknowledged; it is synced first
 * only when it holds a durable append, when {@link #afterDurable} actions wait, or when bytes
 * buffered appends wrote have waited {@link LogOptions#bufferedSyncInterval} (the writer also wakes
 * for that alone). Bytes are never left unsynced across a roll-over (recovery trusts a segment that
 * is not the last to be whole) or when compaction is planned (it decides from the index, which
 * already holds the unsynced records).
 */
final class GroupCommit {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedTransactionLog.class);

  /** One append waiting for the commit that covers it. */
  static final class Pending {
    final LogEntry entry;
    final byte[] frame;
    /** Whether the append returns only once synced ({@code append}), or once handed to the store ({@code appendBuffered}). */
    final boolean durable;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Who appended, and when (a durable append; 0 for a buffered one, which the window ignores), for the {@link CommitWindow}. */
    final Thread thread = Thread.currentThread();
    final long submitted;
    /** The state of its transaction, written just before it ({@link SegmentCompaction#restateBefore}). */
    List<LogEntry> restated = List.of();

    Pending(LogEntry entry, byte[] frame, boolean durable) {
      this.entry = entry;
      this.frame = frame;
      this.durable = durable;
      this.submitted = durable ? System.nanoTime() : 0;
    }
  }

  private final LogCore core;
  private final Compactor compactor;
  private final SegmentedTransactionLog.Durability durability;
  private final long segmentSize;
  private final CommitWindow window;
  private final int maxBatchRecords;
  /** Guarded by {@link LogCore#io}: frames to the active segment, and its syncs. */
  private final SegmentWriter out;
  /** Guarded by {@link LogCore#io}: what to do once the frames written so far are durable. */
  private final List<Runnable> afterDurable = new ArrayList<>();

  private final Object queueLock = new Object();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean closing;
  /** The batch the writer is committing, so a close that gives up on the writer can fail it. */
  private volatile List<Pending> inFlight = List.of();
  private final Thread writer;

  GroupCommit(LogCore core, Compactor compactor) {
    this.core = core;
    this.compactor = compactor;
    LogOptions o = core.options;
    this.durability = o.durability;
    this.segmentSize = o.segmentSize;
    this.window = new CommitWindow(o.groupCommitWindow.toNanos());
    this.maxBatchRecords = o.maxBatchRecords;
    this.out = new SegmentWriter(core);
    this.writer = durability == SegmentedTransactionLog.Durability.GROUP_COMMIT
        ? new Thread(this::writerLoop, "dualpush-log-writer " + core.description) : null;
  }

  void start() {
    if (writer != null) {
      writer.setDaemon(true);
      writer.start();
    }
  }

  /** Queues (group commit) or commits (the other modes, in the caller's thread) one append. */
  void submit(Pending p) {
    if (writer == null) {
      synchronized (core.io) {
        checkOpen();
        commit(List.of(p));
      }
      return;
    }
    synchronized (queueLock) {
      checkOpen();
      queue.add(p);
      queueLock.notifyAll();
    }
  }

  private void checkOpen() {
    core.checkWritable();
    synchronized (queueLock) {
      if (closing) {
        throw new io.dualpush.DualPushException("Transaction log " + core.description + " is closed");
      }
    }
  }

  /**
   * Stops taking appends and waits (up to {@code timeoutNanos}) for the writer to commit what is
   * queued; whatever is still queued then fails. Returns whether the writer ended.
   */
  boolean stop(long timeoutNanos) {
    synchronized (queueLock) {
      closing = true;
      queueLock.notifyAll();
    }
    if (writer == null) {
      return true;
    }
    long deadline = System.nanoTime() + timeoutNanos;
    boolean interrupted = false;
    while (writer.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        writer.join(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      // The store has not answered for the whole close timeout. Every append still waiting fails
      // now (its record may or may not land), so no caller waits for good; the writer thread ends
      // when the store answers or is closed under it.
      Throwable why = new IOException("the log was closed while its writer was still waiting for " + core.description);
      core.fail(why);
      failAll(inFlight, 0, why);
      synchronized (queueLock) {
        failAll(new ArrayList<>(queue), 0, why);
        queue.clear();
      }
      LOG.error("Transaction log {}: closed while its writer was still waiting for the store; failed the appends "
          + "it had not finished", core.description);
      return false;
    }
    return true;
  }

  boolean isClosing() {
    synchronized (queueLock) {
      return closing;
    }
  }

  private void writerLoop() {
    List<Pending> batch = new ArrayList<>();
    while (true) {
      boolean syncDue = false;
      synchronized (queueLock) {
        while (queue.isEmpty() && !closing) {
          long wait = out.nanosUntilDue();
          if (wait == 0) {
            syncDue = true; // buffered bytes waited the whole interval and no durable append came to sync them
            break;
          }
          try {
            if (wait == Long.MAX_VALUE) {
              queueLock.wait();
            } else {
              queueLock.wait(wait / 1_000_000, (int) (wait % 1_000_000));
            }
          } catch (InterruptedException e) {
            // Only close() stops the writer, after draining the queue.
          }
        }
        if (!syncDue && queue.isEmpty()) {
          return; // closing, and everything queued is committed (close() syncs what is buffered)
        }
        drain(batch);
        if (!syncDue) {
          awaitCompany(batch);
        }
      }
      inFlight = batch;
      try {
        synchronized (core.io) {
          if (syncDue) {
            syncIfDue();
          } else {
            commit(batch);
          }
        }
      } catch (Throwable e) {
        // Never leave an appender waiting on a writer that is gone.
        core.fail(e);
        failAll(batch, 0, e);
        LOG.error("Transaction log {}: the writer thread failed; refusing further appends", core.description, e);
        synchronized (queueLock) {
          List<Pending> rest = new ArrayList<>(queue);
          queue.clear();
          failAll(rest, 0, e);
        }
        return;
      }
      inFlight = List.of();
      batch = new ArrayList<>();
    }
  }

  private void drain(List<Pending> batch) {
    while (batch.size() < maxBatchRecords && !queue.isEmpty()) {
      Pending p = queue.poll();
      window.observe(p);
      batch.add(p);
    }
  }

  /**
   * Waits, when the {@link CommitWindow} expects other appenders, for them to join {@code batch}:
   * until its wait ends, the batch is full, or every active appender is in it. Holding {@link #queueLock}.
   */
  private void awaitCompany(List<Pending> batch) {
    long wait = window.waitFor(batch);
    if (wait == 0 || batch.size() >= maxBatchRecords) {
      return;
    }
    int before = batch.size();
    long deadline = System.nanoTime() + wait;
    long left;
    while (batch.size() < maxBatchRecords && !closing && !window.everyoneIn(batch)
        && (left = deadline - System.nanoTime()) > 0) {
      try {
        queueLock.wait(left / 1_000_000, (int) (left % 1_000_000));
      } catch (InterruptedException e) {
        break;
      }
      drain(batch);
    }
    window.waited(batch.size() > before);
  }

  /** How many times the writer waited for a batch to grow, and how many of those waits nothing joined. */
  long[] windowWaits() {
    synchronized (queueLock) {
      return new long[] {window.waits(), window.wasted()};
    }
  }

  /**
   * Writes {@code batch} in order, rolling segments as needed, makes it durable where it must be
   * ({@link #settle}), folds it into the index and completes every append. A record of a transaction whose start
   * compaction deleted is preceded by that transaction's state, in the same segment and the same
   * sync ({@link SegmentCompaction#restateBefore}). Called holding {@link LogCore#io}.
   */
  private void commit(List<Pending> batch) {
    Throwable failed = core.failure;
    if (failed != null) {
      failAll(batch, 0, failed);
      return;
    }
    int from = 0; // first record of the batch not yet durable
    // Transactions restated in batch[from, i): not durable yet, so the compaction does not know.
    Set<String> restating = new HashSet<>();
    try {
      core.ensureClaim();
      if (core.active.sealed) {
        roll(); // a torn tail the store could only mark: never append after it
      }
      for (int i = 0; i < batch.size(); i++) {
        Pending p = batch.get(i);
        List<byte[]> restate = restate(p, restating);
        long length = p.frame.length;
        for (byte[] frame : restate) {
          length += frame.length;
        }
        if (out.mustRoll(length, segmentSize)) {
          settle(batch, from, i);
          from = i;
          restating.clear();
          roll();
          restate = restate(p, restating); // the roll's compaction may have dropped its start
        }
        for (byte[] frame : restate) {
          out.write(frame);
        }
        out.write(p.frame);
      }
      settle(batch, from, batch.size());
    } catch (IOException | RuntimeException e) {
      core.fail(e);
      out.clear();
      afterDurable.clear();
      LOG.error("Transaction log {}: a write or sync failed; failing {} append(s) and refusing further appends until "
          + "the log is reopened", core.description, batch.size() - from, e);
      failAll(batch, from, e);
    }
  }

  /** The frames of {@code p}'s transaction's state, if it needs restating and is not being restated already. */
  private List<byte[]> restate(Pending p, Set<String> restating) {
    String id = p.entry.transactionId();
    p.restated = restating.contains(id) ? List.of() : core.compaction.restateBefore(p.entry, core.index);
    if (p.restated.isEmpty()) {
      return List.of();
    }
    restating.add(id);
    LOG.debug("Transaction log {}: restating transaction {}, whose start was compacted away, before a new record of it",
        core.description, id);
    // One unit: a cut that keeps part of it must not bring the transaction back in a state it had left.
    return Frames.unit(p.restated);
  }

  /**
   * Hands batch[from, to) and everything written before it to the store, syncs it when it must be
   * durable now (a durable append among it, actions waiting for durability, buffered bytes that
   * waited the whole interval, or an interval of zero; never in {@code OS_BUFFERED}), then folds
   * it into the index in log order and acknowledges it.
   */
  private void settle(List<Pending> batch, int from, int to) throws IOException {
    if (from == to && afterDurable.isEmpty()) {
      return;
    }
    out.flush();
    LogSegment active = core.active;
    if (durability != SegmentedTransactionLog.Durability.OS_BUFFERED && out.unsynced()
        && (!afterDurable.isEmpty() || out.due() || anyDurable(batch, from, to))) {
      out.sync();
    }
    for (int k = from; k < to; k++) {
      Pending p = batch.get(k);
      for (LogEntry e : p.restated) {
        core.compaction.recorded(e, active.number()); // the index holds this state already
      }
      core.applyDurable(p.entry, active);
      p.done.complete(null);
    }
    List<Runnable> actions = new ArrayList<>(afterDurable);
    afterDurable.clear();
    actions.forEach(Runnable::run);
  }

  private static boolean anyDurable(List<Pending> batch, int from, int to) {
    for (int k = from; k < to; k++) {
      if (batch.get(k).durable) {
        return true;
      }
    }
    return false;
  }

  /** Syncs what buffered appends wrote once it has waited the whole interval; the writer calls it when idle. */
  private void syncIfDue() {
    if (core.failure != null || core.active == null) {
      out.clear(); // the log failed: what is unsynced stays so, and the writer must not wake for it again
      return;
    }
    if (!out.due()) {
      return;
    }
    try {
      out.sync();
    } catch (IOException | RuntimeException e) {
      core.fail(e);
      out.clear();
      afterDurable.clear();
      LOG.error("Transaction log {}: a sync of buffered appends failed; refusing further appends until the log is "
          + "reopened", core.description, e);
    }
  }

  private static void failAll(List<Pending> batch, int from, Throwable cause) {
    for (int k = from; k < batch.size(); k++) {
      batch.get(k).done.completeExceptionally(cause);
    }
  }

  /**
   * Starts a new segment after the active one, whose records are durable, then plans compaction.
   * Waits first for deletions an earlier compaction queued, so that a store slower to delete than
   * the log is to fill segments holds back the writer instead of piling up segments. Called holding
   * {@link LogCore#io}.
   */
  private void roll() throws IOException {
    LogSegment old = core.active;
    out.syncIfUnsynced(); // a segment that is not the last must be whole for recovery to trust it
    compactor.awaitIdle();
    core.checkWritableIo();
    LogSegment next = new LogSegment(core.store.create(core.nextNumber(old)));
    synchronized (core.segments) {
      core.segments.put(next.number(), next);
    }
    core.active = next;
    planCompaction();
    // Copies forward must be durable, and the segments they free forgotten, before the rest of the
    // batch is written: a record of a finished transaction whose start is in one of those segments
    // is restated only if the compaction already knows the start is going (restateBefore), and an
    // unrestated record would be ignored by the next replay once the segment is deleted.
    settle(List.of(), 0, 0);
  }

  /**
   * Compaction by the rule of {@link SegmentCompaction}: segments no unfinished transaction needs
   * are handed to the compactor (forgotten first, so a later record of a transaction whose start is
   * in one is restated); when unfinished transactions pin too many, their current state is written
   * into the active segment now, in log order, and once that is durable the segments they pinned
   * are handed over too. Called holding {@link LogCore#io}.
   */
  void planCompaction() throws IOException {
    LogSegment active = core.active;
    List<Long> older = new ArrayList<>();
    for (LogSegment s : core.segments.headMap(active.number(), false).values()) {
      if (!s.doomed) {
        older.add(s.number());
      }
    }
    SegmentCompaction.Plan plan = core.compaction.plan(older, core.index);
    if (plan.isEmpty()) {
      return;
    }
    doom(plan.deleteNow());
    if (plan.copyForward().isEmpty()) {
      return;
    }
    // Each transaction's state as one unit: a cut that keeps part of a copy must not fold an older
    // state of the transaction over the one its originals hold.
    for (TransactionRecord r : plan.copyForward()) {
      for (byte[] frame : Frames.unit(SegmentCompaction.stateOf(r))) {
        out.write(frame);
      }
    }
    long into = active.number();
    afterDurable.add(() -> {
      core.compaction.copiedForward(plan, into);
      doom(plan.deleteAfterCopy());
      LOG.debug("Transaction log {}: copied {} unfinished transaction(s) forward", core.description,
          plan.copyForward().size());
    });
  }

  /**
   * Compaction on request: syncs what buffered appends wrote (the plan reads the index, which holds
   * them), plans, makes any copies durable, and leaves the deletions queued. Holding {@link LogCore#io}.
   */
  void compactNow() throws IOException {
    core.ensureClaim();
    out.syncIfUnsynced();
    planCompaction();
    settle(List.of(), 0, 0);
  }

  private void doom(List<Long> numbers) {
    if (numbers.isEmpty()) {
      return;
    }
    List<LogSegment> doomed = new ArrayList<>(numbers.size());
    for (long n : numbers) {
      LogSegment s = core.segments.get(n);
      if (s != null) {
        s.doomed = true;
        doomed.add(s);
      }
    }
    core.compaction.forget(numbers);
    compactor.delete(doomed);
  }

  /** Close: what is buffered goes to the store and the active segment is synced, unless the log failed. */
  void finish() throws IOException {
    if (core.failure != null || core.active == null) {
      return;
    }
    out.flush();
    core.store.sync(core.active.current()); // not counted: syncCount() is what appends and compaction cost
  }
}
