package io.dualpush.spi;

import java.util.List;
import java.util.Objects;

/**
 * One page of a {@link TransactionLog}'s open transactions, from {@link TransactionLog#openPage}.
 *
 * @param transactions the open transactions of this page, in the log's order
 * @param next where the next page starts (opaque; pass it to {@link TransactionLog#openPage})
 * @param last true when this page ends the pass
 */
public record OpenPage(List<TransactionRecord> transactions, long next, boolean last) {
  /**
   * A page; the list is copied.
   *
   * @param transactions the open transactions of this page, in the log's order
   * @param next where the next page starts
   * @param last true when this page ends the pass
   */
  public OpenPage {
    transactions = List.copyOf(Objects.requireNonNull(transactions, "transactions"));
  }
}
