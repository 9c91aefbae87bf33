package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The latest starts a {@link TransactionIndex} folded, held as objects in a ring (slot
 * {@code arrival & mask}), and the ranking of {@link TransactionIndex#recent}. Most pushes finish while
 * their start is in the ring, so the append path folds objects and never touches the arena; and
 * {@code recent(n)} for a small {@code n} (a status page, the last few pushes) reads the ring without
 * any lock the log writer needs, because slots are written under the index's lock and published by
 * the volatile write of {@link #arrivals}. Owns the ring and the arrival counter; which transaction
 * leaves the ring, and where it goes, is the index's business.
 */
final class RecentRing {
  /**
   * Newest first: later {@code createdAt} first, then later arrival. Written out rather than
   * chained: it runs for every record {@link #recent} returns.
   */
  private static final Comparator<Ranked> NEWEST_FIRST = (a, b) -> {
    int c = b.record.createdAt().compareTo(a.record.createdAt());
    return c != 0 ? c : Long.compare(b.arrival, a.arrival);
  };

  /** A record with the arrival it is ranked by (arena records get ranks below every arrival). */
  record Ranked(TransactionRecord record, long arrival) {}

  /** The latest starts: written under the index's lock, read by {@link #recent} without it. */
  private final AtomicReferenceArray<HeldTransaction> ring;
  private final int mask;
  /** The latest arrival (starts count from 1); written under the index's lock. */
  private volatile long arrivals;

  /** A ring of {@code size} (a power of two) starts. */
  RecentRing(int size) {
    this.ring = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
  }

  /** The latest arrival, 0 before the first start. */
  long arrivals() {
    return arrivals;
  }

  /** What sits in the slot the start with {@code arrival} is to take; null when the slot is free. */
  @Nullable HeldTransaction occupant(long arrival) {
    return ring.get((int) (arrival & mask));
  }

  /** Puts {@code h} (the next arrival) in its slot and publishes it to {@link #recent}. Under the index's lock. */
  void publish(HeldTransaction h) {
    ring.lazySet((int) (h.arrival & mask), h); // published by the volatile write of arrivals below
    arrivals = h.arrival;
  }

  /** The open transaction still in the ring with arrival {@code a}; null when there is none. */
  private @Nullable HeldTransaction openAt(long a) {
    HeldTransaction h = ring.get((int) (a & mask));
    return h != null && h.arrival == a && h.young && h.where == HeldTransaction.OPEN ? h : null;
  }

  /**
   * The open transactions in the ring from arrival {@code from}, by arrival, into {@code out} until it
   * holds {@code limit}. Under the index's lock.
   *
   * @return the arrival to continue from, or -1 when the ring was read to its end
   */
  long openFrom(long from, List<TransactionRecord> out, int limit) {
    long last = arrivals;
    long a = Math.max(from, Math.max(1, last - mask));
    for (; a <= last && out.size() < limit; a++) {
      HeldTransaction h = openAt(a);
      if (h != null) {
        out.add(h.record);
      }
    }
    return a <= last ? a : -1;
  }

  /** The earlier of {@code than} and the oldest start of an open transaction in the ring. Under the index's lock. */
  @Nullable Instant oldestOpenStart(@Nullable Instant than) {
    Instant oldest = than;
    long last = arrivals;
    for (long a = Math.max(1, last - mask); a <= last; a++) {
      HeldTransaction h = openAt(a);
      if (h != null) {
        Instant c = h.record.createdAt();
        if (oldest == null || c.isBefore(oldest)) {
          oldest = c;
        }
      }
    }
    return oldest;
  }

  /**
   * The open transactions in the ring whose oldest tracked segment is at most {@code last}, into
   * {@code out}; false, stopping, when {@code out} would grow past {@code limit}. Under the index's lock.
   */
  boolean openTrackedUpTo(long last, List<TransactionRecord> out, int limit) {
    long newest = arrivals;
    for (long a = Math.max(1, newest - mask); a <= newest; a++) {
      HeldTransaction h = openAt(a);
      if (h != null && h.tracking[0] != Tracking.NONE && h.tracking[0] <= last) {
        if (out.size() == limit) {
          return false;
        }
        out.add(h.record);
      }
    }
    return true;
  }

  /**
   * {@link TransactionIndex#recent} from the ring alone, without a lock: it ranks the latest
   * {@code 4 * limit + 64} starts. Null when the ring cannot answer: the limit needs more than the
   * ring holds and starts have already left it, or too few of the latest starts are still held.
   */
  @Nullable List<TransactionRecord> recent(int limit) {
    long last = arrivals;
    long window = 4L * limit + 64;
    if (window > mask + 1L) {
      if (last > mask + 1L) {
        return null; // more to rank than the ring holds, and some of it has left the ring
      }
      window = mask + 1L;
    }
    List<Ranked> ranked = new ArrayList<>((int) Math.min(window, 1024));
    for (long a = last; a >= 1 && a > last - window; a--) {
      HeldTransaction h = ring.get((int) (a & mask));
      if (h != null && h.arrival == a && !h.gone) {
        ranked.add(new Ranked(h.record, a));
      }
    }
    if (ranked.size() < limit && last > window) {
      // Until a start leaves the ring nothing is held outside it; after that, the rest may be anywhere.
      return null;
    }
    return newest(ranked, limit);
  }

  /**
   * {@link TransactionIndex#recent} over everything held: the {@code limit} newest of the index's
   * objects (ranked by arrival, taken under its lock) and of its arena records, each id once. Arena
   * records left the ring before every object in it, so they rank below them, in arena order.
   */
  static List<TransactionRecord> rankAll(List<Ranked> objects, List<TransactionRecord> arenaRecords, int limit) {
    List<Ranked> all = new ArrayList<>(objects.size() + arenaRecords.size());
    Set<String> seen = new HashSet<>();
    for (Ranked r : objects) {
      if (seen.add(r.record().transactionId())) {
        all.add(r);
      }
    }
    long rank = -arenaRecords.size() - 1L;
    for (TransactionRecord r : arenaRecords) {
      rank++;
      if (seen.add(r.transactionId())) {
        all.add(new Ranked(r, rank));
      }
    }
    return newest(all, limit);
  }

  /** The {@code limit} newest of {@code ranked} (which it sorts), newest first. */
  static List<TransactionRecord> newest(List<Ranked> ranked, int limit) {
    ranked.sort(NEWEST_FIRST);
    List<TransactionRecord> out = new ArrayList<>(Math.min(limit, ranked.size()));
    for (int i = 0; i < ranked.size() && out.size() < limit; i++) {
      out.add(ranked.get(i).record());
    }
    return out;
  }
}
