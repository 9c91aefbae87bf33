package io.dualpush.client;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** What one endpoint answered: nothing under the key, the whole object, or an open stream of a large one. */
final class Fetched {
  private static final Fetched NOT_FOUND = new Fetched(null, null, OptionalLong.empty(), Optional.empty());

  final byte @Nullable [] bytes;
  final @Nullable InputStream stream;
  final OptionalLong size;
  final Optional<String> storedMd5;

  private Fetched(byte @Nullable [] bytes, @Nullable InputStream stream, OptionalLong size,
      Optional<String> storedMd5) {
    this.bytes = bytes;
    this.stream = stream;
    this.size = size;
    this.storedMd5 = storedMd5;
  }

  static Fetched notFound() {
    return NOT_FOUND;
  }

  static Fetched bytes(byte[] bytes, Optional<String> storedMd5) {
    return new Fetched(bytes, null, OptionalLong.of(bytes.length), storedMd5);
  }

  static Fetched stream(InputStream stream, OptionalLong size, Optional<String> storedMd5) {
    return new Fetched(null, stream, size, storedMd5);
  }

  boolean isNotFound() {
    return this == NOT_FOUND;
  }

  /** Releases an open stream nobody will read (a hedge that lost, a copy refused). */
  void discard() {
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException | RuntimeException e) {
        // Nothing to do: the answer is being thrown away.
      }
    }
  }
}
