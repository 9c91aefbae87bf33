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
