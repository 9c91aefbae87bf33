package io.dualpush;

import io.dualpush.spi.Lease;
import java.util.Optional;

/**
 * What an {@link ActiveRegionCoordinator} tells the application as its role changes. Every method is a
 * no-op by default. The coordinator calls its listeners on one notifier thread of its own, in the order the
 * changes happened, never concurrently; a listener that throws is logged and the others still run. A
 * listener should return quickly: the next change waits for it.
 *
 * <pre>{@code
 * coordinator = ActiveRegionCoordinator.builder()...listener(new CoordinatorListener() {
 *   public void onActive(Lease lease) { consumer.start(); }
 *   public void onLeaseLost(Lease lost, Throwable cause) { consumer.stop(); }
 * }).build();
 * }</pre>
 */
public interface CoordinatorListener {
  /**
   * This process holds the lease and acts from now on.
   *
   * @param lease the lease held, with its fencing token
   */
  default void onActive(Lease lease) {}

  /**
   * This process does not hold the lease and stands by, retrying to acquire it.
   *
   * @param holder who holds the lease, when the store said so
   */
  default void onStandby(Optional<Lease> holder) {}

  /**
   * The lease this process held is no longer known to be held: a renewal was refused, or did not succeed
   * before the renew deadline (it failed, or has not returned). This process stopped acting before the
   * store could give the lease to another; a standby follows.
   *
   * @param lost the lease as last held
   * @param cause a {@link LeaseLostException} saying which, with the store's first failure as its cause when
   *     a renewal failed
   */
  default void onLeaseLost(Lease lost, Throwable cause) {}
}
