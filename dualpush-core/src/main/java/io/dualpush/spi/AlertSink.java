package io.dualpush.spi;

/**
 * Where alerts go: a pager, a chat channel, a metrics counter. Must not block for long and must not
 * throw; the engine logs and ignores what it throws.
 *
 * <p>Two calls: {@link #raise} when a condition starts (or repeats), and {@link #resolve} when a condition that
 * has a clear end has ended — today a destination that was down ({@link Alert.Type#CONNECTION_FAILURE}) is back.
 * A resolve arrives at once, not after a quiet period, and carries the type and destination of the condition it
 * clears, so a sink that opens incidents per (type, destination) can close the right one. {@code resolve} has a
 * default that does nothing, so a sink written as a lambda keeps working and simply never hears of resolutions.
 *
 * <pre>{@code
 * AlertSink pager = alert -> pagerClient.open(alert.type() + "/" + alert.destinationId(), alert.message());
 * }</pre>
 */
@FunctionalInterface
public interface AlertSink {
  /**
   * Delivers one alert. Called on an engine thread; it must return quickly and must not throw.
   *
   * @param alert the alert, its message free of secrets
   */
  void raise(Alert alert);

  /**
   * Says that the condition raised earlier as alerts of {@code resolved.type()} at
   * {@code resolved.destinationId()} has cleared (a destination that was down is back). {@code resolved} is an
   * {@link Alert} describing the resolution: the type and destination of the condition, the severity that
   * condition is raised with, a message saying what cleared (never a secret), no transaction id, and when. Called
   * on an engine thread as soon as the condition clears; it must return quickly and must not throw.
   *
   * <p>The default does nothing.
   *
   * @param resolved the resolution
   */
  default void resolve(Alert resolved) {
    // A sink that tracks no conditions has nothing to close.
  }
}
