package io.dualpush.log;

import java.io.Closeable;
import java.io.IOException;

/**
 * The exclusive right to write one log, taken by {@link SegmentStore#claim(boolean)}: a file lock,
 * a blob lease. A claim can be lost (a lease that could not be renewed in time, or was broken by a
 * writer that took the log over), and a writer that acted after losing it could write behind the
 * new holder's back or delete a segment it still needs. So the log calls {@link #ensureHeld()}
 * before every append, roll-over and deletion, and stops writing for good when it fails.
 *
 * <p>Thread-safe.
 */
public interface WriterClaim extends Closeable {

  /**
   * Returns normally only if the claim is still held and will be for long enough to finish the
   * operation about to start (a lease store renews here when the remaining time is short, measuring
   * from just before its renew call was sent). Cheap when nothing needs renewing: the log calls it
   * on every batch.
   *
   * @throws ClaimLostException when the claim is lost or may have run out; the log then refuses
   *     every further write and deletion until it is reopened
   * @throws IOException when the store cannot be reached to tell; treated as lost
   */
  void ensureHeld() throws IOException;

  /**
   * Releases the claim; a no-op when it was lost or already released. Best effort: a release that
   * fails leaves a lease to run out by itself.
   *
   * @throws IOException when releasing fails; the log logs it and goes on closing
   */
  @Override
  void close() throws IOException;
}
