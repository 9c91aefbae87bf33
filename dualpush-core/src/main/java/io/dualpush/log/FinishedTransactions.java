package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The finished transactions a {@link TransactionIndex} holds as objects: the most recent terminal
 * (verified or superseded) ones up to a retention bound, for {@code read} and {@code recent}, and every
 * dead-lettered one whatever the retention, because a dead-lettered transaction still needs someone to
 * retry it (or a newer push of its key to supersede it) and must not age out unseen. Both are bounded
 * without the arena: the first by the retention, the second by people retrying. Owns the order of the
 * two sets and the retention's eviction, which it reports so that the index can forget what else
 * points at the evicted transaction.
 *
 * <p>Finding a transaction by id is the index's one map of held objects; here the sets are lists
 * linked through the holders themselves ({@link HeldTransaction#before}/{@link HeldTransaction#after}),
 * so that a push finishing (joining the terminal list, the oldest leaving it) does no hashing beyond
 * the index's own. Not thread-safe: used under the index's lock.
 */
final class FinishedTransactions {
  private final int retention;
  private final Consumer<HeldTransaction> evicted;
  private final Chain terminal = new Chain();
  private final Chain dead = new Chain();

  /** Holders linked oldest first through their own fields. */
  private static final class Chain {
    @Nullable HeldTransaction head;
    @Nullable HeldTransaction tail;
    int size;

    void append(HeldTransaction h) {
      h.before = tail;
      h.after = null;
      if (tail == null) {
        head = h;
      } else {
        tail.after = h;
      }
      tail = h;
      h.listed = true;
      size++;
    }

    void unlink(HeldTransaction h) {
      if (h.before == null) {
        head = h.after;
      } else {
        h.before.after = h.after;
      }
      if (h.after == null) {
        tail = h.before;
      } else {
        h.after.before = h.before;
      }
      h.before = null;
      h.after = null;
      h.listed = false;
      size--;
    }

    List<HeldTransaction> toList() {
      List<HeldTransaction> out = new ArrayList<>(size);
      for (HeldTransaction h = head; h != null; h = h.after) {
        out.add(h);
      }
      return out;
    }
  }

  /**
   * Empty sets keeping the {@code retention} most recent terminal transactions.
   *
   * @param retention how many terminal transactions to keep, 0 or more
   * @param evicted told of each terminal transaction the retention drops, after it left the list and
   *     before the holder is marked {@link HeldTransaction#gone}
   */
  FinishedTransactions(int retention, Consumer<HeldTransaction> evicted) {
    this.retention = retention;
    this.evicted = evicted;
  }

  /**
   * Adds {@code h} to the set its {@link HeldTransaction#where} names ({@code TERMINAL} or {@code DEAD}),
   * as the newest; a terminal one past the retention evicts the oldest.
   */
  void add(HeldTransaction h) {
    if (h.listed) {
      return; // already in a set: the set it joined first keeps its place, as a map's put did
    }
    if (h.where == HeldTransaction.DEAD) {
      dead.append(h);
      return;
    }
    terminal.append(h);
    while (terminal.size > retention) {
      HeldTransaction eldest = Objects.requireNonNull(terminal.head);
      terminal.unlink(eldest);
      evicted.accept(eldest);
      eldest.gone = true;
    }
  }

  /** Removes {@code h} from the set {@code where} ({@code TERMINAL} or {@code DEAD}) names, if it is in it. */
  void remove(HeldTransaction h, byte where) {
    if (h.listed) {
      (where == HeldTransaction.DEAD ? dead : terminal).unlink(h);
    }
  }

  /** The dead-lettered holders, oldest first (in the order they were dead-lettered): a new list. */
  List<HeldTransaction> dead() {
    return dead.toList();
  }

  /** The dead-lettered records, oldest first. */
  List<TransactionRecord> deadRecords() {
    List<TransactionRecord> out = new ArrayList<>(dead.size);
    for (HeldTransaction h = dead.head; h != null; h = h.after) {
      out.add(h.record);
    }
    return out;
  }
}
