package io.dualpush;

/** How {@code verify} checks a copy. */
public enum VerifyMode {
  /** Compare the digest the destination reports (head) with the source MD5. Cheap. */
  HASH,
  /** Re-read every byte of the copy and hash it. Catches corruption behind the destination's back. */
  DEEP
}
