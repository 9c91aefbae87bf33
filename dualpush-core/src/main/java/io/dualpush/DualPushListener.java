package io.dualpush;

/**
 * Receives {@link DualPushEvent}s synchronously on engine threads: keep it quick and do not throw
 * (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface DualPushListener {
  /**
   * Called on an engine thread for each event; keep it quick, and do not throw (a thrown exception is logged
   * and ignored).
   *
   * @param event what happened
   */
  void onEvent(DualPushEvent event);
}
