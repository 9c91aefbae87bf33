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
   * Every open (non-terminal) transaction, oldest first.
   *
   * @return a new list, oldest first; dead-lettered transactions are not in it until retried (the
   *     contract suite checks this)
   */
  List<TransactionRecord> open();

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

  /** Flushes and releases the log; later calls fail. */
  @Override
  void close();
}
