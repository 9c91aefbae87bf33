package io.dualpush.log;

import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The in-memory fold of a log's entries that every {@link TransactionLog} implementation can reuse:
 * all open transactions, all dead-lettered ones (they wait for a retry), and the most recent
 * verified or superseded ones up to a retention bound, so memory stays bounded under steady load.
 *
 * <p>A {@link LogEntry.Started} for a key supersedes the key's earlier transaction, open or not:
 * the newer content is what the key must hold, so the older is never repaired or verified over it. Because
 * this is derived from the order of entries, a replay rebuilds exactly the same view.
 *
 * <p>For store adapters, in-memory logs and benchmarks; not API: it may change in any release.
 *
 * <p>Thread-safe.
 */
public final class TransactionIndex {
  /** Terminal transactions kept for {@code read} and {@code recent} by default. */
  public static final int DEFAULT_TERMINAL_RETENTION = 10_000;

  private final int terminalRetention;
  private final Map<String, TransactionRecord> open = new LinkedHashMap<>();
  private final Map<String, String> latestByKey = new HashMap<>();
  /** Every held transaction's place in {@link #byRecency}; guarded by this. */
  private final Map<String, Held> held = new HashMap<>();
  /**
   * Every held transaction, newest first (by {@code createdAt}, then arrival): what {@link #recent}
   * walks without this index's lock, so that polling it never holds up the writer folding records.
   */
  private final ConcurrentSkipListSet<Held> byRecency = new ConcurrentSkipListSet<>(NEWEST_FIRST);
  private long arrivals;

  /** A held transaction's fixed sort key and its current record, which {@link #apply} replaces. */
  private static final class Held {
    final Instant createdAt;
    final long arrival;
    volatile TransactionRecord record;

    Held(TransactionRecord record, long arrival) {
      this.createdAt = record.createdAt();
      this.arrival = arrival;
      this.record = record;
    }
  }

  /**
   * Newest first: later {@code createdAt} first, then later arrival. Written out rather than
   * chained ({@code comparing().thenComparingLong().reversed()}): it runs on every start and every
   * retention eviction, and the chained form showed among the top frames of a push's profile.
   */
  private static final Comparator<Held> NEWEST_FIRST = (a, b) -> {
    int c = b.createdAt.compareTo(a.createdAt);
    return c != 0 ? c : Long.compare(b.arrival, a.arrival);
  };
  private final LinkedHashMap<String, TransactionRecord> terminal;
  /**
   * Dead-lettered transactions, kept whatever the retention: they still need someone to retry
   * them (or a newer push of their key to supersede them), so they must not age out unseen.
   */
  private final Map<String, TransactionRecord> deadLettered = new LinkedHashMap<>();

  /** An empty index keeping the {@link #DEFAULT_TERMINAL_RETENTION} most recent terminal transactions. */
  public TransactionIndex() {
    this(DEFAULT_TERMINAL_RETENTION);
  }

  /**
   * An empty index keeping the {@code terminalRetention} most recent terminal transactions; open and
   * dead-lettered ones are always kept.
   *
   * @param terminalRetention how many finished transactions to keep for {@code read} and {@code recent}, 0 or
   *     more
   */
  public TransactionIndex(int terminalRetention) {
    if (terminalRetention < 0) {
      throw new IllegalArgumentException("terminalRetention must not be negative");
    }
    this.terminalRetention = terminalRetention;
    this.terminal = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, TransactionRecord> eldest) {
        if (size() > TransactionIndex.this.terminalRetention) {
          latestByKey.remove(eldest.getValue().key(), eldest.getKey());
          Held h = held.remove(eldest.getKey());
          if (h != null) {
            byRecency.remove(h);
          }
          return true;
        }
        return false;
      }
    };
  }

  /**
   * Folds one entry in. Returns false, changing nothing, for an entry of a transaction the index
   * no longer holds (compacted away) or a second start of a known one.
   *
   * @param entry the entry to fold in
   * @return true when the entry changed the index
   */
  public synchronized boolean apply(LogEntry entry) {
    String id = entry.transactionId();
    if (entry instanceof LogEntry.Started s) {
      if (open.containsKey(id) || terminal.containsKey(id) || deadLettered.containsKey(id)) {
        return false;
      }
      String previous = latestByKey.put(s.key(), id);
      if (previous != null) {
        TransactionRecord old = open.remove(previous);
        if (old == null) {
          old = deadLettered.remove(previous);
        }
        if (old != null) {
          terminal.put(previous, track(previous, old.supersededAt(s.at())));
        } else {
          TransactionRecord done = terminal.get(previous);
          if (done != null && !done.superseded()) {
            terminal.put(previous, track(previous, done.supersededAt(s.at())));
          }
        }
      }
      TransactionRecord record = TransactionRecord.started(s);
      Held h = new Held(record, ++arrivals);
      held.put(id, h);
      open.put(id, record);
      byRecency.add(h);
      return true;
    }
    TransactionRecord current = find(id);
    if (current == null) {
      return false;
    }
    TransactionRecord next = track(id, TransactionFold.apply(current, entry));
    TransactionState state = next.state();
    if (!state.isTerminal()) {
      if (!open.containsKey(id)) {
        terminal.remove(id);
        deadLettered.remove(id);
      }
      open.put(id, next);
    } else if (state == TransactionState.DEAD_LETTERED) {
      open.remove(id);
      terminal.remove(id);
      deadLettered.put(id, next);
    } else {
      open.remove(id);
      deadLettered.remove(id);
      terminal.put(id, next);
    }
    return true;
  }

  /** Notes {@code record} as the current one of {@code id} for {@link #recent}; returns it. */
  private TransactionRecord track(String id, TransactionRecord record) {
    Held h = held.get(id);
    if (h != null) {
      h.record = record;
    }
    return record;
  }

  private TransactionRecord find(String id) {
    TransactionRecord r = open.get(id);
    if (r == null) {
      r = deadLettered.get(id);
    }
    return r != null ? r : terminal.get(id);
  }

  /**
   * A transaction the index holds, open, dead-lettered or among the retained terminal ones.
   *
   * @param transactionId the transaction's id
   * @return its record, or empty
   */
  public synchronized Optional<TransactionRecord> get(String transactionId) {
    return Optional.ofNullable(find(transactionId));
  }

  /**
   * Open (non-terminal) transactions, oldest first.
   *
   * @return a new list of the open transactions
   */
  public synchronized List<TransactionRecord> open() {
    return new ArrayList<>(open.values());
  }

  /**
   * Dead-lettered transactions, oldest first.
   *
   * @return a new list of the dead-lettered transactions
   */
  public synchronized List<TransactionRecord> deadLettered() {
    return new ArrayList<>(deadLettered.values());
  }

  /**
   * How many transactions are open, for backlog counts.
   *
   * @return the number of open transactions
   */
  public synchronized int openCount() {
    return open.size();
  }

  /**
   * The newest transaction of {@code key} the index still holds.
   *
   * @param key an object key
   * @return its newest transaction, or empty when the index holds none
   */
  public synchronized Optional<TransactionRecord> latest(String key) {
    String id = latestByKey.get(key);
    return id == null ? Optional.empty() : get(id);
  }

  /**
   * Whether {@code transactionId} is open.
   *
   * @param transactionId the transaction's id
   * @return true when it is held and not terminal
   */
  public synchronized boolean isOpen(String transactionId) {
    return open.containsKey(transactionId);
  }

  /**
   * Up to {@code limit} transactions, open or terminal, newest first (by start time, then by the
   * order the index learnt of them). Costs O(limit) and takes no lock the writer needs: it walks a
   * structure kept in that order, so a caller polling it (stats, a status page) never stalls the
   * log's group commit. A record folded in while it walks may or may not be seen in its newest
   * state.
   *
   * @param limit the most records to return, 0 or more
   * @return a new list, newest first
   */
  public List<TransactionRecord> recent(int limit) {
    List<TransactionRecord> out = new ArrayList<>(Math.min(Math.max(limit, 0), 1024));
    if (limit <= 0) {
      return out;
    }
    for (Held h : byRecency) {
      out.add(h.record);
      if (out.size() == limit) {
        break;
      }
    }
    return out;
  }

  /**
   * Ids of every transaction the index holds.
   *
   * @return a new list of every id held, in no particular order
   */
  public synchronized List<String> ids() {
    List<String> ids = new ArrayList<>(open.keySet());
    ids.addAll(deadLettered.keySet());
    ids.addAll(terminal.keySet());
    return ids;
  }
}
