package io.dualpush.samples.dashboard;

import io.dualpush.DualPushEvent;
import io.dualpush.TransactionState;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The newest transactions and each copy's status, kept from the client's events: at most {@link #CAPACITY}
 * transactions, the oldest forgotten first. Each change is handed to a publisher as a transaction item. Thread-safe
 * (one lock; every call is short).
 */
final class TransactionFeed {
  /** Transactions remembered. */
  static final int CAPACITY = 2_000;

  private final List<String> destinations;
  private final BiConsumer<String, Map<String, Object>> publisher;
  private final LinkedHashMap<String, Item> items = new LinkedHashMap<>();
  private long nextOrder = 1;

  /**
   * @param destinations every destination's id, in order
   * @param publisher receives (key, transaction item with {@code type} and {@code at}) on every change
   */
  TransactionFeed(List<String> destinations, BiConsumer<String, Map<String, Object>> publisher) {
    this.destinations = List.copyOf(destinations);
    this.publisher = publisher;
  }

  /** One page, newest first. */
  record Page(List<Map<String, Object>> items, Optional<Long> next) {}

  /** Applies one engine event; events of no transaction are ignored. */
  void onEvent(DualPushEvent event) {
    if (event.transactionId().isEmpty()) {
      return;
    }
    synchronized (this) {
      Item item = items.get(event.transactionId());
      if (item == null) {
        if (event.type() != DualPushEvent.Type.PUSH_STARTED) {
          return;
        }
        item = new Item(nextOrder++, event.transactionId(), event.key(), event.bytes());
        for (String id : destinations) {
          item.copies.put(id, "PENDING");
        }
        items.put(item.transactionId, item);
        if (items.size() > CAPACITY) {
          Iterator<String> oldest = items.keySet().iterator();
          oldest.next();
          oldest.remove();
        }
        return;
      }
      String stateBefore = item.state;
      if (!apply(item, event)) {
        return;
      }
      item.at = Micros.now();
      if (worthSending(event.type()) || !item.state.equals(stateBefore)) {
        // Published under the lock, so that two changes of one transaction reach the feed in their order.
        publisher.accept("tx:" + event.transactionId(), item.toMap(true));
      }
    }
  }

  /**
   * Whether an event is worth a live message of its own. A copy written or verified changes the item but rides
   * along with the next message (the acknowledgement, the transaction becoming VERIFIED): every message is sent to
   * every session, so fewer messages per push keep the fan-out cheap.
   */
  private static boolean worthSending(DualPushEvent.Type type) {
    return switch (type) {
      // A repair round that ended is sent only when it changed the state: a round refused without a call (the
      // destination still down) changes nothing.
      case PUSH_ACKNOWLEDGED, PUSH_NOT_ACKNOWLEDGED, DEAD_LETTERED, COPY_FAILED, COPY_INCONSISTENT -> true;
      default -> false;
    };
  }

  private static boolean apply(Item item, DualPushEvent event) {
    String dest = event.destinationId();
    switch (event.type()) {
      case COPY_WRITTEN, COPY_UNCHANGED -> item.copies.replace(dest, "COMPLETED");
      case COPY_VERIFIED -> item.copies.replace(dest, "VERIFIED");
      case COPY_FAILED, COPY_INCONSISTENT -> item.copies.replace(dest, "FAILED");
      case PUSH_ACKNOWLEDGED, REPAIR_FINISHED -> state(event.detail()).ifPresent(s -> item.state = s);
      case PUSH_NOT_ACKNOWLEDGED -> item.state = item.copies.containsValue("VERIFIED")
          ? TransactionState.PARTIALLY_COMPLETED.name() : TransactionState.FAILED.name();
      case DEAD_LETTERED -> item.state = TransactionState.DEAD_LETTERED.name();
      default -> {
        return false;
      }
    }
    if (item.copies.values().stream().allMatch("VERIFIED"::equals)) {
      item.state = TransactionState.VERIFIED.name();
    }
    return true;
  }

  private static Optional<String> state(String detail) {
    // The detail is the state's name, or a sentence when the round was not attempted.
    for (TransactionState s : TransactionState.values()) {
      if (detail.equals(s.name())) {
        return Optional.of(s.name());
      }
    }
    return Optional.empty();
  }

  /**
   * Newest first, at most {@code limit}, those older than {@code cursor} when given.
   *
   * @param cursor the {@code next} of the previous page
   */
  synchronized Page page(int limit, Optional<Long> cursor) {
    List<Item> all = new ArrayList<>(items.values());
    List<Map<String, Object>> out = new ArrayList<>();
    Long last = null;
    boolean more = false;
    for (int i = all.size() - 1; i >= 0; i--) {
      Item item = all.get(i);
      if (cursor.isPresent() && item.order >= cursor.get()) {
        continue;
      }
      if (out.size() == limit) {
        more = true;
        break;
      }
      out.add(item.toMap(false));
      last = item.order;
    }
    return new Page(out, more ? Optional.of(last) : Optional.empty());
  }

  private static final class Item {
    final long order;
    final String transactionId;
    final String key;
    final long bytes;
    final Map<String, String> copies = new LinkedHashMap<>();
    String state = TransactionState.IN_PROGRESS.name();
    long at = Micros.now();

    Item(long order, String transactionId, String key, long bytes) {
      this.order = order;
      this.transactionId = transactionId;
      this.key = key;
      this.bytes = bytes;
    }

    Map<String, Object> toMap(boolean asEvent) {
      Map<String, Object> m = new LinkedHashMap<>();
      if (asEvent) {
        m.put("type", "transaction");
      }
      m.put("at", at);
      m.put("transactionId", transactionId);
      m.put("key", key);
      m.put("bytes", bytes);
      m.put("state", state);
      m.put("destinations", new LinkedHashMap<>(copies));
      return m;
    }
  }
}
