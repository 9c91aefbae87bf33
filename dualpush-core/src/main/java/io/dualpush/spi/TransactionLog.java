package io.dualpush.spi;

import java.util.List;
import java.util.Optional;

/**
 * The durable record of every push and of each destination's progress. What makes "zero data loss"
 * true: the engine appends a push here, and waits until it is durable, before any destination is
 * written.
 *
 * <p>Contract (checked by {@code TransactionLogContract} in the testkit):
 * <ul>
 *   <li>{@link #append} returns only once the entry would survive a crash of this process.</li>
 *   <li>{@link #appendBuffered} returns once the entry is visible and handed to the store in order;
 *       after a power cut what survives is a prefix of the append order that holds every durable
 *       append that returned (the power-loss tier checks both).</li>
 *   <li>A reopened log yields the same transactions in the same states, except terminal ones it
 *       has compacted away (on {@link #checkpoint()} or by its own policy).</li>
 *   <li>{@link #open()} lists every non-terminal transaction. Dead-lettered ones are not in it (they
 *       wait for a retry, not for repair) but are never dropped: {@link #read} and {@link #recent}
 *       still return them.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface TransactionLog extends AutoCloseable {

  /**
   * Appends one entry; durable on return. Throws {@link io.dualpush.DualPushException} on failure.
   *
   * @param entry the entry to append
   */
  void append(LogEntry entry);

  /**
   * Appends one entry that need not be durable on return: for progress records (a copy's outcome,
   * a repair round) whose loss in a power cut recovery repairs, so that they do not each wait for
   * a sync. Throws {@link io.dualpush.DualPushException} on failure, as {@link #append} does.
   *
   * <p>On return the entry is visible to {@link #read}, {@link #latest} and {@link #open()}, and
   * has been handed to the log's store in order, after every entry appended (either way) before
   * it: it survives a crash of this process where the store is the operating system's file system
   * (whose page cache outlives the process). It is synced, and so survives a power cut or a crash
   * of the operating system, only with the first of: the next {@link #append} that syncs, the
   * log's buffered-sync interval passing, a roll-over to a new segment, or {@link #close()}.
   *
   * <p>Order is kept: after a power cut the entries that survive are a prefix of the order they
   * were appended in. A buffered entry that is lost takes every entry appended after it with it,
   * and a durable {@link #append} that returned keeps every entry appended before it, buffered or
   * not.
   *
   * <p>The default appends durably ({@link #append}), which keeps this contract for any log.
   *
   * @param entry the entry to append
   */
  default void appendBuffered(LogEntry entry) {
    append(entry);
  }

  /**
   * The folded view of a transaction, if the log still holds it.
   *
   * @param transactionId the transaction's id
   * @return its current record, or empty when the log never held it or has compacted it away
   */
  Optional<TransactionRecord> read(String transactionId);

  /**
   * The newest transaction of {@code key} the log still holds; earlier ones are superseded.
   *
   * @param key an object key
   * @return its newest transaction, or empty
   */
  Optional<TransactionRecord> latest(String key);

  /**
   * Every open (non-terminal) transaction, oldest first as far as the log keeps that order (a log
   * that holds many open transactions in a compact form may list those in the order it stores them).
   *
   * @return a new list (see above for its order); dead-lettered transactions are not in it until
   *     retried (the contract suite checks this)
   */
  List<TransactionRecord> open();

  /**
   * One page of the open transactions, in an order of the log's choosing, for callers that must
   * not hold them all at once (repair of a long outage's backlog). A pass starts at position 0 and continues at each
   * page's {@link OpenPage#next()} until a page is {@link OpenPage#last()}. Every transaction open
   * for the whole pass is returned at least once; one that opens or closes during the pass may or
   * may not be. Positions are opaque to callers and valid for the log instance that returned them.
   *
   * <p>The default returns the whole of {@link #open()} as one page at position 0 (it may exceed
   * {@code limit}) and an empty last page anywhere else; logs that hold many open transactions
   * override it so that a page costs memory in proportion to {@code limit}.
   *
   * @param position 0 to start a pass, or the {@link OpenPage#next()} of the previous page
   * @param limit the most transactions a page should hold, 1 or more
   * @return the page; never null
   */
  default OpenPage openPage(long position, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative");
    }
    return position == 0 ? new OpenPage(open(), 1, true) : new OpenPage(List.of(), position, true);
  }

  /**
   * How many transactions are open and when the oldest of them started, without listing them.
   *
   * <p>The default folds {@link #open()}; logs that hold many open transactions override it.
   *
   * @return the count and the oldest start, empty when none is open
   */
  default OpenSummary openSummary() {
    List<TransactionRecord> open = open();
    java.time.Instant oldest = null;
    for (TransactionRecord r : open) {
      if (oldest == null || r.createdAt().isBefore(oldest)) {
        oldest = r.createdAt();
      }
    }
    return new OpenSummary(open.size(), java.util.Optional.ofNullable(oldest));
  }

  /**
   * Every dead-lettered transaction the log holds, oldest first: they wait for a retry.
   *
   * <p>The default filters {@link #recent(int)} over everything the log holds; logs override it
   * with a listing that does not walk terminal transactions.
   *
   * @return a new list of the dead-lettered transactions
   */
  default List<TransactionRecord> deadLettered() {
    List<TransactionRecord> out = new java.util.ArrayList<>();
    for (TransactionRecord r : recent(Integer.MAX_VALUE)) {
      if (r.state() == io.dualpush.TransactionState.DEAD_LETTERED) {
        out.add(r);
      }
    }
    java.util.Collections.reverse(out);
    return out;
  }

  /**
   * Up to {@code limit} transactions, newest first.
   *
   * @param limit the most records to return, 0 or more
   * @return a new list, newest first
   */
  List<TransactionRecord> recent(int limit);

  /** Lets the log drop what only terminal transactions need; a no-op where nothing can be dropped. */
  void checkpoint();

  /**
   * What the open of this log found and worked around, in the order found: a torn tail dropped or
   * left unread, a damaged segment moved aside, an accepted gap. Empty when the log opened cleanly
   * (and for logs that cannot be damaged, such as in-memory ones). A reader that reports states
   * from the log should show these: a state may be older than a record that was lost or not read.
   * The list is immutable and fixed once the log is open; safe to call from any thread.
   *
   * @return the warnings, empty when the open found nothing to work around
   */
  default List<LogOpenWarning> openWarnings() {
    return List.of();
  }

  /**
   * The log's own figures for health pages: whether it accepts appends, its size and segments, and how long its
   * last sync took (see {@link LogStats}). Must be cheap and must not block on the network or append anything: a
   * health snapshot calls it inline. Safe to call from any thread, also after {@link #close()}.
   *
   * <p>The default returns empty: the log does not report figures, and health shows it as unknown.
   *
   * @return the figures, or empty when this log does not report them
   */
  default Optional<LogStats> stats() {
    return Optional.empty();
  }

  /** Flushes and releases the log; later calls fail. */
  @Override
  void close();
}
