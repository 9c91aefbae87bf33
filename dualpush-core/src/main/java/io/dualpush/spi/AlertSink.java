package io.dualpush.spi;

/**
 * Where alerts go: a pager, a chat channel, a metrics counter. Must not block for long and must not
 * throw; the engine logs and ignores what it throws.
 */
@FunctionalInterface
public interface AlertSink {
  /**
   * Delivers one alert. Called on an engine thread; it must return quickly and must not throw.
   *
   * @param alert the alert, its message free of secrets
   */
  void raise(Alert alert);
}
