package io.dualpush.client;

/** Where the MD5 that a read's bytes were checked against came from. */
public enum DigestSource {
  /** The caller's {@link ReadRequest#expectedMd5()}. */
  CALLER,
  /** The push receipt of a read-your-writes read: the source MD5 recorded in the transaction log. */
  RECEIPT,
  /** The MD5 the endpoint stores with the object ({@code Content-MD5}, the destination's head). */
  STORED,
  /** Nothing: the bytes were not checked (only when the client was built with {@code requireDigest(false)}). */
  NONE
}
