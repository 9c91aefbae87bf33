import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushReceipt;
import io.dualpush.RetryOptions;
import io.dualpush.TransactionState;
import io.dualpush.testkit.FaultInjectingDestination;
import io.dualpush.testkit.InMemoryDestination;
import io.dualpush.testkit.InMemoryTransactionLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user's own tests do with dualpush: run README's example, and test a push with the testkit's fakes. */
class ConsumerTest {

  @Test
  void readmeExamplePushesToEveryLocalRegion(@TempDir Path tmp) throws Exception {
    byte[] csv = "day,amount\n2026-11-24,42\n".getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(tmp.resolve("2026-11-24.csv"), csv);
    Path primary = Files.createDirectory(tmp.resolve("primary"));
    Path dr = Files.createDirectory(tmp.resolve("dr"));
    Path edge = Files.createDirectory(tmp.resolve("edge"));
    Path log = tmp.resolve("state").resolve("log"); // missing: transactionLog(Path) creates it

    PushOneFile.main(new String[] {file.toString(), primary.toString(), dr.toString(), edge.toString(), log.toString()});

    for (Path region : new Path[] {primary, dr, edge}) {
      assertArrayEquals(csv, Files.readAllBytes(region.resolve("gold/sales/2026-11-24.csv")), region.toString());
    }
    assertTrue(Files.isDirectory(log));
  }

  @Test
  void readmeReadExampleFailsOverToAHealthyCopy(@TempDir Path tmp) throws Exception {
    Path primary = Files.createDirectory(tmp.resolve("primary"));
    Path dr = Files.createDirectory(tmp.resolve("dr"));
    byte[] bytes = "day,amount\n2026-12-01,7\n".getBytes(StandardCharsets.UTF_8);
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (DualPushClient pusher = new DualPushClientBuilder()
        .destination("primary", new io.dualpush.local.FileSystemDestination(primary))
        .destination("dr", new io.dualpush.local.FileSystemDestination(dr))
        .transactionLog(tmp.resolve("log"))
        .buildClient()) {
      PushReceipt receipt = pusher.push("gold/daily.csv", bytes);
      // The edge is down (a closed port) and the primary's copy was damaged on disk: the DR copy is served.
      Files.write(primary.resolve("gold/daily.csv"), "day,amount\n2026-12-01,8\n".getBytes(StandardCharsets.UTF_8));
      io.dualpush.client.ReadResult result = ReadWithFailover.readBack(pusher, receipt, primary, dr,
          java.net.URI.create("http://127.0.0.1:" + closedPort + "/data/"));
      assertArrayEquals(bytes, result.toByteArray());
      assertEquals("dr", result.endpointId(), result.toString());
    }
  }

  @Test
  void testkitFakesRetryAFailedCopyUntilVerified() {
    InMemoryDestination primary = new InMemoryDestination("primary");
    FaultInjectingDestination dr = FaultInjectingDestination.wrap(new InMemoryDestination("dr")).failNext(1);
    byte[] bytes = "hello".getBytes(StandardCharsets.UTF_8);
    try (DualPushClient client = new DualPushClientBuilder()
        .destination(DestinationOptions.of("primary"), primary)
        .destination(DestinationOptions.of("dr"), dr)
        .transactionLog(new InMemoryTransactionLog())
        .retry(RetryOptions.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).build())
        .buildClient()) {
      PushReceipt receipt = client.push("a/b.txt", bytes);
      assertEquals(TransactionState.VERIFIED, receipt.state(), receipt.describeCopies());
    }
    assertArrayEquals(bytes, primary.bytes("a/b.txt").orElseThrow());
    assertEquals(1, dr.injectedFailures());
  }
}
