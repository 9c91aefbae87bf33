package com.example.modular;

import io.dualpush.client.FailoverReadClient;
import io.dualpush.client.FailoverReadClientBuilder;
import io.dualpush.client.ReadEndpoint;
import io.dualpush.client.ReadRequest;
import io.dualpush.client.ReadResult;
import io.dualpush.local.FileSystemDestination;
import java.net.URI;
import java.nio.file.Path;

/** Reads one object back through the failover read client, from a local directory or an HTTP endpoint. */
public final class Reader {
  private Reader() {}

  /** Reads {@code key} from {@code primary}, failing over to {@code edge}; returns what served it and the bytes. */
  public static ReadResult read(Path primary, URI edge, String key) {
    try (FailoverReadClient reader = new FailoverReadClientBuilder()
        .endpoint(ReadEndpoint.of("primary", new FileSystemDestination(primary)))
        .endpoint(ReadEndpoint.http("edge", edge).withPriority(1))
        .buildClient()) {
      return reader.read(ReadRequest.of(key)).orElseThrow();
    }
  }
}
