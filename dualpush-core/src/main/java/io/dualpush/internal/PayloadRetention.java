package io.dualpush.internal;

import io.dualpush.spi.ContentOpener;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payloads kept in memory for repairing the copies of pushes that did not verify everywhere,
 * within a byte budget ({@code retainedPayloadBytes}). Only in-memory content costs the budget:
 * a file is re-read from its path (recorded in the log), and a stream is re-opened by its opener.
 * What does not fit is not kept; its repair copies from a verified copy instead. Thread-safe.
 */
final class PayloadRetention {
  private static final Logger LOG = LoggerFactory.getLogger(PayloadRetention.class);

  private record Retained(ContentOpener opener, long bytes) {}

  private final long budget;
  private final Map<String, Retained> retained = new ConcurrentHashMap<>();
  private final AtomicLong used = new AtomicLong();
  /** Set by the first payload refused for want of room, cleared when room frees: one WARN per time the budget fills. */
  private final java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean();

  PayloadRetention(long budget) {
    this.budget = budget;
  }

  /**
   * Keeps {@code opener} for transaction {@code id} if {@code bytes} fit in the budget; returns
   * whether it was kept. Content with a source file is never kept (it is re-read from the file).
   */
  boolean retain(String id, ContentOpener opener, long bytes, boolean hasSourceFile) {
    if (hasSourceFile) {
      return false;
    }
    if (used.addAndGet(bytes) > budget) {
      used.addAndGet(-bytes);
      if (full.compareAndSet(false, true)) {
        LOG.warn("Payload retention budget of {} bytes is full: payloads of pushes not verified everywhere are not "
            + "kept until room frees; their repair copies from a verified copy", budget);
      }
      LOG.debug("Not retaining the payload of {} ({} bytes): retention budget full", id, bytes);
      return false;
    }
    if (retained.putIfAbsent(id, new Retained(opener, bytes)) != null) {
      used.addAndGet(-bytes);
    }
    return true;
  }

  /** The kept payload of {@code id}, if any. */
  Optional<ContentOpener> opener(String id) {
    Retained r = retained.get(id);
    return r == null ? Optional.empty() : Optional.of(r.opener());
  }

  /** Drops what is kept for {@code id} (it ended: verified, superseded, dead-lettered). */
  void forget(String id) {
    Retained r = retained.remove(id);
    if (r != null) {
      used.addAndGet(-r.bytes());
      full.set(false);
    }
  }

  /** Bytes kept now. */
  long usedBytes() {
    return used.get();
  }
}
