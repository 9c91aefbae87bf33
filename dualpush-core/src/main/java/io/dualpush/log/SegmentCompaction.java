package io.dualpush.log;

import io.dualpush.CopyStatus;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The compaction rule of the segmented {@link TransactionLog}: it
 * tracks which segments each transaction has records in and plans which segments a log may delete,
 * and which unfinished transactions it must copy forward first.
 *
 * <h2>The rule</h2>
 * A log appends to one <em>active</em> segment and rolls over to a new one when it is full; the
 * others are <em>older</em> segments, each named by a {@code long} that grows with its age (a base
 * sequence number, a segment number). A transaction is <em>unfinished</em> while it is open or
 * dead-lettered ({@link TransactionIndex#open()}, {@link TransactionIndex#deadLettered()}): a
 * restart must find it, in its state. On every roll-over and checkpoint the log asks for a
 * {@link #plan}:
 * <ol>
 *   <li>the {@code retainSegments} most recent older segments are kept whatever they hold, so the
 *       history of recently finished transactions survives a restart, and are never in a plan;</li>
 *   <li>of the rest, the oldest segments that no unfinished transaction has a record in are deleted
 *       as they are, oldest first, stopping at the first that one needs ({@link Plan#deleteNow()});</li>
 *   <li>if more than {@code compactAfterSegments} of them remain, pinned by unfinished transactions,
 *       the current state of every unfinished transaction with a record in one of them
 *       ({@link Plan#copyForward()}, written as {@link Plan#entriesToCopy()}) is appended to the
 *       active segment and, once that is durable, all of them are deleted
 *       ({@link Plan#deleteAfterCopy()}).</li>
 * </ol>
 * A log therefore holds at most {@code retainSegments + compactAfterSegments + 1} segments after
 * each compaction, plus the state of its unfinished transactions, whatever the load and however
 * long a transaction stays open: overlapping transactions cannot chain segments together for good.
 * Verified and superseded transactions go with their segments.
 *
 * <h2>Why it is safe at any crash point</h2>
 * <ul>
 *   <li>Nothing a copy stands in for is deleted before the copy is durable: a crash in between
 *       leaves the log as it was plus the copies. The log writes each transaction's copy, and each
 *       restate, as one unit that replays whole or not at all: a crash that kept part of a restate
 *       would otherwise bring a finished transaction back in a state it had left.</li>
 *   <li>A replay that meets both an old start and its copied-forward twin ignores the second start
 *       ({@link TransactionIndex#apply} refuses a second start) and re-applies the same states: the
 *       copies are the state at the time they were written and follow every earlier record of their
 *       transaction, so the fold ends in the same record.</li>
 *   <li>Segments are deleted oldest first, so what remains is a suffix of the log at every instant:
 *       a record that superseded a transaction (a later start of its key) is never gone while the
 *       superseded start remains, and the superseded transaction never comes back as open. An
 *       unfinished transaction is the latest of its key, so its copied start supersedes nothing that
 *       was not superseded already.</li>
 *   <li>Records of a deleted transaction found in a later segment are ignored on replay: its start
 *       is gone, and {@link TransactionIndex#apply} refuses entries of transactions it does not hold.
 *       So a record appended <em>now</em> for a finished transaction that the index still holds in
 *       memory but whose start compaction deleted (a deep verify that finds a copy corrupted, say,
 *       reopening it) would be lost at the next restart: the log writes the transaction's state
 *       ({@link #restateBefore}) immediately before such a record, in the same durable write. A
 *       replay then starts the transaction from that state and applies the record; where its start
 *       was still in the log after all, the second start is refused and the states re-applied change
 *       nothing. Only records of transactions the index no longer holds, or superseded ones, are
 *       still ignored.</li>
 * </ul>
 *
 * <h2>What the log does</h2>
 * An internal step of {@link SegmentedTransactionLog}, not a protocol callers follow: its writer
 * plans and writes copies in log order, its compactor deletes.
 * <ul>
 *   <li>For every record that is durable (appended, or replayed on open, segments in order) and that
 *       {@link TransactionIndex#apply} accepted: {@link #recorded(LogEntry, long)}. Records the index
 *       refused are not tracked; a replay ignores them too.</li>
 *   <li>Before writing a record, holding the same lock: {@link #restateBefore}, and write what it
 *       returns immediately before the record, in the same durable write; once durable, note each
 *       with {@link #recorded(LogEntry, long)} (they are not folded into the index).</li>
 *   <li>To compact, holding the lock that guards its segments: {@link #plan}; delete
 *       {@link Plan#deleteNow()} oldest first and {@link #forget} them; if {@link Plan#copyForward()}
 *       is not empty, append {@link Plan#entriesToCopy()} to the active segment, make them durable,
 *       call {@link #copiedForward(Plan, long)}, then delete {@link Plan#deleteAfterCopy()} oldest
 *       first and {@link #forget} them. If a copy fails, delete none of them: the next compaction
 *       plans again.</li>
 * </ul>
 * <pre>{@code
 * SegmentCompaction.Plan plan = compaction.plan(olderSegmentIds, index);
 * delete(plan.deleteNow()); compaction.forget(plan.deleteNow());
 * }</pre>
 *
 * <p>For store adapters, in-memory logs and benchmarks; not API: it may change in any release.
 *
 * <p>Not thread-safe: the log calls it holding its own lock.
 */
public final class SegmentCompaction {
  /** Older segments kept whatever they hold, by default. */
  public static final int DEFAULT_RETAIN_SEGMENTS = 2;
  /** Older segments unfinished transactions may pin before they are copied forward, by default. */
  public static final int DEFAULT_COMPACT_AFTER_SEGMENTS = 2;

  /**
   * The most unfinished transactions one plan copies forward, by default. Copy-forward is for a few
   * stragglers pinning old segments; when more are pinned than this, the segments are kept instead.
   */
  public static final int DEFAULT_MAX_COPY_FORWARD = 8_192;

  private final int retainSegments;
  private final int compactAfterSegments;
  private final int maxCopyForward;
  /**
   * Where the tracking is kept: beside each transaction in the log's index ({@link Tracking}), so that
   * it costs no object per transaction and ends with the transaction. Set by {@link #attach}.
   */
  private TransactionIndex index;

  /**
   * What one compaction does: segments to delete at once, unfinished transactions to copy forward,
   * and the segments to delete once those copies are durable. The lists of segments are oldest first.
   *
   * @param deleteNow segments no unfinished transaction needs: delete them, oldest first
   * @param copyForward unfinished transactions to rewrite into the active segment (empty when nothing needs
   *     copying)
   * @param deleteAfterCopy segments to delete, oldest first, once the copies are durable (empty when {@code
   *     copyForward} is)
   */
  public record Plan(List<Long> deleteNow, List<TransactionRecord> copyForward, List<Long> deleteAfterCopy) {
    /**
     * Copies the lists, so a plan cannot change after it is made.
     *
     * @param deleteNow segments no unfinished transaction needs: delete them, oldest first
     * @param copyForward unfinished transactions to rewrite into the active segment (empty when nothing needs
     *     copying)
     * @param deleteAfterCopy segments to delete, oldest first, once the copies are durable (empty when {@code
     *     copyForward} is)
     */
    public Plan {
      deleteNow = List.copyOf(deleteNow);
      copyForward = List.copyOf(copyForward);
      deleteAfterCopy = List.copyOf(deleteAfterCopy);
    }

    /**
     * The entries to append to the active segment: each of {@link #copyForward()}'s {@link #stateOf state}.
     *
     * @return the entries, transaction by transaction in {@link #copyForward()}'s order
     */
    public List<LogEntry> entriesToCopy() {
      List<LogEntry> out = new ArrayList<>();
      for (TransactionRecord r : copyForward) {
        out.addAll(stateOf(r));
      }
      return out;
    }

    /**
     * Whether the plan deletes and copies nothing.
     *
     * @return true when there is nothing to do
     */
    public boolean isEmpty() {
      return deleteNow.isEmpty() && copyForward.isEmpty() && deleteAfterCopy.isEmpty();
    }
  }

  /** The rule with {@link #DEFAULT_RETAIN_SEGMENTS} and {@link #DEFAULT_COMPACT_AFTER_SEGMENTS}. */
  public SegmentCompaction() {
    this(DEFAULT_RETAIN_SEGMENTS, DEFAULT_COMPACT_AFTER_SEGMENTS);
  }

  /**
   * @param retainSegments the most recent older segments always kept (0 keeps only what unfinished
   *     transactions need)
   * @param compactAfterSegments beyond the retained ones, how many older segments unfinished
   *     transactions may pin before they are copied forward (0 copies forward at every compaction)
   * @throws InvalidInputException naming the setting when one is negative
   */
  public SegmentCompaction(int retainSegments, int compactAfterSegments) {
    this(retainSegments, compactAfterSegments, DEFAULT_MAX_COPY_FORWARD);
  }

  /**
   * @param retainSegments the most recent older segments always kept (0 keeps only what unfinished
   *     transactions need)
   * @param compactAfterSegments beyond the retained ones, how many older segments unfinished
   *     transactions may pin before they are copied forward (0 copies forward at every compaction)
   * @param maxCopyForward the most unfinished transactions one plan copies forward; when more are
   *     pinned, the plan copies none and the pinned segments stay until enough finish (1 or more)
   * @throws InvalidInputException naming the setting when one is out of range
   */
  public SegmentCompaction(int retainSegments, int compactAfterSegments, int maxCopyForward) {
    this.retainSegments = InvalidInputException.requireNonNegative(retainSegments, "retainSegments");
    this.compactAfterSegments = InvalidInputException.requireNonNegative(compactAfterSegments, "compactAfterSegments");
    if (maxCopyForward < 1) {
      throw new InvalidInputException("maxCopyForward", "maxCopyForward must be at least 1, not " + maxCopyForward);
    }
    this.maxCopyForward = maxCopyForward;
  }

  /**
   * How many of the most recent older segments are kept whatever they hold.
   *
   * @return the number of retained segments, 0 or more
   */
  public int retainSegments() {
    return retainSegments;
  }

  /**
   * How many further older segments unfinished transactions may pin before they are copied forward.
   *
   * @return the threshold, 0 or more
   */
  public int compactAfterSegments() {
    return compactAfterSegments;
  }

  /**
   * Keeps the tracking in {@code index}, the log's index, from now on; a log attaches each new index
   * it replays into. Only transactions the index holds are tracked: a plan and a restate need no
   * others (they read the index's unfinished and held transactions), so tracking ends with the
   * transaction.
   *
   * @param index the index whose transactions this tracks
   * @return this
   */
  public SegmentCompaction attach(TransactionIndex index) {
    this.index = Objects.requireNonNull(index, "index");
    return this;
  }

  private TransactionIndex index() {
    if (index == null) {
      throw new IllegalStateException("no index attached: call attach(index) first");
    }
    return index;
  }

  /**
   * Notes that {@code segment} holds a durable record of {@code transactionId}, one the index
   * accepted, that is not a start ({@link #recorded(LogEntry, long)} tells starts apart). Cheap when
   * called for every record: a transaction's newest segment is checked first.
   *
   * @param transactionId the transaction the record belongs to
   * @param segment the segment's number
   */
  public void recorded(String transactionId, long segment) {
    index().segments().recorded(transactionId, segment, false);
  }

  /**
   * Notes that {@code segment} holds {@code entry}, durable: a record the index accepted, or one of
   * the entries {@link #restateBefore} asked for. A start marks the segment as one a replay rebuilds
   * the transaction from.
   *
   * @param entry the durable entry
   * @param segment the segment's number
   */
  public void recorded(LogEntry entry, long segment) {
    index().segments().recorded(entry.transactionId(), segment, entry instanceof LogEntry.Started);
  }

  /**
   * Notes that {@code plan}'s copies are durable in {@code activeSegment}.
   *
   * @param plan a plan whose {@link Plan#entriesToCopy()} are now durable
   * @param activeSegment the segment they were written to
   */
  public void copiedForward(Plan plan, long activeSegment) {
    for (TransactionRecord r : plan.copyForward()) {
      recorded(r.start(), activeSegment);
    }
  }

  /**
   * Whether a segment the log still holds has a start of {@code transactionId} (its own or a copy),
   * so that a replay rebuilds the transaction. False once compaction deleted every segment with one,
   * even when later records of it remain: a replay ignores those.
   *
   * @param transactionId the transaction
   * @return true when a segment still held holds a start of it
   */
  public boolean hasStart(String transactionId) {
    return index().segments().hasStart(transactionId);
  }

  /**
   * The entries a log must write immediately before {@code entry}, in the same durable write, so
   * that a replay does not ignore it: the {@link #stateOf state} of its transaction when the index
   * still holds the transaction (a finished one, kept in memory) but no segment holds its start any
   * more. Empty otherwise: when a segment holds its start, for a start, for a transaction the index
   * does not hold (a replay ignores the entry too) and for a superseded one (never repaired or
   * verified again; a copied start would make it the latest of its key again).
   *
   * <p>Once they are durable the log notes each of them with {@link #recorded(LogEntry, long)}, but
   * does not fold them into the index, which already holds that state. A log that writes several
   * entries of one transaction before any is durable restates it before the first only.
   *
   * @param entry the entry about to be written
   * @param index the log's index
   * @return the entries to write first, oldest first; empty in the common case
   */
  public List<LogEntry> restateBefore(LogEntry entry, TransactionIndex index) {
    attach(index);
    if (entry instanceof LogEntry.Started || hasStart(entry.transactionId())) {
      return List.of();
    }
    return index.get(entry.transactionId()).filter(r -> !r.superseded()).map(SegmentCompaction::stateOf)
        .orElse(List.of());
  }

  /**
   * Forgets deleted segments: transactions left with no record in any segment are no longer tracked.
   *
   * @param deletedSegments the numbers of the segments deleted
   */
  public void forget(Collection<Long> deletedSegments) {
    if (deletedSegments.isEmpty()) {
      return;
    }
    index().segments().forgetSegments(Tracking.sorted(deletedSegments));
  }

  /** Forgets everything, for a log that replays from the start again. */
  public void clear() {
    if (index != null) {
      index.segments().clearTracking();
    }
  }

  /**
   * Plans one compaction (see the class documentation).
   *
   * @param olderSegments every segment but the active one, oldest first
   * @param index the log's index, from which the unfinished transactions are taken
   * @return what to delete now, what to copy forward, and what to delete once the copies are durable
   */
  public Plan plan(List<Long> olderSegments, TransactionIndex index) {
    List<Long> candidates = olderSegments.subList(0, Math.max(0, olderSegments.size() - retainSegments));
    if (candidates.isEmpty()) {
      return new Plan(List.of(), List.of(), List.of());
    }
    attach(index);
    // The first candidate an unfinished transaction may have a record in: tracking keeps each one's
    // oldest segment (at most the true one after a deletion), so compare by number.
    long oldest = index.segments().oldestUnfinishedSegment();
    int free = 0;
    while (free < candidates.size() && (oldest == Tracking.NONE || candidates.get(free) < oldest)) {
      free++;
    }
    List<Long> deleteNow = candidates.subList(0, free);
    List<Long> pinned = candidates.subList(free, candidates.size());
    if (pinned.size() <= compactAfterSegments) {
      return new Plan(deleteNow, List.of(), List.of());
    }
    // Every unfinished transaction with a record in a pinned segment: its oldest is at least the
    // first pinned one, so having one at most the last pinned one is the same thing.
    List<TransactionRecord> copy = index.segments().unfinishedUpTo(pinned.get(pinned.size() - 1), maxCopyForward);
    if (copy == null) {
      // So many are pinned (a long outage holds every push open) that copying them would rewrite
      // about as much as it frees, and hold them all as objects at once: keep the segments until
      // enough of their transactions finish.
      return new Plan(deleteNow, List.of(), List.of());
    }
    return new Plan(deleteNow, copy, pinned);
  }

  /**
   * Entries that rebuild {@code r} when folded from nothing: its start, each copy that moved from
   * its initial pending state (oldest update first, each at its own time), its repair rounds and its
   * dead letter. The fold ends at {@code r}'s {@link TransactionRecord#updatedAt()} too, which repair
   * schedules from: when no entry above carries it (the last record was a {@link LogEntry.Retried},
   * or copies were updated with out-of-order times), a {@link LogEntry.Retried} at that time ends the
   * list, which changes nothing else in a record with no repair round and no dead letter.
   *
   * @param r a transaction's current record
   * @return the entries, in the order to append them
   */
  public static List<LogEntry> stateOf(TransactionRecord r) {
    List<LogEntry> out = new ArrayList<>();
    out.add(r.start());
    List<CopyRecord> moved = new ArrayList<>();
    for (CopyRecord c : r.copies()) {
      if (c.status() != CopyStatus.PENDING || !c.md5().isEmpty() || !c.error().isEmpty() || c.mismatch()
          || !c.updatedAt().equals(r.createdAt())) {
        moved.add(c);
      }
    }
    moved.sort(Comparator.comparing(CopyRecord::updatedAt)); // stable: list order among equal times
    for (CopyRecord c : moved) {
      out.add(new LogEntry.CopyUpdated(r.transactionId(), c.updatedAt(), c.destinationId(), c.status(), c.md5(),
          c.error(), c.mismatch()));
    }
    if (r.repairRounds() > 0) {
      out.add(new LogEntry.RepairAttempted(r.transactionId(), r.updatedAt(), r.repairRounds()));
    }
    r.deadLetterReason().ifPresent(reason -> out.add(new LogEntry.DeadLettered(r.transactionId(), r.updatedAt(), reason)));
    if (!out.get(out.size() - 1).at().equals(r.updatedAt())) {
      // Only reachable with no repair round and no dead letter (those entries carry updatedAt), so
      // resetting both is a no-op.
      out.add(new LogEntry.Retried(r.transactionId(), r.updatedAt()));
    }
    return out;
  }

  @Override
  public String toString() {
    return "SegmentCompaction{retain " + retainSegments + ", compact after " + compactAfterSegments + "}";
  }
}
