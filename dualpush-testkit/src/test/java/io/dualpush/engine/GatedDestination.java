package io.dualpush.engine;

import io.dualpush.DestinationException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds writes, reads (head, get) or probes at a gate until it opens or their thread is
 * interrupted (then they fail, as a call blocked on a socket does), and counts the calls waiting
 * there. Thread-safe.
 */
final class GatedDestination implements Destination {
  private final Destination delegate;
  private final CountDownLatch gate = new CountDownLatch(1);
  private volatile boolean puts;
  private volatile boolean reads;
  private volatile boolean probes;
  private final AtomicInteger waiting = new AtomicInteger();

  GatedDestination(Destination delegate) {
    this.delegate = delegate;
  }

  GatedDestination holdPuts() {
    puts = true;
    return this;
  }

  GatedDestination holdReads() {
    reads = true;
    return this;
  }

  GatedDestination holdProbes() {
    probes = true;
    return this;
  }

  void open() {
    gate.countDown();
  }

  int waiting() {
    return waiting.get();
  }

  private void pass(boolean held) {
    if (!held) {
      return;
    }
    waiting.incrementAndGet();
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DestinationException(describe(), true, "interrupted at the gate", e);
    } finally {
      waiting.decrementAndGet();
    }
  }

  @Override
  public PutResult put(WriteRequest request) {
    pass(puts);
    return delegate.put(request);
  }

  @Override
  public Optional<ObjectInfo> head(String key) {
    pass(reads);
    return delegate.head(key);
  }

  @Override
  public Optional<InputStream> get(String key) {
    pass(reads);
    return delegate.get(key);
  }

  @Override
  public boolean delete(String key) {
    return delegate.delete(key);
  }

  @Override
  public HealthStatus probe() {
    pass(probes);
    return delegate.probe();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }
}
