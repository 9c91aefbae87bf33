package io.dualpush.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dead-lettered transactions the engine knows of, by id and by key, behind
 * {@link io.dualpush.DualPushStats#deadLettered()} and a repair of everything. Open transactions
 * are not tracked here (their count and oldest start come from the log's
 * {@link io.dualpush.spi.TransactionLog#openSummary()}), so memory is in proportion to the dead
 * letters, which wait for an operator, not to the backlog of a long outage.
 *
 * <p>Mirrors the log's rule that a push of a key supersedes the key's earlier transaction: a push
 * of a dead-lettered key takes it out. That check is one volatile read per push while there are no
 * dead letters. Every method is idempotent per transaction. Thread-safe.
 */
final class DeadLetters {
  private final Map<String, String> keyById = new HashMap<>();
  private final Map<String, String> idByKey = new HashMap<>();
  /** keyById.size(), readable without the lock. */
  private volatile int count;

  /** A transaction was dead-lettered (or found dead-lettered when the engine started). */
  synchronized void add(String id, String key) {
    String previous = idByKey.put(key, id);
    if (previous != null && !previous.equals(id)) {
      keyById.remove(previous);
    }
    keyById.put(id, key);
    count = keyById.size();
  }

  /** A push of {@code key} started: it supersedes the key's dead-lettered transaction, if any. */
  void pushed(String key) {
    if (count == 0) {
      return;
    }
    synchronized (this) {
      String id = idByKey.remove(key);
      if (id != null) {
        keyById.remove(id);
        count = keyById.size();
      }
    }
  }

  /** A transaction is no longer dead-lettered: retried by hand, verified, or gone from the log. */
  synchronized void remove(String id) {
    String key = keyById.remove(id);
    if (key != null) {
      idByKey.remove(key, id);
      count = keyById.size();
    }
  }

  /** How many transactions are dead-lettered. */
  int count() {
    return count;
  }

  /** Their ids, for a repair of everything. */
  synchronized List<String> ids() {
    return new ArrayList<>(keyById.keySet());
  }
}
