package io.dualpush.engine;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Alert;
import io.dualpush.spi.TransactionLog;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import io.dualpush.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/** Two regions and an optional edge on in-memory fakes, fast retries, repair driven by a manual clock. */
final class Fixture implements AutoCloseable {
  final ManualClock clock = new ManualClock();
  final InMemoryDestination primaryStore = new InMemoryDestination("primary", clock);
  final InMemoryDestination secondaryStore = new InMemoryDestination("secondary", clock);
  final InMemoryDestination edgeStore = new InMemoryDestination("edge", clock);
  final FaultInjectingDestination primary = FaultInjectingDestination.wrap(primaryStore);
  final FaultInjectingDestination secondary = FaultInjectingDestination.wrap(secondaryStore);
  final FaultInjectingDestination edge = FaultInjectingDestination.wrap(edgeStore);
  InMemoryTransactionLog log = new InMemoryTransactionLog();
  final List<Alert> alerts = new CopyOnWriteArrayList<>();
  final List<DualPushEvent> events = new CopyOnWriteArrayList<>();
  static final Duration REPAIR_DELAY = Duration.ofMinutes(1);
  DualPushClient client;

  static RepairOptions repair(int maxRetries) {
    return RepairOptions.builder().maxRetries(maxRetries).initialDelay(REPAIR_DELAY).maxDelay(Duration.ofMinutes(10))
        .scanInterval(Duration.ofMillis(5)).build();
  }

  DualPushClientBuilder builder(boolean withEdge) {
    DualPushClientBuilder b = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").region("eastus2").priority(1).timeout(Duration.ofSeconds(5)).build(), primary)
        .destination(DestinationOptions.builder("secondary").region("westus2").priority(2).timeout(Duration.ofSeconds(5)).build(), secondary)
        .transactionLog(log)
        .clock(clock)
        .alertSink(alerts::add)
        .listener(events::add)
        .retry(RetryOptions.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).build());
    if (withEdge) {
      b.destination(DestinationOptions.builder("edge-asia").region("southeastasia").priority(3).required(false)
          .timeout(Duration.ofSeconds(5)).build(), edge);
    }
    return b;
  }

  DualPushClient start(boolean withEdge, UnaryOperator<DualPushClientBuilder> more) {
    client = more.apply(builder(withEdge)).buildClient();
    return client;
  }

  DualPushClient start() {
    return start(false, b -> b.repair(repair(3)));
  }

  /** Lets the next repair round become due. */
  void nextRound() {
    clock.advance(Fixture.REPAIR_DELAY.multipliedBy(16));
  }

  List<Alert> alerts(Alert.Type type) {
    return alerts.stream().filter(a -> a.type() == type).toList();
  }

  List<DualPushEvent> events(DualPushEvent.Type type) {
    return events.stream().filter(e -> e.type() == type).toList();
  }

  TransactionLog log() {
    return log;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }
}
