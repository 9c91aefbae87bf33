package com.example.modular;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.micrometer.DualPushMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Pushes one object with dualpush's Micrometer binder bound to a registry, through the public API only. */
public final class Metered {
  private Metered() {}

  /** Pushes {@code text} under {@code key}; returns the acknowledged pushes the registry counted. */
  public static double acknowledgedPushes(Path primary, Path secondary, Path log, String key, String text) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (DualPushMetrics metrics = DualPushMetrics.ofDefaults();
        DualPushClient client = new DualPushClientBuilder()
            .destination(DestinationOptions.builder("primary").build(), new FileSystemDestination(primary))
            .destination(DestinationOptions.builder("secondary").build(), new FileSystemDestination(secondary))
            .transactionLog(log)
            .listener(metrics)
            .buildClient()) {
      metrics.attach(client).bindTo(registry);
      client.push(key, text.getBytes(StandardCharsets.UTF_8));
      return registry.get("dualpush.pushes").tag("outcome", "acknowledged").functionCounter().count();
    }
  }
}
