package io.dualpush.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The counts behind {@link io.dualpush.DualPushStats}, kept by the engine as transactions open,
 * end and are dead-lettered, so that reading them never asks the log (whose lock its writer needs)
 * to list or sort anything. Per transaction it keeps its id, key and start time only.
 *
 * <p>Mirrors the log's rule that a push of a key supersedes the key's earlier transaction, open or
 * dead-lettered. Every method is idempotent per transaction: a transaction found ended twice is
 * counted once. Thread-safe; every method is short and under one lock.
 */
final class Backlog {
  private record Tracked(String id, String key, Instant createdAt, boolean deadLettered) {}

  private static final Comparator<Tracked> BY_AGE =
      Comparator.comparing(Tracked::createdAt).thenComparing(Tracked::id);

  private final Map<String, Tracked> byId = new HashMap<>();
  private final Map<String, String> idByKey = new HashMap<>();
  private final TreeSet<Tracked> openByAge = new TreeSet<>(BY_AGE);
  private int deadLettered;

  /** A transaction started (or was found open on recovery); it supersedes its key's earlier one. */
  synchronized void opened(String id, String key, Instant createdAt) {
    String previous = idByKey.put(key, id);
    if (previous != null && !previous.equals(id)) {
      remove(previous);
    }
    remove(id);
    Tracked t = new Tracked(id, key, createdAt, false);
    byId.put(id, t);
    openByAge.add(t);
  }

  /** A transaction ended (verified, superseded, or no longer in the log). */
  synchronized void ended(String id) {
    Tracked t = remove(id);
    if (t != null) {
      idByKey.remove(t.key(), id);
    }
  }

  /** A transaction was dead-lettered: it leaves the open count for the dead-letter count. */
  synchronized void deadLettered(String id, String key, Instant createdAt) {
    remove(id);
    byId.put(id, new Tracked(id, key, createdAt, true));
    idByKey.put(key, id);
    deadLettered++;
  }

  /** A dead-lettered transaction was retried by hand: it is open again. */
  synchronized void revived(String id) {
    Tracked t = byId.get(id);
    if (t != null && t.deadLettered()) {
      remove(id);
      Tracked open = new Tracked(id, t.key(), t.createdAt(), false);
      byId.put(id, open);
      openByAge.add(open);
    }
  }

  /** Ids of the dead-lettered transactions, for a repair of everything. */
  synchronized java.util.List<String> deadLetteredIds() {
    return byId.values().stream().filter(Tracked::deadLettered).map(Tracked::id).toList();
  }

  synchronized boolean isOpen(String id) {
    Tracked t = byId.get(id);
    return t != null && !t.deadLettered();
  }

  synchronized int open() {
    return openByAge.size();
  }

  synchronized int deadLetteredCount() {
    return deadLettered;
  }

  /** How long the oldest open transaction has waited by {@code now}; zero when none. */
  synchronized Duration oldestOpenAge(Instant now) {
    if (openByAge.isEmpty()) {
      return Duration.ZERO;
    }
    Duration age = Duration.between(openByAge.first().createdAt(), now);
    return age.isNegative() ? Duration.ZERO : age;
  }

  private @Nullable Tracked remove(String id) {
    Tracked t = byId.remove(id);
    if (t == null) {
      return null;
    }
    if (t.deadLettered()) {
      deadLettered--;
    } else {
      openByAge.remove(t);
    }
    return t;
  }
}
