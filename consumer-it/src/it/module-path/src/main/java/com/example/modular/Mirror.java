package com.example.modular;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.local.FileSystemDestination;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Pushes one object to two local directories with a file log, through the public API only. */
public final class Mirror {
  private Mirror() {}

  /** Pushes {@code text} under {@code key}; returns the receipt. */
  public static PushReceipt push(Path primary, Path secondary, Path log, String key, String text) {
    try (DualPushClient client = new DualPushClientBuilder()
        .destination(DestinationOptions.builder("primary").build(), new FileSystemDestination(primary))
        .destination(DestinationOptions.builder("secondary").build(), new FileSystemDestination(secondary))
        .transactionLog(log)
        .buildClient()) {
      return client.push(PushRequest.builder(key, PushContent.ofBytes(text.getBytes(StandardCharsets.UTF_8))).build());
    }
  }
}
