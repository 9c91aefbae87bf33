package io.dualpush;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A test destination over a {@link FileSystemDestination} that fails its puts on demand: every put, or only puts of
 * final (not staged) keys. Core cannot use the testkit's {@code FaultInjectingDestination} (the testkit depends on
 * core).
 */
final class FlakyDestination implements Destination {
  final AtomicBoolean failPuts = new AtomicBoolean();
  final AtomicBoolean failFinalPuts = new AtomicBoolean();
  private final FileSystemDestination delegate;

  FlakyDestination(FileSystemDestination delegate) {
    this.delegate = delegate;
  }

  @Override
  public PutResult put(WriteRequest request) {
    if (failPuts.get() || failFinalPuts.get() && !request.key().startsWith("_staging/")) {
      throw new DestinationException("dr", true, "injected failure");
    }
    return delegate.put(request);
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    return delegate.head(key);
  }

  @Override
  public Optional<InputStream> get(String key) {
    return delegate.get(key);
  }

  @Override
  public boolean delete(String key) {
    return delegate.delete(key);
  }

  @Override
  public HealthStatus probe() {
    return delegate.probe();
  }

  @Override
  public String describe() {
    return "flaky " + delegate.describe();
  }

  @Override
  public boolean overlaps(Destination other) {
    return other == this || delegate.overlaps(other);
  }
}
