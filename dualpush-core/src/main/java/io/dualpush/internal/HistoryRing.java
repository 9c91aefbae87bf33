package io.dualpush.internal;

import io.dualpush.HistoryEntry;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The store behind {@link io.dualpush.EventHistory}: a ring of the most recent {@code capacity} entries, entry
 * {@code s} (sequence numbers start at 1) in slot {@code (s - 1) % capacity}. Writers take a sequence number
 * from one {@link AtomicLong} and publish an immutable entry into its slot, so recording costs an increment and
 * a compare-and-set and no writer waits for another or for a reader. A slot only ever moves to a greater
 * sequence number: a writer that was overtaken by one a whole lap ahead drops its entry, which has fallen off
 * the bound anyway.
 *
 * <p>Readers take no lock either: they read a slot and compare the entry's sequence number with the one they
 * expect. Equal, it is the entry; greater, the entry was overwritten (it fell off); smaller or empty, its writer
 * has taken the number and not yet published it. An entry is immutable, so a reader never sees one half
 * written. Thread-safe.
 */
public final class HistoryRing {
  private final int capacity;
  private final AtomicReferenceArray<HistoryEntry> slots;
  private final AtomicLong last = new AtomicLong();

  /**
   * An empty ring.
   *
   * @param capacity how many entries it keeps, at least 1
   */
  public HistoryRing(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1; got " + capacity);
    }
    this.capacity = capacity;
    this.slots = new AtomicReferenceArray<>(capacity);
  }

  /**
   * Records one entry under the next sequence number.
   *
   * @param entry builds the entry for the sequence number it is given, which it must carry; must not throw (a
   *     number taken and never published would stop readers there until the ring laps it)
   * @return the entry's sequence number
   */
  public long add(LongFunction<HistoryEntry> entry) {
    long sequence = last.incrementAndGet();
    HistoryEntry e = entry.apply(sequence);
    int i = index(sequence);
    while (true) {
      HistoryEntry current = slots.get(i);
      if (current != null && current.sequence() > sequence) {
        return sequence;
      }
      if (slots.compareAndSet(i, current, e)) {
        return sequence;
      }
    }
  }

  /**
   * Whatever holds the slot of {@code sequence} now: that entry, an older one or nothing (not yet published),
   * or a newer one (it fell off). The caller compares sequence numbers.
   *
   * @param sequence a sequence number, at least 1
   * @return the slot's entry, or null when the slot was never written
   */
  public @Nullable HistoryEntry slot(long sequence) {
    return slots.get(index(sequence));
  }

  /**
   * The greatest sequence number handed out; its entry may still be being published.
   *
   * @return 0 before the first entry
   */
  public long last() {
    return last.get();
  }

  /**
   * The smallest sequence number the ring can still hold.
   *
   * @return at least 1
   */
  public long oldest() {
    return Math.max(1, last.get() - capacity + 1);
  }

  /**
   * How many entries it keeps at most.
   *
   * @return at least 1
   */
  public int capacity() {
    return capacity;
  }

  /**
   * How many entries it holds now (counting any being published).
   *
   * @return 0 to {@link #capacity()}
   */
  public int size() {
    return (int) Math.min(last.get(), capacity);
  }

  /**
   * How many entries fell off the bound since the ring was made.
   *
   * @return 0 or more; never decreases
   */
  public long dropped() {
    return Math.max(0, last.get() - capacity);
  }

  private int index(long sequence) {
    return (int) ((sequence - 1) % capacity);
  }
}
