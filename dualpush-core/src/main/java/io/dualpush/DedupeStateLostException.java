package io.dualpush;

import java.util.Objects;

/**
 * A shared dedupe store found that it lost the message ids it remembered (its server restarted
 * without persistence, was flushed, or evicted keys), so it cannot tell a new message from one
 * already pushed (guarantee G3). Rather than treat every id as new, and push duplicates, the store
 * refuses every claim with this exception until the application has decided what to do (replay
 * from a known point, reconcile against the destinations, or accept possible duplicates) and
 * acknowledged the loss on the store (for Redis, {@code RedisDedupeStore.acknowledgeStateLoss()}).
 * Not transient: retrying does not help until then.
 *
 * <pre>{@code
 * catch (DedupeStateLostException e) { alert(e.getMessage()); reconcile(); redisDedupe.acknowledgeStateLoss(); }
 * }</pre>
 *
 * <p>Immutable, so safe to share between threads.
 */
public class DedupeStateLostException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The store's description, as {@link #store()} returns it. */
  private final String store;

  /**
   * A refusal by {@code store}.
   *
   * @param message what happened and what to do, naming the store, without secrets
   * @param store the store's description (its key prefix or address, never a credential)
   */
  public DedupeStateLostException(String message, String store) {
    super(message);
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * The store that lost its state, as it describes itself (never a credential).
   *
   * @return the store's description
   */
  public String store() {
    return store;
  }
}
