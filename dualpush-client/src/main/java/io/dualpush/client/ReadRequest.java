package io.dualpush.client;

import io.dualpush.InvalidInputException;
import io.dualpush.ObjectKeys;
import io.dualpush.PushReceipt;
import java.util.Base64;
import java.util.Optional;

/**
 * One read: the key and, optionally, what the answer must be — an expected MD5, or the push whose copies it must
 * come from (read-your-writes). Immutable.
 *
 * <pre>{@code
 * ReadRequest.of("daily/2026-12-01.parquet").after(receipt);
 * ReadRequest.of(key).expectedMd5(md5).allowStale(false);
 * }</pre>
 */
public final class ReadRequest {
  private final String key;
  private final String expectedMd5;
  private final PushReceipt receipt;
  private final String transactionId;
  private final boolean allowStale;

  private ReadRequest(String key, String expectedMd5, PushReceipt receipt, String transactionId,
      boolean allowStale) {
    this.key = key;
    this.expectedMd5 = expectedMd5;
    this.receipt = receipt;
    this.transactionId = transactionId;
    this.allowStale = allowStale;
  }

  /**
   * A read of {@code key} that accepts any copy whose bytes match the MD5 stored with it.
   *
   * @param key the object's key, as it was pushed
   * @return the request
   * @throws InvalidInputException when the key is empty, absolute, has {@code ..} or is too long
   */
  public static ReadRequest of(String key) {
    return new ReadRequest(ObjectKeys.validate(key), null, null, null, true);
  }

  /**
   * This read, accepting only bytes with this MD5.
   *
   * @param md5 the base64 MD5 the bytes must have
   * @return a copy of the request
   */
  public ReadRequest expectedMd5(String md5) {
    InvalidInputException.requireNonNull(md5, "expectedMd5");
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(md5);
    } catch (IllegalArgumentException e) {
      raw = new byte[0];
    }
    if (raw.length != 16) {
      throw new InvalidInputException("expectedMd5", "'expectedMd5' must be a base64 MD5 (16 bytes); got '" + md5
          + "'");
    }
    if (receipt != null && !receipt.md5().equals(md5)) {
      throw new InvalidInputException("expectedMd5", "'expectedMd5' " + md5 + " contradicts the receipt's MD5 "
          + receipt.md5());
    }
    return new ReadRequest(key, md5, receipt, transactionId, allowStale);
  }

  /**
   * This read, served only from copies the receipt's push verified, with the receipt's MD5 (read-your-writes). When
   * the client has a receipt lookup, a receipt whose copies were not all verified yet is looked up again first.
   *
   * @param receipt the push's receipt; its key must be this request's key
   * @return a copy of the request
   */
  public ReadRequest after(PushReceipt receipt) {
    InvalidInputException.requireNonNull(receipt, "receipt");
    if (!receipt.key().equals(key)) {
      throw new InvalidInputException("receipt", "'receipt' is for key '" + receipt.key() + "', not '" + key + "'");
    }
    if (expectedMd5 != null && !expectedMd5.equals(receipt.md5())) {
      throw new InvalidInputException("receipt", "'receipt' MD5 " + receipt.md5()
          + " contradicts the expected MD5 " + expectedMd5);
    }
    if (transactionId != null && !transactionId.equals(receipt.transactionId())) {
      throw new InvalidInputException("receipt", "'receipt' is for transaction " + receipt.transactionId()
          + ", not " + transactionId);
    }
    return new ReadRequest(key, expectedMd5, receipt, receipt.transactionId(), allowStale);
  }

  /**
   * This read, served only from copies verified for the transaction, looked up through the client's
   * {@link FailoverReadClientBuilder#receiptLookup receipt lookup} (read-your-writes).
   *
   * @param transactionId the push's transaction id
   * @return a copy of the request
   */
  public ReadRequest afterTransaction(String transactionId) {
    InvalidInputException.requireNonNull(transactionId, "transactionId");
    if (receipt != null && !receipt.transactionId().equals(transactionId)) {
      throw new InvalidInputException("transactionId", "'transactionId' " + transactionId
          + " contradicts the receipt's transaction " + receipt.transactionId());
    }
    return new ReadRequest(key, expectedMd5, receipt, transactionId, allowStale);
  }

  /**
   * Whether a last-known-good copy from the client's stale-if-error cache may be returned, flagged, when every
   * endpoint fails. True by default; it has no effect when the client has no cache.
   *
   * @param allowStale false to fail instead
   * @return a copy of the request
   */
  public ReadRequest allowStale(boolean allowStale) {
    return new ReadRequest(key, expectedMd5, receipt, transactionId, allowStale);
  }

  /**
   * The object's key.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The MD5 the caller expects.
   *
   * @return the base64 MD5, or empty
   */
  public Optional<String> expectedMd5() {
    return Optional.ofNullable(expectedMd5);
  }

  /**
   * The receipt of the push whose copies the read must come from.
   *
   * @return the receipt, or empty
   */
  public Optional<PushReceipt> receipt() {
    return Optional.ofNullable(receipt);
  }

  /**
   * The transaction whose copies the read must come from.
   *
   * @return the transaction id, or empty
   */
  public Optional<String> transactionId() {
    return Optional.ofNullable(transactionId);
  }

  /**
   * Whether a stale cached copy may be returned when every endpoint fails.
   *
   * @return true by default
   */
  public boolean allowsStale() {
    return allowStale;
  }

  @Override
  public String toString() {
    return "ReadRequest{" + key + (expectedMd5 == null ? "" : ", md5 " + expectedMd5)
        + (transactionId == null ? "" : ", after " + transactionId) + (allowStale ? "" : ", no stale") + "}";
  }
}
