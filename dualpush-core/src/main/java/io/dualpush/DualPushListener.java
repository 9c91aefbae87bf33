package io.dualpush;

/**
 * Receives {@link DualPushEvent}s synchronously on engine threads: keep it quick and do not throw
 * (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface DualPushListener {
  void onEvent(DualPushEvent event);
}
