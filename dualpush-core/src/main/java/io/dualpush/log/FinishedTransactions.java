package io.dualpush.log;

import io.dualpush.spi.TransactionRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The finished transactions a {@link TransactionIndex} holds as objects: the most recent terminal
 * (verified or superseded) ones up to a retention bound, for {@code read} and {@code recent}, and every
 * dead-lettered one whatever the retention, because a dead-lettered transaction still needs someone to
 * retry it (or a newer push of its key to supersede it) and must not age out unseen. Both are bounded
 * without the arena: the first by the retention, the second by people retrying. Owns the two sets and
 * the retention's eviction, which it reports so that the index can forget what else points at the
 * evicted transaction. Not thread-safe: used under the index's lock.
 */
final class FinishedTransactions {
  private final int retention;
  private final LinkedHashMap<String, HeldTransaction> terminal;
  private final Map<String, HeldTransaction> deadLettered = new LinkedHashMap<>();

  /**
   * Empty sets keeping the {@code retention} most recent terminal transactions.
   *
   * @param retention how many terminal transactions to keep, 0 or more
   * @param evicted told of each terminal transaction the retention drops (its id, its holder), after
   *     the holder is marked {@link HeldTransaction#gone}
   */
  FinishedTransactions(int retention, BiConsumer<String, HeldTransaction> evicted) {
    this.retention = retention;
    this.terminal = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, HeldTransaction> eldest) {
        if (size() > FinishedTransactions.this.retention) {
          HeldTransaction h = eldest.getValue();
          evicted.accept(eldest.getKey(), h);
          h.gone = true;
          return true;
        }
        return false;
      }
    };
  }

  /** The finished transaction {@code id}, dead-lettered or terminal; null when neither set holds it. */
  @Nullable HeldTransaction get(String id) {
    HeldTransaction h = deadLettered.get(id);
    return h != null ? h : terminal.get(id);
  }

  /** Adds {@code h} to the set its {@link HeldTransaction#where} names ({@code TERMINAL} or {@code DEAD}). */
  void add(String id, HeldTransaction h) {
    if (h.where == HeldTransaction.DEAD) {
      deadLettered.put(id, h);
    } else {
      terminal.put(id, h);
    }
  }

  /** Removes {@code id} from the set {@code where} ({@code TERMINAL} or {@code DEAD}) names. */
  void remove(String id, byte where) {
    if (where == HeldTransaction.DEAD) {
      deadLettered.remove(id);
    } else {
      terminal.remove(id);
    }
  }

  /** The dead-lettered holders, oldest first (in the order they were dead-lettered): a live view. */
  Collection<HeldTransaction> dead() {
    return deadLettered.values();
  }

  /** The retained terminal holders, oldest first: a live view. */
  Collection<HeldTransaction> terminal() {
    return terminal.values();
  }

  /** The dead-lettered records, oldest first. */
  List<TransactionRecord> deadRecords() {
    List<TransactionRecord> out = new ArrayList<>(deadLettered.size());
    for (HeldTransaction h : deadLettered.values()) {
      out.add(h.record);
    }
    return out;
  }

  /** Adds the ids held, dead-lettered then terminal, to {@code into}. */
  void ids(Collection<String> into) {
    into.addAll(deadLettered.keySet());
    into.addAll(terminal.keySet());
  }
}
