package io.dualpush;

/**
 * Backpressure: the client already has its maximum of pushes in flight and its queue of pushes
 * waiting for one of those places is full, so this push was refused before anything was written.
 * Retry it later, or slow down; nothing of it is in the transaction log.
 */
public class PushQueueFullException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The limit of pushes in flight that was reached. */
  private final int maxInFlight;
  /** The limit of pushes waiting that was reached. */
  private final int maxQueued;

  /**
   * Refuses a push because both limits are reached.
   *
   * @param maxInFlight the client's limit of pushes in flight ({@link DualPushClientBuilder#maxInFlight})
   * @param maxQueued the limit of pushes waiting for a place in flight
   */
  public PushQueueFullException(int maxInFlight, int maxQueued) {
    super("Too many pushes: " + maxInFlight + " in flight (maxInFlight) and " + maxQueued
        + " waiting (the queue's limit); retry later");
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
  }

  /**
   * The limit of pushes in flight that was reached.
   *
   * @return the client's {@code maxInFlight}
   */
  public int maxInFlight() {
    return maxInFlight;
  }

  /**
   * The limit of pushes waiting that was reached.
   *
   * @return how many pushes may wait for a place in flight
   */
  public int maxQueued() {
    return maxQueued;
  }
}
