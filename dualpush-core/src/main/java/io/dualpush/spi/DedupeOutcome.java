package io.dualpush.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * What the engine records in a {@link DedupeStore} when a message has been processed: the
 * transaction that pushed it, and the source MD5 and size it logged. A later duplicate is answered
 * from the transaction log when it still holds that transaction, and from these fields alone when
 * it does not. Immutable.
 *
 * <p>Stores keep it as a string ({@link #encode()}), so that every store, local or shared between
 * processes, keeps working unchanged. The encoding is stable: {@code v1|<transaction id>|<md5>|<size>}.
 * {@link #decode} also reads the form written before it existed, {@code <transaction id>|<md5>|<size>},
 * which entries still within their TTL may hold.
 *
 * <pre>{@code
 * store.markDone(messageId, new DedupeOutcome("txn-1", md5, 42), ttl);
 * DedupeOutcome earlier = store.claim(messageId, ttl).pushOutcome().orElseThrow();
 * }</pre>
 *
 * @param transactionId the transaction that processed the message
 * @param md5 the source MD5 that transaction logged, base64
 * @param size the payload's size in bytes, 0 or more
 */
public record DedupeOutcome(String transactionId, String md5, long size) {
  private static final String VERSION = "v1";

  /**
   * Checks the fields: no separator in the text, no negative size.
   *
   * @param transactionId the transaction that processed the message
   * @param md5 the source MD5 that transaction logged, base64
   * @param size the payload's size in bytes, 0 or more
   * @throws IllegalArgumentException when a field holds {@code |} or the size is negative
   */
  public DedupeOutcome {
    Objects.requireNonNull(transactionId, "transactionId");
    Objects.requireNonNull(md5, "md5");
    if (transactionId.indexOf('|') >= 0 || md5.indexOf('|') >= 0) {
      throw new IllegalArgumentException("a dedupe outcome's fields cannot hold '|'");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size cannot be negative; got " + size);
    }
  }

  /**
   * The stable string form, for stores.
   *
   * @return {@code v1|<transaction id>|<md5>|<size>}
   */
  public String encode() {
    return VERSION + "|" + transactionId + "|" + md5 + "|" + size;
  }

  /**
   * Reads a string written by {@link #encode()}, or by engines before this type existed.
   *
   * @param encoded what a store returned as the outcome
   * @return the outcome, or empty when {@code encoded} is in neither form (written by something
   *     else than the engine)
   */
  public static Optional<DedupeOutcome> decode(String encoded) {
    Objects.requireNonNull(encoded, "encoded");
    String[] parts = encoded.split("\\|", -1);
    try {
      if (parts.length == 4 && parts[0].equals(VERSION)) {
        return Optional.of(new DedupeOutcome(parts[1], parts[2], Long.parseLong(parts[3])));
      }
      if (parts.length == 3 && !parts[0].isEmpty()) {
        return Optional.of(new DedupeOutcome(parts[0], parts[1], Long.parseLong(parts[2])));
      }
    } catch (IllegalArgumentException e) {
      // A size that is no number, or a negative one: not ours.
    }
    return Optional.empty();
  }
}
