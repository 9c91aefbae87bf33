package io.dualpush.log;

import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory fold of a log's entries that every {@link TransactionLog} implementation can reuse:
 * all open transactions, all dead-lettered ones (they wait for a retry), and the most recent
 * verified or superseded ones up to a retention bound.
 *
 * <p>A {@link LogEntry.Started} for a key supersedes the key's earlier transaction, open or not:
 * the newer content is what the key must hold, so the older is never repaired or verified over it. Because
 * this is derived from the order of entries, a replay rebuilds exactly the same view.
 *
 * <h2>Memory</h2>
 * A long outage leaves a great many transactions open (a million in the outage test, in a JVM of
 * 256 MiB), so open transactions are not held as objects. The {@value #DEFAULT_RECENT_RING} latest
 * starts are (a ring of them: most pushes finish while in it, so the append path folds objects, as
 * it always did, and {@link #recent} reads them without a lock); an open transaction that leaves the
 * ring is encoded into an {@link OpenArena}, about a hundred bytes with no object of its own, and
 * decoded only when asked for ({@link #get}, {@link #latest}, {@link #openPage}). Terminal
 * transactions within the retention and dead-lettered ones stay objects: both are bounded, the
 * first by the retention, the second by people retrying them. The index also keeps, beside each
 * transaction, the segments that hold it ({@link Tracking}), for {@link SegmentCompaction}.
 *
 * <h2>Parts</h2>
 * This class is the fold (which set a transaction belongs in as entries arrive, supersession, the
 * move into and out of the arena) and the queries over all the sets. The ring of latest starts and
 * the ranking of {@link #recent} are {@code RecentRing}; the retained terminal and the dead-lettered
 * transactions are {@code FinishedTransactions}; the tracking operations compaction uses are
 * {@code IndexSegments}; the arena is {@code OpenArena}. All of them are guarded by this index's lock
 * (the ring's reads by {@link #recent} excepted).
 *
 * <p>For store adapters, in-memory logs and benchmarks; not API: it may change in any release.
 *
 * <p>Thread-safe.
 */
public final class TransactionIndex {
  /** Terminal transactions kept for {@code read} and {@code recent} by default. */
  public static final int DEFAULT_TERMINAL_RETENTION = 10_000;
  /** How many of the latest starts are held as objects by default (a power of two). */
  public static final int DEFAULT_RECENT_RING = 4096;
  /**
   * The ring's size for indexes built without one: {@link #DEFAULT_RECENT_RING} unless the system
   * property {@code io.dualpush.log.recentRing} (a power of two) says otherwise, which the build's
   * tests use to run whole suites with every open transaction in the arena.
   */
  private static final int RING = Integer.getInteger("io.dualpush.log.recentRing", DEFAULT_RECENT_RING);

  private static final byte OPEN = HeldTransaction.OPEN;
  private static final byte TERMINAL = HeldTransaction.TERMINAL;
  private static final byte DEAD = HeldTransaction.DEAD;
  /** {@link #openPage} positions at or above this are in the arena; below, an arrival in the ring. */
  private static final long ARENA_PHASE = 1L << 62;
  /** Arena records read per lock hold by the walks that cost O(open) ({@link #open}, {@link #recent} of many). */
  private static final int WALK_PAGE = 1024;

  private final OpenArena arena = new OpenArena();
  /**
   * Every transaction held as an object, by id: those in the ring, whatever their state, and the
   * finished ones ({@link FinishedTransactions}). One map for all of them, so that a push costs one
   * lookup per entry rather than one per set. Guarded by this.
   */
  private final Map<String, HeldTransaction> held = new HashMap<>();
  /** The latest starts; its slots are written under the lock, and read by {@link #recent} without it. */
  private final RecentRing ring;
  /**
   * The newest transaction of every key whose newest one is held as an object (the holder itself,
   * so a start finds the one it supersedes without a second lookup); keys of arena records are in
   * the arena. Guarded by this.
   */
  private final Map<String, HeldTransaction> latestByKey = new HashMap<>();
  /** Terminal transactions within the retention and dead-lettered ones. Guarded by this. */
  private final FinishedTransactions finished;
  private final IndexSegments segments;
  private int youngOpen;
  private final long[] scratch = Tracking.untracked();

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
    this(terminalRetention, RING);
  }

  /**
   * An empty index with a ring of {@code recentRing} starts held as objects; tests use a small ring
   * to send open transactions into the arena early.
   *
   * @param terminalRetention how many finished transactions to keep, 0 or more
   * @param recentRing how many of the latest starts are held as objects, a power of two
   */
  TransactionIndex(int terminalRetention, int recentRing) {
    if (terminalRetention < 0) {
      throw new IllegalArgumentException("terminalRetention must not be negative");
    }
    if (recentRing < 1 || Integer.bitCount(recentRing) != 1) {
      throw new IllegalArgumentException("recentRing must be a power of two");
    }
    this.ring = new RecentRing(recentRing);
    this.finished = new FinishedTransactions(terminalRetention, this::evicted);
    this.segments = new IndexSegments(this, held, finished, ring, arena);
  }

  /** A terminal transaction the retention dropped: nothing else may point at it. */
  private void evicted(HeldTransaction h) {
    TransactionRecord r = h.record;
    latestByKey.remove(r.key(), h);
    held.remove(r.transactionId());
    h.young = false;
  }

  /** The segments that hold each transaction, for {@link SegmentCompaction}. */
  IndexSegments segments() {
    return segments;
  }

  /**
   * Folds one entry in. Returns false, changing nothing, for an entry of a transaction the index
   * no longer holds (compacted away) or a second start of a known one. Costs what it did before open
   * transactions were encoded for a transaction in the ring (where most entries land); a transaction
   * in the arena is decoded, folded and encoded again.
   *
   * @param entry the entry to fold in
   * @return true when the entry changed the index
   */
  public boolean apply(LogEntry entry) {
    if (entry instanceof LogEntry.Started s) {
      // Built before taking the lock, which every appender and reader of the log waits for: a
      // start's record depends on nothing the index holds.
      return start(s, new HeldTransaction(TransactionRecord.started(s), Tracking.untracked()));
    }
    return fold(entry);
  }

  private synchronized boolean start(LogEntry.Started s, HeldTransaction h) {
    String id = s.transactionId();
    // One lookup both checks for a second start and takes the place: a second start is rare (a
    // restated start on replay), a lookup saved on every push is not.
    if (held.putIfAbsent(id, h) != null) {
      return false;
    }
    if (arena.count() > 0 && arena.contains(id)) {
      held.remove(id);
      return false;
    }
    long arrival = ring.arrivals() + 1;
    h.arrival = arrival;
    h.where = OPEN;
    h.young = true;
    youngOpen++;
    supersede(s, latestByKey.put(s.key(), h));
    HeldTransaction old = ring.occupant(arrival);
    if (old != null && old.young) {
      leaveRing(old);
    }
    ring.publish(h);
    return true;
  }

  /** Folds an entry other than a start into the transaction it belongs to, wherever it is held. */
  private synchronized boolean fold(LogEntry entry) {
    String id = entry.transactionId();
    HeldTransaction h = object(id);
    if (h != null) {
      TransactionRecord next = TransactionFold.apply(h.record, entry);
      h.record = next;
      move(h, id, next.state());
      return true;
    }
    if (arena.count() == 0) {
      return false;
    }
    TransactionRecord current = arena.get(id, scratch);
    if (current == null) {
      return false;
    }
    TransactionRecord next = TransactionFold.apply(current, entry);
    TransactionState state = next.state();
    if (!state.isTerminal()) {
      arena.replace(next);
      return true;
    }
    arena.remove(id, null);
    HeldTransaction left = new HeldTransaction(next, scratch.clone());
    left.where = state == TransactionState.DEAD_LETTERED ? DEAD : TERMINAL;
    held.put(id, left);
    latestByKey.put(next.key(), left);
    finished.add(left);
    return true;
  }

  /**
   * Marks the newest earlier transaction of {@code s}'s key superseded, open or not: {@code p}, the
   * holder the key table held for it before {@code s} took its place, or else the arena's.
   */
  private void supersede(LogEntry.Started s, @Nullable HeldTransaction p) {
    if (p != null) {
      if (p.gone) {
        return;
      }
      if (p.where == TERMINAL) {
        if (!p.record.superseded()) {
          p.record = p.record.supersededAt(s.at());
        }
        return;
      }
      p.record = p.record.supersededAt(s.at());
      move(p, p.record.transactionId(), TransactionState.SUPERSEDED);
    } else if (arena.count() > 0) {
      TransactionRecord old = arena.byKey(s.key());
      if (old != null) {
        arena.remove(old.transactionId(), scratch);
        HeldTransaction q = new HeldTransaction(old.supersededAt(s.at()), scratch.clone());
        q.where = TERMINAL;
        held.put(old.transactionId(), q);
        finished.add(q);
      }
    }
  }

  /** Moves an object-held transaction to the set its new state belongs in. */
  private void move(HeldTransaction h, String id, TransactionState state) {
    byte to = !state.isTerminal() ? OPEN : state == TransactionState.DEAD_LETTERED ? DEAD : TERMINAL;
    byte from = h.where;
    if (from == to) {
      return;
    }
    if (from == OPEN) {
      youngOpen--; // an open object is always in the ring
    } else {
      finished.remove(h, from);
    }
    h.where = to;
    if (to == OPEN) {
      if (h.young) {
        youngOpen++;
      } else {
        // Reopened long after it left the ring (a deep verify found a copy changed, a retry): encoded.
        h.gone = true;
        held.remove(id);
        latestByKey.remove(h.record.key(), h);
        arena.put(h.record, h.tracking);
      }
    } else {
      finished.add(h);
    }
  }

  /** A transaction whose slot a new start takes: open, it is encoded into the arena; otherwise it stays where it is. */
  private void leaveRing(HeldTransaction old) {
    old.young = false;
    if (old.where == OPEN) {
      youngOpen--;
      old.gone = true;
      held.remove(old.record.transactionId());
      latestByKey.remove(old.record.key(), old);
      arena.put(old.record, old.tracking);
    }
  }

  private @Nullable HeldTransaction object(String id) {
    return held.get(id);
  }

  /**
   * A transaction the index holds, open, dead-lettered or among the retained terminal ones.
   *
   * @param transactionId the transaction's id
   * @return its record, or empty
   */
  public synchronized Optional<TransactionRecord> get(String transactionId) {
    HeldTransaction h = object(transactionId);
    if (h != null) {
      return Optional.of(h.record);
    }
    return arena.count() == 0 ? Optional.empty() : Optional.ofNullable(arena.get(transactionId));
  }

  /**
   * Every open (non-terminal) transaction: those that left the ring (in the order the arena holds
   * them, about the order they left it) and then those in the ring, oldest start first. Materialises
   * every open transaction, a page of the arena at a time under the lock: for a long outage's backlog
   * use {@link #openPage} instead.
   *
   * @return a new list of the open transactions
   */
  public List<TransactionRecord> open() {
    // The ring first: a transaction that leaves it meanwhile goes to the end of the arena, which the
    // walk below reaches; the other way round it could be missed by both.
    List<TransactionRecord> young = new ArrayList<>();
    synchronized (this) {
      ring.openFrom(1, young, Integer.MAX_VALUE);
    }
    List<TransactionRecord> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (TransactionRecord r : arenaRecords()) {
      if (seen.add(r.transactionId())) {
        out.add(r);
      }
    }
    for (TransactionRecord r : young) {
      if (seen.add(r.transactionId())) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * One page of the open transactions: first those in the ring, by arrival, then those in the arena,
   * in its order (see {@link TransactionLog#openPage}). A transaction open for the whole pass is
   * returned at least once: one that leaves the ring during the pass goes to the end of the arena,
   * which the pass reads later, and arena records only ever move forward. A page costs memory in
   * proportion to {@code limit} and holds the lock for about that long.
   *
   * @param position 0 to start a pass, or the previous page's {@link OpenPage#next()}
   * @param limit the most transactions in the page, 1 or more
   * @return the page
   */
  public synchronized OpenPage openPage(long position, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1");
    }
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative");
    }
    List<TransactionRecord> out = new ArrayList<>(Math.min(limit, 1024));
    long pos = position;
    if (pos < ARENA_PHASE) {
      long next = ring.openFrom(pos, out, limit);
      if (next >= 0) {
        return new OpenPage(out, next, false);
      }
      pos = ARENA_PHASE;
    }
    if (out.size() == limit) {
      return new OpenPage(out, pos, arena.count() == 0);
    }
    long next = arena.page(pos - ARENA_PHASE, limit - out.size(), out);
    return next < 0 ? new OpenPage(out, pos, true) : new OpenPage(out, ARENA_PHASE + next, false);
  }

  /**
   * How many transactions are open and when the oldest started. Counts are kept as entries fold in;
   * the oldest start is the minimum over the ring and a minimum the arena keeps per chunk, so a call
   * costs about the ring's size however many transactions are open.
   *
   * @return the summary
   */
  public synchronized OpenSummary openSummary() {
    Instant oldest = arena.count() == 0 ? null : arena.oldestStart();
    if (youngOpen > 0) {
      oldest = ring.oldestOpenStart(oldest);
    }
    return new OpenSummary(youngOpen + (long) arena.count(), Optional.ofNullable(oldest));
  }

  /**
   * Dead-lettered transactions, oldest first (in the order they were dead-lettered).
   *
   * @return a new list of the dead-lettered transactions
   */
  public synchronized List<TransactionRecord> deadLettered() {
    return finished.deadRecords();
  }

  /**
   * How many transactions are open, for backlog counts.
   *
   * @return the number of open transactions
   */
  public synchronized int openCount() {
    return youngOpen + arena.count();
  }

  /**
   * The newest transaction of {@code key} the index still holds.
   *
   * @param key an object key
   * @return its newest transaction, or empty when the index holds none
   */
  public synchronized Optional<TransactionRecord> latest(String key) {
    HeldTransaction h = latestByKey.get(key);
    if (h != null) {
      return h.gone ? Optional.empty() : Optional.of(h.record);
    }
    return arena.count() == 0 ? Optional.empty() : Optional.ofNullable(arena.byKey(key));
  }

  /**
   * Whether {@code transactionId} is open.
   *
   * @param transactionId the transaction's id
   * @return true when it is held and not terminal
   */
  public synchronized boolean isOpen(String transactionId) {
    HeldTransaction h = object(transactionId);
    if (h != null) {
      return h.where == OPEN;
    }
    return arena.count() > 0 && arena.contains(transactionId);
  }

  /**
   * Up to {@code limit} transactions, open or terminal, newest first (by start time, then by the
   * order the index learnt of them). For a limit the ring covers ({@code 4 * limit + 64} at most the
   * ring's size, or everything still in the ring: a status page, the last few pushes) it reads the
   * latest starts from the ring, without any lock the writer needs, and costs O(limit); it ranks the
   * latest {@code 4 * limit + 64} starts, so a start whose clock is further out of order than that is
   * ranked among them only. A larger limit walks everything held,
   * a page of the arena per lock hold, and costs O(transactions held). A record folded in while it
   * walks may or may not be seen in its newest state.
   *
   * @param limit the most records to return, 0 or more
   * @return a new list, newest first
   */
  public List<TransactionRecord> recent(int limit) {
    if (limit <= 0) {
      return new ArrayList<>();
    }
    List<TransactionRecord> fromRing = ring.recent(limit);
    return fromRing != null ? fromRing : recentOfAll(limit);
  }

  /** {@link #recent} over everything held: O(transactions held). */
  private List<TransactionRecord> recentOfAll(int limit) {
    List<RecentRing.Ranked> objects = new ArrayList<>();
    synchronized (this) {
      for (HeldTransaction h : held.values()) {
        objects.add(new RecentRing.Ranked(h.record, h.arrival));
      }
    }
    return RecentRing.rankAll(objects, arenaRecords(), limit);
  }

  /**
   * Every arena record, a page per lock hold: records only move forward, so a record held throughout
   * is read at least once (and may be read twice: callers drop repeats by id).
   */
  private List<TransactionRecord> arenaRecords() {
    List<TransactionRecord> all = new ArrayList<>();
    long pos = 0;
    while (pos >= 0) {
      synchronized (this) {
        pos = arena.page(pos, WALK_PAGE, all);
      }
    }
    return all;
  }

  /**
   * Ids of every transaction the index holds.
   *
   * @return a new list of every id held, in no particular order
   */
  public synchronized List<String> ids() {
    List<String> out = new ArrayList<>(held.keySet());
    arena.ids(out);
    return out;
  }
}
