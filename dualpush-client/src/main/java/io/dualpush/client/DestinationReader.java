package io.dualpush.client;

import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/** Reads through a dualpush {@link Destination}, whose calls block: they run on the client's read pool. */
final class DestinationReader implements EndpointReader {
  private final Destination destination;
  private final ExecutorService pool;

  DestinationReader(Destination destination, ExecutorService pool) {
    this.destination = destination;
    this.pool = pool;
  }

  @Override
  public CompletableFuture<Fetched> fetch(String key, FetchLimits limits, boolean needStoredMd5) {
    return BlockingCalls.submit(pool, () -> fetchBlocking(key, limits, needStoredMd5));
  }

  @Override
  public Fetched fetchBlocking(String key, FetchLimits limits, boolean needStoredMd5) {
    Optional<ObjectInfo> info = Optional.empty();
    // Without an MD5 from the caller the stored one is the reference; a stream also needs the size to decide
    // whether to check the object before handing it over.
    if (needStoredMd5 || limits.stream()) {
      info = destination.head(key);
      if (info.isEmpty()) {
        return Fetched.notFound();
      }
      if (!limits.stream() && info.get().size() > limits.bufferLimit()) {
        throw new ObjectTooLargeException(key, info.get().size(), limits.bufferLimit());
      }
    }
    Optional<String> storedMd5 = info.flatMap(ObjectInfo::md5);
    Optional<InputStream> opened = destination.get(key);
    if (opened.isEmpty()) {
      return Fetched.notFound();
    }
    InputStream in = opened.get();
    if (limits.stream() && info.get().size() > limits.bufferLimit()) {
      return Fetched.stream(in, OptionalLong.of(info.get().size()), storedMd5);
    }
    try (in) {
      return Fetched.bytes(readAll(in, key, limits.bufferLimit()), storedMd5);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] readAll(InputStream in, String key, long limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
      if (total > limit) {
        // The object grew past the limit since its head was read, or no head was read.
        throw new ObjectTooLargeException(key, -1, limit);
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Override
  public CompletableFuture<Void> check() {
    return BlockingCalls.submit(pool, () -> {
      HealthStatus status = destination.probe();
      if (!status.healthy()) {
        throw new IllegalStateException("probe failed: " + status.detail());
      }
      return null;
    });
  }

  @Override
  public String describeFailure(Throwable failure) {
    String message = failure.getMessage();
    return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
