package io.dualpush;

import java.util.List;
import java.util.Objects;

/**
 * One page of an {@link EventHistory} query: the matching entries oldest first (in sequence order), the cursor
 * of the next page, and whether entries the reader had not yet seen fell off the history's bound before it
 * could read them. Immutable and thread-safe; its components are plain, for a host's JSON library.
 *
 * <pre>{@code
 * HistoryQuery q = HistoryQuery.builder().key("gold/sales.csv").build();
 * HistoryPage page;
 * do {
 *   page = history.query(q);
 *   page.entries().forEach(System.out::println);
 *   q = q.nextPage(page);
 * } while (page.more());
 * }</pre>
 *
 * @param entries the entries that passed the query's filters, oldest first, at most its limit; each appears on
 *     one page only when the reader follows {@link #next}
 * @param next the cursor of the next page: the sequence number of the last entry this page examined (matching
 *     or not), or the query's own cursor when it examined none. Entries after it follow on the next page; when
 *     {@link #more} is false, the next page holds what is recorded from now on, so polling with it follows the
 *     history
 * @param more whether the history held entries after {@code next} when this page was read (the page stopped at
 *     its limit, or at an entry still being recorded): they may match, so read on at once
 * @param truncated whether entries after the query's cursor had fallen off the history's bound before this page
 *     could examine them: the reader missed them, matching or not. With cursor 0 it means the history no longer
 *     reaches back to the client's first entry
 * @param missed how many entries those were; 0 when {@code truncated} is false
 */
public record HistoryPage(List<HistoryEntry> entries, long next, boolean more, boolean truncated, long missed) {
  /**
   * Copies the entries and checks the components agree.
   *
   * @param entries the matching entries, oldest first
   * @param next the cursor of the next page
   * @param more whether entries after {@code next} were held
   * @param truncated whether entries after the query's cursor fell off before they were examined
   * @param missed how many fell off
   */
  public HistoryPage {
    entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
    if (next < 0 || missed < 0) {
      throw new IllegalArgumentException("next and missed cannot be negative; got " + next + " and " + missed);
    }
    if (truncated != missed > 0) {
      throw new IllegalArgumentException("truncated must be true exactly when missed > 0; got " + truncated
          + " and " + missed);
    }
  }
}
