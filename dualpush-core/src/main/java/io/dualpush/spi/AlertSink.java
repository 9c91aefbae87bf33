package io.dualpush.spi;

/**
 * Where alerts go: a pager, a chat channel, a metrics counter. Must not block for long and must not
 * throw; the engine logs and ignores what it throws.
 */
@FunctionalInterface
public interface AlertSink {
  void raise(Alert alert);
}
