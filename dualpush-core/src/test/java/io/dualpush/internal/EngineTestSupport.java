package io.dualpush.internal;

import io.dualpush.AckPolicy;
import io.dualpush.CircuitBreakerOptions;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Small fakes for the engine's parts: a log that counts its calls, configs, started records. */
final class EngineTestSupport {
  private EngineTestSupport() {}

  static EngineConfig config(TransactionLog log, Clock clock, RepairOptions repair) {
    return new EngineConfig(List.of(), log, false, new io.dualpush.local.InProcessDedupeStore(clock), false, Duration.ofDays(1),
        a -> { }, List.of(), AckPolicy.allRequired(), RetryOptions.none(), CircuitBreakerOptions.disabled(), repair,
        clock, 2, 4, 1024, Duration.ofSeconds(5));
  }

  static LogEntry.Started started(String id, Instant at, String key) {
    return new LogEntry.Started(id, at, key, 1, "md5", "", "", "application/octet-stream", Map.of(),
        List.of(new LogEntry.Target("primary", true)), 1, "");
  }

  /** A destination the test never writes to: a put fails the test; reads find nothing. */
  static final class NeverCalled implements io.dualpush.spi.Destination {
    @Override
    public io.dualpush.spi.PutResult put(io.dualpush.spi.WriteRequest request) {
      throw new AssertionError("not called");
    }

    @Override
    public Optional<io.dualpush.spi.ObjectInfo> head(String key) {
      return Optional.empty();
    }

    @Override
    public Optional<java.io.InputStream> get(String key) {
      return Optional.empty();
    }

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public io.dualpush.spi.HealthStatus probe() {
      return io.dualpush.spi.HealthStatus.healthy(Duration.ZERO);
    }

    @Override
    public String describe() {
      return "never-called";
    }
  }

  /**
   * A log of records put in by hand; counts every call that reads or lists it. With
   * {@link #folding} set, appends are folded into the records as a real log would (a repair that
   * verifies a copy ends its transaction). {@link #openPage} pages by the order records were put
   * in, so that a transaction ending during a pass never makes the pass skip another.
   */
  static final class CountingLog implements TransactionLog {
    final Map<String, TransactionRecord> records = new ConcurrentHashMap<>();
    private final Map<String, Long> order = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong puts = new java.util.concurrent.atomic.AtomicLong(1);
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger listings = new AtomicInteger();
    final AtomicInteger pages = new AtomicInteger();
    /** The most transactions one page returned. */
    final AtomicInteger largestPage = new AtomicInteger();
    final AtomicInteger appends = new AtomicInteger();
    final List<LogEntry> entries = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The thread of each append, in order. */
    final List<Thread> appendThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The entries of {@link #entries} that came through {@link #appendBuffered}. */
    final List<LogEntry> buffered = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean folding;

    void put(TransactionRecord r) {
      order.computeIfAbsent(r.transactionId(), k -> puts.getAndIncrement());
      records.put(r.transactionId(), r);
    }

    /** Open transactions now, without counting a listing. */
    long openCount() {
      return records.values().stream().filter(r -> !r.state().isTerminal()
          && r.state() != io.dualpush.TransactionState.DEAD_LETTERED).count();
    }

    @Override
    public void append(LogEntry entry) {
      appends.incrementAndGet();
      entries.add(entry);
      appendThreads.add(Thread.currentThread());
      if (folding) {
        records.computeIfPresent(entry.transactionId(), (k, r) -> io.dualpush.log.TransactionFold.apply(r, entry));
      }
    }

    @Override
    public void appendBuffered(LogEntry entry) {
      buffered.add(entry);
      append(entry);
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      reads.incrementAndGet();
      return Optional.ofNullable(records.get(transactionId));
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      reads.incrementAndGet();
      return Optional.empty();
    }

    @Override
    public List<TransactionRecord> open() {
      listings.incrementAndGet();
      return List.copyOf(records.values());
    }

    @Override
    public io.dualpush.spi.OpenPage openPage(long position, int limit) {
      pages.incrementAndGet();
      List<TransactionRecord> out = new java.util.ArrayList<>();
      List<Map.Entry<String, Long>> byOrder = order.entrySet().stream().filter(e -> e.getValue() >= position)
          .sorted(Map.Entry.comparingByValue()).toList();
      long next = position;
      boolean last = true;
      for (Map.Entry<String, Long> e : byOrder) {
        TransactionRecord r = records.get(e.getKey());
        if (r == null || r.state().isTerminal() || r.state() == io.dualpush.TransactionState.DEAD_LETTERED) {
          continue;
        }
        if (out.size() == limit) {
          last = false;
          break;
        }
        out.add(r);
        next = e.getValue() + 1;
      }
      largestPage.accumulateAndGet(out.size(), Math::max);
      return new io.dualpush.spi.OpenPage(out, next, last);
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      listings.incrementAndGet();
      return List.copyOf(records.values());
    }

    @Override
    public void checkpoint() {}

    @Override
    public void close() {}
  }
}
