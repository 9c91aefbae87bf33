package io.dualpush.log;

import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
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

  private static final byte OPEN = 0;
  private static final byte TERMINAL = 1;
  private static final byte DEAD = 2;
  /** {@link #openPage} positions at or above this are in the arena; below, an arrival in the ring. */
  private static final long ARENA_PHASE = 1L << 62;
  /** Arena records read per lock hold by the walks that cost O(open) ({@link #open}, {@link #recent} of many). */
  private static final int WALK_PAGE = 1024;

  private final int terminalRetention;
  private final OpenArena arena = new OpenArena();
  /** Transactions in the ring, by id, whatever their state. Guarded by this. */
  private final Map<String, Held> young = new HashMap<>();
  /** The latest starts, slot {@code arrival & mask}: written under the lock, read by {@link #recent} without it. */
  private final AtomicReferenceArray<Held> ring;
  private final int ringMask;
  /** The latest arrival (starts count from 1); written under the lock. */
  private volatile long arrivals;
  /** The newest transaction of every key whose newest one is held as an object; keys of arena records are in the arena. */
  private final Map<String, String> latestByKey = new HashMap<>();
  private final LinkedHashMap<String, Held> terminal;
  /**
   * Dead-lettered transactions, kept whatever the retention: they still need someone to retry
   * them (or a newer push of their key to supersede them), so they must not age out unseen.
   */
  private final Map<String, Held> deadLettered = new LinkedHashMap<>();
  private int youngOpen;
  private final long[] scratch = Tracking.untracked();

  /** A transaction held as an object: in the ring, terminal within the retention, or dead-lettered. */
  private static final class Held {
    /** 0 for one that came back from the arena (it left the ring long ago). */
    final long arrival;
    volatile TransactionRecord record;
    /** Guarded by the index: {@link #OPEN}, {@link #TERMINAL} or {@link #DEAD}. */
    byte where;
    /** Guarded by the index: in the ring and in {@link #young}. */
    boolean young;
    /** No longer held (retention evicted it, or it moved to the arena): {@link #recent} skips it. */
    volatile boolean gone;
    final long[] tracking;

    Held(TransactionRecord record, long arrival, long[] tracking) {
      this.record = record;
      this.arrival = arrival;
      this.tracking = tracking;
    }
  }

  /**
   * Newest first: later {@code createdAt} first, then later arrival. Written out rather than
   * chained: it runs for every record {@link #recent} returns.
   */
  private static final Comparator<Ranked> NEWEST_FIRST = (a, b) -> {
    int c = b.record.createdAt().compareTo(a.record.createdAt());
    return c != 0 ? c : Long.compare(b.arrival, a.arrival);
  };

  private record Ranked(TransactionRecord record, long arrival) {}

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
    this.terminalRetention = terminalRetention;
    this.ring = new AtomicReferenceArray<>(recentRing);
    this.ringMask = recentRing - 1;
    this.terminal = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
        if (size() > TransactionIndex.this.terminalRetention) {
          Held h = eldest.getValue();
          latestByKey.remove(h.record.key(), eldest.getKey());
          if (h.young) {
            young.remove(eldest.getKey());
            h.young = false;
          }
          h.gone = true;
          return true;
        }
        return false;
      }
    };
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
  public synchronized boolean apply(LogEntry entry) {
    String id = entry.transactionId();
    if (entry instanceof LogEntry.Started s) {
      if (object(id) != null || (arena.count() > 0 && arena.contains(id))) {
        return false;
      }
      supersede(s);
      long arrival = arrivals + 1;
      Held h = new Held(TransactionRecord.started(s), arrival, Tracking.untracked());
      h.where = OPEN;
      h.young = true;
      young.put(id, h);
      latestByKey.put(s.key(), id);
      youngOpen++;
      int slot = (int) (arrival & ringMask);
      Held old = ring.get(slot);
      if (old != null && old.young) {
        leaveRing(old);
      }
      ring.lazySet(slot, h); // published by the volatile write of arrivals below
      arrivals = arrival;
      return true;
    }
    Held h = object(id);
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
    Held left = new Held(next, 0, scratch.clone());
    latestByKey.put(next.key(), id);
    if (state == TransactionState.DEAD_LETTERED) {
      left.where = DEAD;
      deadLettered.put(id, left);
    } else {
      left.where = TERMINAL;
      terminal.put(id, left);
    }
    return true;
  }

  /** Marks the newest earlier transaction of {@code s}'s key superseded, open or not. */
  private void supersede(LogEntry.Started s) {
    String previous = latestByKey.get(s.key());
    if (previous != null) {
      Held p = object(previous);
      if (p == null) {
        return;
      }
      if (p.where == TERMINAL) {
        if (!p.record.superseded()) {
          p.record = p.record.supersededAt(s.at());
        }
        return;
      }
      p.record = p.record.supersededAt(s.at());
      move(p, previous, TransactionState.SUPERSEDED);
    } else if (arena.count() > 0) {
      TransactionRecord old = arena.byKey(s.key());
      if (old != null) {
        arena.remove(old.transactionId(), scratch);
        Held p = new Held(old.supersededAt(s.at()), 0, scratch.clone());
        p.where = TERMINAL;
        terminal.put(old.transactionId(), p);
      }
    }
  }

  /** Moves an object-held transaction to the set its new state belongs in. */
  private void move(Held h, String id, TransactionState state) {
    byte to = !state.isTerminal() ? OPEN : state == TransactionState.DEAD_LETTERED ? DEAD : TERMINAL;
    byte from = h.where;
    if (from == to) {
      return;
    }
    if (from == OPEN) {
      youngOpen--; // an open object is always in the ring
    } else if (from == DEAD) {
      deadLettered.remove(id);
    } else {
      terminal.remove(id);
    }
    h.where = to;
    if (to == OPEN) {
      if (h.young) {
        youngOpen++;
      } else {
        // Reopened long after it left the ring (a deep verify found a copy changed, a retry): encoded.
        h.gone = true;
        latestByKey.remove(h.record.key(), id);
        arena.put(h.record, h.tracking);
      }
    } else if (to == DEAD) {
      deadLettered.put(id, h);
    } else {
      terminal.put(id, h);
    }
  }

  /** A transaction whose slot a new start takes: open, it is encoded into the arena; otherwise it stays where it is. */
  private void leaveRing(Held old) {
    String id = old.record.transactionId();
    old.young = false;
    young.remove(id);
    if (old.where == OPEN) {
      youngOpen--;
      old.gone = true;
      latestByKey.remove(old.record.key(), id);
      arena.put(old.record, old.tracking);
    }
  }

  private @Nullable Held object(String id) {
    Held h = young.get(id);
    if (h == null) {
      h = deadLettered.get(id);
      if (h == null) {
        h = terminal.get(id);
      }
    }
    return h;
  }

  /**
   * A transaction the index holds, open, dead-lettered or among the retained terminal ones.
   *
   * @param transactionId the transaction's id
   * @return its record, or empty
   */
  public synchronized Optional<TransactionRecord> get(String transactionId) {
    Held h = object(transactionId);
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
      long last = arrivals;
      for (long a = Math.max(1, last - ringMask); a <= last; a++) {
        Held h = ring.get((int) (a & ringMask));
        if (h != null && h.arrival == a && h.young && h.where == OPEN) {
          young.add(h.record);
        }
      }
    }
    List<TransactionRecord> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long pos = 0;
    while (pos >= 0) {
      List<TransactionRecord> page = new ArrayList<>();
      synchronized (this) {
        pos = arena.page(pos, WALK_PAGE, page);
      }
      for (TransactionRecord r : page) {
        if (seen.add(r.transactionId())) {
          out.add(r);
        }
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
      long last = arrivals;
      long a = Math.max(pos, Math.max(1, last - ringMask));
      for (; a <= last && out.size() < limit; a++) {
        Held h = ring.get((int) (a & ringMask));
        if (h != null && h.arrival == a && h.young && h.where == OPEN) {
          out.add(h.record);
        }
      }
      if (a <= last) {
        return new OpenPage(out, a, false);
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
      long last = arrivals;
      for (long a = Math.max(1, last - ringMask); a <= last; a++) {
        Held h = ring.get((int) (a & ringMask));
        if (h != null && h.arrival == a && h.young && h.where == OPEN) {
          Instant c = h.record.createdAt();
          if (oldest == null || c.isBefore(oldest)) {
            oldest = c;
          }
        }
      }
    }
    return new OpenSummary(youngOpen + (long) arena.count(), Optional.ofNullable(oldest));
  }

  /**
   * Dead-lettered transactions, oldest first (in the order they were dead-lettered).
   *
   * @return a new list of the dead-lettered transactions
   */
  public synchronized List<TransactionRecord> deadLettered() {
    List<TransactionRecord> out = new ArrayList<>(deadLettered.size());
    for (Held h : deadLettered.values()) {
      out.add(h.record);
    }
    return out;
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
    String id = latestByKey.get(key);
    if (id != null) {
      Held h = object(id);
      return h == null ? Optional.empty() : Optional.of(h.record);
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
    Held h = object(transactionId);
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
    long last = arrivals;
    long window = 4L * limit + 64;
    if (window > ringMask + 1L) {
      if (last > ringMask + 1L) {
        return recentOfAll(limit); // more to rank than the ring holds, and some of it has left the ring
      }
      window = ringMask + 1L;
    }
    List<Ranked> ranked = new ArrayList<>((int) Math.min(window, 1024));
    for (long a = last; a >= 1 && a > last - window; a--) {
      Held h = ring.get((int) (a & ringMask));
      if (h != null && h.arrival == a && !h.gone) {
        ranked.add(new Ranked(h.record, a));
      }
    }
    if (ranked.size() < limit && last > window) {
      // Until a start leaves the ring nothing is held outside it; after that, the rest may be anywhere.
      return recentOfAll(limit);
    }
    ranked.sort(NEWEST_FIRST);
    List<TransactionRecord> out = new ArrayList<>(Math.min(limit, ranked.size()));
    for (int i = 0; i < ranked.size() && out.size() < limit; i++) {
      out.add(ranked.get(i).record);
    }
    return out;
  }

  /** {@link #recent} over everything held: O(transactions held). */
  private List<TransactionRecord> recentOfAll(int limit) {
    List<Ranked> all = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    synchronized (this) {
      Map<Held, Boolean> objects = new IdentityHashMap<>();
      for (Held h : young.values()) {
        objects.put(h, Boolean.TRUE);
      }
      for (Held h : terminal.values()) {
        objects.put(h, Boolean.TRUE);
      }
      for (Held h : deadLettered.values()) {
        objects.put(h, Boolean.TRUE);
      }
      for (Held h : objects.keySet()) {
        if (seen.add(h.record.transactionId())) {
          all.add(new Ranked(h.record, h.arrival));
        }
      }
    }
    // Arena records left the ring before every object in it: ranked below them, in arena order.
    List<TransactionRecord> arenaRecords = new ArrayList<>();
    long pos = 0;
    while (pos >= 0) {
      synchronized (this) {
        pos = arena.page(pos, WALK_PAGE, arenaRecords);
      }
    }
    long rank = -arenaRecords.size() - 1L;
    for (TransactionRecord r : arenaRecords) {
      rank++;
      if (seen.add(r.transactionId())) {
        all.add(new Ranked(r, rank));
      }
    }
    all.sort(NEWEST_FIRST);
    List<TransactionRecord> out = new ArrayList<>(Math.min(limit, all.size()));
    for (int i = 0; i < all.size() && out.size() < limit; i++) {
      out.add(all.get(i).record);
    }
    return out;
  }

  /**
   * Ids of every transaction the index holds.
   *
   * @return a new list of every id held, in no particular order
   */
  public synchronized List<String> ids() {
    Set<String> ids = new LinkedHashSet<>(young.keySet());
    ids.addAll(deadLettered.keySet());
    ids.addAll(terminal.keySet());
    List<String> out = new ArrayList<>(ids);
    arena.ids(out);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Tracking, for SegmentCompaction (which calls these holding the log's I/O lock)

  /** Notes that {@code segment} holds a durable record of {@code id} (a start when {@code start}), if held. */
  synchronized void recorded(String id, long segment, boolean start) {
    Held h = object(id);
    if (h != null) {
      Tracking.recorded(h.tracking, segment, start);
    } else if (arena.count() > 0 && arena.tracking(id, scratch) && Tracking.recorded(scratch, segment, start)) {
      arena.setTracking(id, scratch);
    }
  }

  /** Whether a segment still held holds a start of {@code id}. */
  synchronized boolean hasStart(String id) {
    Held h = object(id);
    if (h != null) {
      return h.tracking[2] != Tracking.NONE;
    }
    return arena.count() > 0 && arena.tracking(id, scratch) && scratch[2] != Tracking.NONE;
  }

  /** Applies the deletion of the {@code gone} segments (sorted) to every transaction's tracking. */
  synchronized void forgetSegments(long[] gone) {
    for (Held h : objects()) {
      Tracking.forget(h.tracking, gone);
    }
    arena.forgetSegments(gone);
  }

  /** Forgets every transaction's tracking. */
  synchronized void clearTracking() {
    for (Held h : objects()) {
      h.tracking[0] = Tracking.NONE;
      h.tracking[1] = Tracking.NONE;
      h.tracking[2] = Tracking.NONE;
    }
    long[] none = Tracking.untracked();
    List<String> ids = new ArrayList<>();
    arena.ids(ids);
    for (String id : ids) {
      arena.setTracking(id, none);
    }
  }

  private Set<Held> objects() {
    Set<Held> all = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    all.addAll(young.values());
    all.addAll(terminal.values());
    all.addAll(deadLettered.values());
    return all;
  }

  /**
   * For a compaction plan: the oldest segment any unfinished (open or dead-lettered) transaction has
   * a record in, {@link Tracking#NONE} when none is tracked.
   */
  synchronized long oldestUnfinishedSegment() {
    long min = Long.MAX_VALUE;
    for (Held h : young.values()) {
      if (h.where == OPEN && h.tracking[0] != Tracking.NONE) {
        min = Math.min(min, h.tracking[0]);
      }
    }
    for (Held h : deadLettered.values()) {
      if (h.tracking[0] != Tracking.NONE) {
        min = Math.min(min, h.tracking[0]);
      }
    }
    min = Math.min(min, arena.oldestTracked());
    return min == Long.MAX_VALUE ? Tracking.NONE : min;
  }

  /**
   * For a compaction plan: every unfinished transaction with a record in a segment up to {@code last}
   * (its oldest tracked segment is at most {@code last}); open ones first, then dead-lettered ones.
   * Null when there are more than {@code limit}: the plan then copies nothing rather than hold them
   * all as objects at once.
   */
  synchronized List<TransactionRecord> unfinishedUpTo(long last, int limit) {
    List<TransactionRecord> out = new ArrayList<>();
    if (!arena.trackedUpTo(last, out, limit)) {
      return null;
    }
    long newest = arrivals;
    for (long a = Math.max(1, newest - ringMask); a <= newest; a++) {
      Held h = ring.get((int) (a & ringMask));
      if (h != null && h.arrival == a && h.young && h.where == OPEN && h.tracking[0] != Tracking.NONE
          && h.tracking[0] <= last) {
        if (out.size() == limit) {
          return null;
        }
        out.add(h.record);
      }
    }
    for (Held h : deadLettered.values()) {
      if (h.tracking[0] != Tracking.NONE && h.tracking[0] <= last) {
        if (out.size() == limit) {
          return null;
        }
        out.add(h.record);
      }
    }
    return out;
  }
}
