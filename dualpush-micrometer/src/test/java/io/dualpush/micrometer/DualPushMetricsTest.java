package io.dualpush.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.DestinationLag;
import io.dualpush.DestinationOptions;
import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.DualPushStats;
import io.dualpush.InvalidInputException;
import io.dualpush.PushContent;
import io.dualpush.PushFailedException;
import io.dualpush.PushRequest;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Alert;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.OpenPage;
import io.dualpush.spi.OpenSummary;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.dualpush.testkit.ManualClock;
import io.dualpush.testkit.RecordingAlertSink;
import io.dualpush.testkit.RecordingListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("DualPushMetrics")
class DualPushMetricsTest {
  private static final String[] COPY_OUTCOMES = {"written", "unchanged", "verified", "failed", "inconsistent"};
  private static final Map<String, DualPushEvent.Type> COPY_EVENTS = Map.of("written", DualPushEvent.Type.COPY_WRITTEN,
      "unchanged", DualPushEvent.Type.COPY_UNCHANGED, "verified", DualPushEvent.Type.COPY_VERIFIED,
      "failed", DualPushEvent.Type.COPY_FAILED, "inconsistent", DualPushEvent.Type.COPY_INCONSISTENT);

  private final ManualClock clock = new ManualClock();
  private final InMemoryDestination primary = new InMemoryDestination("primary", clock);
  private final FaultInjectingDestination secondary =
      FaultInjectingDestination.wrap(new InMemoryDestination("secondary", clock));
  private final RecordingListener events = new RecordingListener();
  private final RecordingAlertSink alerts = new RecordingAlertSink();
  private final MockClock registryClock = new MockClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, registryClock);
  private DualPushMetrics metrics;
  private DualPushClient client;
  private int acknowledged;
  private int notAcknowledged;

  @BeforeEach
  void start() {
    metrics = DualPushMetrics.builder().build();
    client = newClient(metrics);
    metrics.attach(client).bindTo(registry);
  }

  @AfterEach
  void stop() {
    client.close();
    metrics.close();
  }

  private DualPushClient newClient(DualPushMetrics m) {
    return new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").region("eastus2").build(), primary)
        .destination(DestinationOptions.builder("secondary").noRecoveryPointBudget().build(), secondary)
        .transactionLog(new InMemoryTransactionLog())
        .clock(clock)
        .retry(RetryOptions.none())
        .repair(RepairOptions.builder().enabled(false).build())
        // Open for an hour of a clock that is not advanced that far: exactly one outage.
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(3).openDelay(Duration.ofHours(1)).build())
        .listener(events)
        .listener(m)
        .alertSink(m.countingAlertSink(alerts))
        .buildClient();
  }

  /** 5 pushes and one with a message id, all acknowledged; the same message again (a duplicate); then 10 pushes
   *  while the secondary fails every write: 3 failures open its breaker, 7 writes are refused. */
  private void pushThroughAnOutage() {
    for (int i = 0; i < 5; i++) {
      push(PushRequest.of("ok/" + i, bytes("ok " + i)));
    }
    push(PushRequest.builder("msg/1", PushContent.ofBytes(bytes("message"))).messageId("m-1").build());
    push(PushRequest.builder("msg/1", PushContent.ofBytes(bytes("message"))).messageId("m-1").build());
    secondary.failNext(1_000_000);
    for (int i = 0; i < 10; i++) {
      push(PushRequest.of("down/" + i, bytes("down " + i)));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlightPushes() == 0);
  }

  private void push(PushRequest request) {
    try {
      client.push(request);
      acknowledged++;
    } catch (PushFailedException e) {
      notAcknowledged++;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long eventCount(DualPushEvent.Type type, String destination) {
    return events.eventsOfType(type).stream().filter(e -> e.destinationId().equals(destination)).count();
  }

  private double counter(String name, String... tags) {
    return registry.get(name).tags(tags).functionCounter().count();
  }

  /** A copy-duration meter's sample count: a FunctionTimer by default, a Timer with the histogram on. */
  private static long samples(Meter m) {
    if (m instanceof Timer t) {
      return t.count();
    }
    return (long) ((FunctionTimer) m).count();
  }

  private long timer(String destination, String outcome) {
    return samples(registry.get("dualpush.copy.duration").tags("destination", destination, "outcome", outcome).meter());
  }

  @Nested
  @DisplayName("counts")
  class Counts {
    @Test
    @DisplayName("pushes by outcome, as the receipts and the events say")
    void pushes() {
      pushThroughAnOutage();

      assertThat(notAcknowledged).isEqualTo(10);
      // the duplicate returns the first push's receipt
      assertThat(acknowledged).isEqualTo(7);
      assertThat(counter("dualpush.pushes", "outcome", "acknowledged"))
          .isEqualTo(events.eventsOfType(DualPushEvent.Type.PUSH_ACKNOWLEDGED).size()).isEqualTo(6);
      assertThat(counter("dualpush.pushes", "outcome", "not_acknowledged"))
          .isEqualTo(events.eventsOfType(DualPushEvent.Type.PUSH_NOT_ACKNOWLEDGED).size()).isEqualTo(notAcknowledged);
      assertThat(counter("dualpush.pushes", "outcome", "duplicate"))
          .isEqualTo(events.eventsOfType(DualPushEvent.Type.DUPLICATE_PUSH).size()).isEqualTo(1);
      assertThat(counter("dualpush.repairs")).isEqualTo(events.eventsOfType(DualPushEvent.Type.REPAIR_STARTED).size());
      assertThat(counter("dualpush.dead.letters"))
          .isEqualTo(events.eventsOfType(DualPushEvent.Type.DEAD_LETTERED).size());
    }

    @Test
    @DisplayName("copies per destination and outcome, as the events say")
    void copies() {
      pushThroughAnOutage();

      for (String destination : List.of("primary", "secondary")) {
        for (String outcome : COPY_OUTCOMES) {
          assertThat(counter("dualpush.copies", "destination", destination, "outcome", outcome))
              .as(destination + " " + outcome)
              .isEqualTo(eventCount(COPY_EVENTS.get(outcome), destination));
        }
      }
      assertThat(counter("dualpush.copies", "destination", "primary", "outcome", "written"))
          .isEqualTo(primary.writeCount()).isEqualTo(16);
      assertThat(counter("dualpush.copies", "destination", "secondary", "outcome", "failed")).isEqualTo(10);
      assertThat(counter("dualpush.copies", "destination", "primary", "outcome", "verified")).isEqualTo(16);
    }

    @Test
    @DisplayName("one outage of the failing destination, which reads down; none of the other")
    void outages() {
      pushThroughAnOutage();

      assertThat(counter("dualpush.destination.outages", "destination", "secondary"))
          .isEqualTo(eventCount(DualPushEvent.Type.DESTINATION_DOWN, "secondary")).isEqualTo(1);
      assertThat(counter("dualpush.destination.outages", "destination", "primary")).isZero();
      assertThat(registry.get("dualpush.destination.up").tags("destination", "secondary").gauge().value()).isZero();
      assertThat(registry.get("dualpush.destination.up").tags("destination", "primary").gauge().value()).isEqualTo(1);

      client.resetCircuitBreaker("secondary");

      assertThat(eventCount(DualPushEvent.Type.DESTINATION_UP, "secondary")).isEqualTo(1);
      assertThat(registry.get("dualpush.destination.up").tags("destination", "secondary").gauge().value()).isEqualTo(1);
      assertThat(counter("dualpush.destination.outages", "destination", "secondary")).isEqualTo(1);
    }

    @Test
    @DisplayName("the copy timer takes one sample per write attempted, refused ones included")
    void copyDuration() {
      pushThroughAnOutage();

      for (String destination : List.of("primary", "secondary")) {
        long attempted = eventCount(DualPushEvent.Type.COPY_WRITTEN, destination)
            + eventCount(DualPushEvent.Type.COPY_UNCHANGED, destination)
            + eventCount(DualPushEvent.Type.COPY_FAILED, destination);
        long timed = registry.get("dualpush.copy.duration").tags("destination", destination).meters().stream()
            .mapToLong(DualPushMetricsTest::samples).sum();
        assertThat(timed).as(destination).isEqualTo(attempted).isPositive();
      }
      assertThat(timer("primary", "written")).isEqualTo(primary.writeCount());
      // what reached the failing destination: its successful writes and the failures before its breaker opened
      assertThat(timer("secondary", "written") + secondary.injectedFailures()).isEqualTo(secondary.putCount());
      assertThat(timer("secondary", "failed")).isEqualTo(10);
      assertThat(secondary.injectedFailures()).isEqualTo(3);
    }

    @Test
    @DisplayName("alerts by type and severity, as the sink received them")
    void alertsCounted() {
      pushThroughAnOutage();

      assertThat(alerts.alerts()).isNotEmpty();
      Map<List<String>, Long> received = alerts.alerts().stream().collect(Collectors.groupingBy(
          a -> List.of(a.type().name().toLowerCase(Locale.ROOT), a.severity().name().toLowerCase(Locale.ROOT)), Collectors.counting()));
      for (Map.Entry<List<String>, Long> e : received.entrySet()) {
        assertThat(counter("dualpush.alerts", "type", e.getKey().get(0), "severity", e.getKey().get(1)))
            .as(e.getKey().toString()).isEqualTo(e.getValue().doubleValue());
      }
      double total = registry.find("dualpush.alerts").functionCounters().stream()
          .mapToDouble(FunctionCounter::count).sum();
      assertThat(total).isEqualTo(alerts.alerts().size());
    }
  }

  @Nested
  @DisplayName("gauges")
  class Gauges {
    @Test
    @DisplayName("read what stats() reads")
    void stats() {
      pushThroughAnOutage();
      clock.advance(Duration.ofSeconds(30));

      double backlog = registry.get("dualpush.backlog.transactions").gauge().value();
      double oldest = registry.get("dualpush.lag.oldest").timeGauge().value(TimeUnit.SECONDS);
      double inFlight = registry.get("dualpush.in.flight").gauge().value();
      DualPushStats stats = client.stats();

      assertThat(backlog).isEqualTo(stats.openTransactions()).isEqualTo(10);
      assertThat(oldest).isEqualTo(stats.oldestOpenAge().toNanos() / 1e9).isEqualTo(30);
      assertThat(inFlight).isEqualTo(stats.inFlightPushes());
    }

    @Test
    @DisplayName("read what lag() reads, per destination")
    void lag() {
      pushThroughAnOutage();
      clock.advance(Duration.ofSeconds(30));

      Map<String, Double> read = new java.util.HashMap<>();
      for (String d : List.of("primary", "secondary")) {
        read.put(d + " copies", registry.get("dualpush.destination.backlog.copies").tags("destination", d).gauge().value());
        read.put(d + " bytes", registry.get("dualpush.destination.backlog.bytes").tags("destination", d).gauge().value());
        read.put(d + " lag", seconds("dualpush.destination.lag", d));
        read.put(d + " p50", registry.get("dualpush.destination.completion").tags("destination", d, "quantile", "0.5")
            .timeGauge().value(TimeUnit.SECONDS));
        read.put(d + " p99", registry.get("dualpush.destination.completion").tags("destination", d, "quantile", "0.99")
            .timeGauge().value(TimeUnit.SECONDS));
        read.put(d + " dead", counter("dualpush.destination.dead.letters", "destination", d));
        read.put(d + " abandoned", counter("dualpush.destination.abandoned", "destination", d));
      }
      Map<String, DestinationLag> lag = client.lag();

      for (String d : List.of("primary", "secondary")) {
        DestinationLag l = lag.get(d);
        assertThat(read.get(d + " copies")).isEqualTo(l.backlogCopies());
        assertThat(read.get(d + " bytes")).isEqualTo(l.backlogBytes());
        assertThat(read.get(d + " lag")).isEqualTo(l.oldestPendingAge().toNanos() / 1e9);
        assertThat(read.get(d + " p50")).isEqualTo(l.completionP50().toNanos() / 1e9);
        assertThat(read.get(d + " p99")).isEqualTo(l.completionP99().toNanos() / 1e9);
        assertThat(read.get(d + " dead")).isEqualTo(l.deadLetteredCopies());
        assertThat(read.get(d + " abandoned")).isEqualTo(l.abandonedCopies());
      }
      // the engine's figures, not zeros: the ten copies the secondary failed wait there, 30 s old
      assertThat(read.get("secondary copies")).isEqualTo(10);
      assertThat(read.get("secondary lag")).isEqualTo(30);
      assertThat(read.get("primary copies")).isZero();
      assertThat(seconds("dualpush.destination.lag.budget", "primary"))
          .isEqualTo(lag.get("primary").recoveryPointBudget().orElseThrow().toSeconds())
          .isEqualTo(DestinationOptions.DEFAULT_RECOVERY_POINT_BUDGET.toSeconds());
      assertThat(registry.find("dualpush.destination.lag.budget").tags("destination", "secondary").meters())
          .as("no budget set, no gauge").isEmpty();
    }

    private double seconds(String name, String destination) {
      return registry.get(name).tags("destination", destination).timeGauge().value(TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("read the client once per snapshot interval, on the registry's clock")
    void snapshot() {
      pushThroughAnOutage();
      double before = registry.get("dualpush.backlog.transactions").gauge().value();

      push(PushRequest.of("down/late", bytes("late")));
      await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().inFlightPushes() == 0);

      assertThat(client.stats().openTransactions()).isEqualTo((int) before + 1);
      assertThat(registry.get("dualpush.backlog.transactions").gauge().value()).isEqualTo(before);
      registryClock.add(Duration.ofSeconds(1));
      assertThat(registry.get("dualpush.backlog.transactions").gauge().value()).isEqualTo(before + 1);
    }

    @Test
    @DisplayName("never throw once the client is closed: each reads its last figure or NaN")
    void closedClient() {
      pushThroughAnOutage();
      client.close();
      registryClock.add(Duration.ofSeconds(1));

      for (Meter meter : registry.getMeters()) {
        meter.measure().forEach(m -> assertThat(Double.isNaN(m.getValue()) || Double.isFinite(m.getValue()))
            .as(meter.getId().toString()).isTrue());
      }
    }

    @Test
    @DisplayName("do not keep a closed client alive: the registry and the binder hold it weakly, and then read NaN")
    void weakHold() {
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      DualPushMetrics m = DualPushMetrics.ofDefaults();
      WeakReference<DualPushAsyncClient> gone = closedClientBoundTo(m, other);

      await().atMost(Duration.ofSeconds(30)).until(() -> {
        System.gc();
        return gone.get() == null;
      });
      assertThat(other.get("dualpush.backlog.transactions").gauge().value()).isNaN();
      assertThat(other.get("dualpush.destination.backlog.copies").tags("destination", "primary").gauge().value()).isNaN();
      assertThat(other.get("dualpush.pushes").tags("outcome", "acknowledged").functionCounter().count())
          .as("the binder's own counts outlive the client").isEqualTo(1);
      Reference.reachabilityFence(m);
      m.close();
    }

    private WeakReference<DualPushAsyncClient> closedClientBoundTo(DualPushMetrics m, SimpleMeterRegistry r) {
      DualPushClient c = newClient(m);
      m.attach(c).bindTo(r);
      c.push("k", bytes("v"));
      c.close();
      return new WeakReference<>(c.async());
    }

    @Test
    @DisplayName("read NaN, without throwing, while the client cannot be read, and its figures again once it can")
    void unreadable() {
      UnreadableLog log = new UnreadableLog();
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      try (DualPushMetrics m = DualPushMetrics.builder().snapshotInterval(Duration.ZERO).build();
          DualPushClient second = new DualPushClientBuilder().destination("primary", primary)
              .transactionLog(log).listener(m).buildClient()) {
        m.attach(second).bindTo(other);
        log.broken = true;
        assertThatThrownBy(second::stats).as("the client's own read fails").isInstanceOf(IllegalStateException.class);

        assertThat(other.get("dualpush.backlog.transactions").gauge().value()).isNaN();
        assertThat(other.get("dualpush.lag.oldest").timeGauge().value(TimeUnit.SECONDS)).isNaN();
        assertThat(other.get("dualpush.in.flight").gauge().value()).isNaN();
        // Micrometer's gauges turn a throwing function into NaN themselves, with a warning: the reading must not throw
        assertThat(new ClientReadings(second.async(), registryClock, 0).stats(DualPushStats::openTransactions)).isNaN();

        log.broken = false;
        assertThat(other.get("dualpush.backlog.transactions").gauge().value()).isEqualTo(second.stats().openTransactions());
        assertThat(other.get("dualpush.in.flight").gauge().value()).isZero();
      }
    }

    @Test
    @DisplayName("read NaN for a destination the client does not report")
    void unknownDestination() {
      ClientReadings readings = new ClientReadings(client.async(), registryClock, 0);
      assertThat(readings.lag("primary", DestinationLag::backlogCopies))
          .isEqualTo(client.lag().get("primary").backlogCopies());
      assertThat(readings.lag("no-such-destination", DestinationLag::backlogCopies)).isNaN();
    }
  }

  /** A log whose open summary cannot be read while {@code broken}, as a closed file log's cannot. */
  static final class UnreadableLog implements TransactionLog {
    private final InMemoryTransactionLog log = new InMemoryTransactionLog();
    volatile boolean broken;

    @Override
    public void append(LogEntry entry) {
      log.append(entry);
    }

    @Override
    public void appendBuffered(LogEntry entry) {
      log.appendBuffered(entry);
    }

    @Override
    public Optional<TransactionRecord> read(String transactionId) {
      return log.read(transactionId);
    }

    @Override
    public Optional<TransactionRecord> latest(String key) {
      return log.latest(key);
    }

    @Override
    public List<TransactionRecord> open() {
      return log.open();
    }

    @Override
    public OpenPage openPage(long position, int limit) {
      return log.openPage(position, limit);
    }

    @Override
    public OpenSummary openSummary() {
      if (broken) {
        throw new IllegalStateException("log closed");
      }
      return log.openSummary();
    }

    @Override
    public List<TransactionRecord> deadLettered() {
      return log.deadLettered();
    }

    @Override
    public List<TransactionRecord> recent(int limit) {
      return log.recent(limit);
    }

    @Override
    public void checkpoint() {
      log.checkpoint();
    }

    @Override
    public void close() {
      log.close();
    }
  }

  @Nested
  @DisplayName("meters")
  class Meters {
    @Test
    @DisplayName("follow Micrometer's naming conventions, all named dualpush.* and tagged by destination and region")
    void naming() {
      Set<String> names = registry.getMeters().stream().map(m -> m.getId().getName())
          .collect(Collectors.toCollection(TreeSet::new));
      assertThat(names).containsExactlyInAnyOrder(
          "dualpush.pushes", "dualpush.repairs", "dualpush.dead.letters", "dualpush.alerts",
          "dualpush.copies", "dualpush.copy.duration", "dualpush.destination.outages", "dualpush.destination.up",
          "dualpush.backlog.transactions", "dualpush.lag.oldest", "dualpush.in.flight",
          "dualpush.destination.backlog.copies", "dualpush.destination.backlog.bytes", "dualpush.destination.lag",
          "dualpush.destination.completion", "dualpush.destination.lag.budget", "dualpush.destination.dead.letters",
          "dualpush.destination.abandoned");
      for (String name : names) {
        assertThat(name).matches("dualpush(\\.[a-z]+)+").doesNotEndWith(".total");
      }
      for (Meter meter : registry.getMeters()) {
        Meter.Id id = meter.getId();
        boolean perDestination = id.getName().startsWith("dualpush.destination.") || id.getName().startsWith("dualpush.cop");
        if (perDestination) {
          assertThat(id.getTag("destination")).as(id.toString()).isIn("primary", "secondary");
          assertThat(id.getTag("region")).as(id.toString())
              .isEqualTo(id.getTag("destination").equals("primary") ? "eastus2" : "none");
        } else {
          assertThat(id.getTag("destination")).as(id.toString()).isNull();
        }
        assertThat(id.getDescription()).as(id.toString()).isNotBlank();
      }
      assertThat(registry.get("dualpush.destination.backlog.bytes").gauges())
          .allSatisfy(g -> assertThat(g.getId().getBaseUnit()).isEqualTo("bytes"));
      assertThat(registry.get("dualpush.destination.lag").meters())
          .allSatisfy(m -> assertThat(m).isInstanceOf(TimeGauge.class));
      assertThat(registry.get("dualpush.copies").meters()).hasSize(2 * COPY_OUTCOMES.length);
      assertThat(registry.get("dualpush.alerts").functionCounters()).hasSize(Alert.Type.values().length);
    }

    @Test
    @DisplayName("publish no percentile histogram of copy durations by default")
    void noHistogram() {
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      Map<String, Boolean> histograms = recordHistogramConfig(other);
      try (DualPushMetrics m = DualPushMetrics.ofDefaults(); DualPushClient second = newClient(m)) {
        m.attach(second).bindTo(other);
        assertThat(histograms).doesNotContainEntry("dualpush.copy.duration", true);
        assertThat(other.get("dualpush.copy.duration").meters()).isNotEmpty()
            .allSatisfy(meter -> assertThat(meter).isInstanceOf(FunctionTimer.class));
      }
    }

    /** What each meter asked for, as a backend's filter sees it. */
    private Map<String, Boolean> recordHistogramConfig(SimpleMeterRegistry r) {
      Map<String, Boolean> seen = new java.util.concurrent.ConcurrentHashMap<>();
      r.config().meterFilter(new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
          seen.merge(id.getName(), Boolean.TRUE.equals(config.isPercentileHistogram()), Boolean::logicalOr);
          return config;
        }
      });
      return seen;
    }

    @Test
    @DisplayName("carry the builder's tags")
    void extraTags() {
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      Map<String, Boolean> histograms = recordHistogramConfig(other);
      try (DualPushMetrics tagged = DualPushMetrics.builder().tags(Tags.of("client", "ingest"))
          .percentileHistogram(true).build();
          DualPushClient second = newClient(tagged)) {
        tagged.attach(second).bindTo(other);
        second.push("k", bytes("v"));

        assertThat(other.getMeters()).isNotEmpty()
            .allSatisfy(m -> assertThat(m.getId().getTag("client")).as(m.getId().toString()).isEqualTo("ingest"));
        assertThat(histograms).as("percentile histogram on").containsEntry("dualpush.copy.duration", true);
        assertThat(other.get("dualpush.copy.duration").tags("outcome", "written").timers()).isNotEmpty()
            .allSatisfy(t -> assertThat(t.count()).isPositive());
      }
    }

    @Test
    @DisplayName("bound before the client is attached, appear when it is; counters count from the client's start")
    void bindFirst() {
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      try (DualPushMetrics early = DualPushMetrics.builder().build()) {
        early.bindTo(other);
        try (DualPushClient second = newClient(early)) {
          second.push("k", bytes("v"));
          assertThat(other.find("dualpush.copies").meters()).isEmpty();
          assertThat(other.get("dualpush.pushes").tags("outcome", "acknowledged").functionCounter().count()).isEqualTo(1);

          early.attach(second);

          assertThat(other.get("dualpush.copies").tags("destination", "primary", "outcome", "written")
              .functionCounter().count()).isEqualTo(1);
          assertThat(other.get("dualpush.backlog.transactions").gauge().value()).isEqualTo(second.stats().openTransactions());
        }
      }
    }

    @Test
    @DisplayName("are registered once when the same registry is bound twice, and removed on close")
    void bindTwiceAndClose() {
      int registered = registry.getMeters().size();
      metrics.bindTo(registry);
      assertThat(registry.getMeters()).hasSize(registered);
      push(PushRequest.of("k", bytes("v")));
      assertThat(timer("primary", "written")).as("recorded once, not once per bindTo").isEqualTo(1);

      metrics.close();

      assertThat(registry.getMeters()).isEmpty();
      assertThatThrownBy(() -> metrics.bindTo(registry)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Nested
  @DisplayName("configuration")
  class Configuration {
    @Test
    @DisplayName("refuses a second client")
    void secondClient() {
      assertThatThrownBy(() -> metrics.attach(client)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already attached");
    }

    @Test
    @DisplayName("refuses tags that use its own keys, bad intervals and settings given twice, naming the field")
    void builder() {
      assertThatThrownBy(() -> DualPushMetrics.builder().tags(List.of(Tag.of("destination", "x"))))
          .isInstanceOf(InvalidInputException.class).extracting(e -> ((InvalidInputException) e).field()).isEqualTo("tags");
      assertThatThrownBy(() -> DualPushMetrics.builder().snapshotInterval(Duration.ofSeconds(-1)))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("snapshotInterval");
      assertThatThrownBy(() -> DualPushMetrics.builder().percentileHistogram(true).percentileHistogram(false))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("percentileHistogram was already set to true");
      assertThatThrownBy(() -> metrics.attach((DualPushClient) null))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("client");
    }
  }
}
