package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import io.dualpush.MessageHandler;
import io.dualpush.MessageHandlerException;
import io.dualpush.MessageProcessor;
import io.dualpush.ReplayBacklog;
import io.dualpush.ReplayReport;
import io.dualpush.Replayer;
import io.dualpush.testkit.AzuriteExtension;
import io.dualpush.testkit.InMemoryDedupeStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Write-ahead copies of messages in an Azure container (Azurite), replayed after an outage of the downstream. */
@DisplayName("Replay of messages stored in Azure Blob Storage (Azurite)")
class AzureReplayIT {
  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("replay");

  @Test
  @DisplayName("the dry run counts what the replay then processes, each message once, resuming from a checkpoint in the container")
  void replayFromAzure() {
    BlobContainerClient container = AzuriteClients.freshContainer(AzuriteClients.service(azurite));
    InMemoryDedupeStore dedupe = new InMemoryDedupeStore();
    MessageProcessor processor = MessageProcessor.builder().dedupeStore(dedupe)
        .messageStore(new AzureBlobDestination(container)).build();
    Map<String, Integer> effects = new ConcurrentHashMap<>();
    AtomicBoolean down = new AtomicBoolean();
    MessageHandler handler = ctx -> {
      if (down.get()) {
        throw new IllegalStateException("downstream down");
      }
      effects.merge(ctx.messageId(), 1, Integer::sum);
      return "ok";
    };
    long bytes = 0;
    for (int i = 0; i < 90; i++) {
      String id = "order/" + i;
      byte[] payload = ("order " + i + " ").repeat(1 + i % 5).getBytes(StandardCharsets.UTF_8);
      down.set(i % 3 != 0);
      try {
        processor.process(id, payload, handler);
      } catch (MessageHandlerException e) {
        bytes += payload.length;
      }
    }
    down.set(false);
    Replayer replayer = Replayer.messages(processor, handler).name("azure").pageSize(7).checkpointEvery(5).build();

    ReplayBacklog backlog = replayer.dryRun();
    ReplayReport report = replayer.run();

    assertThat(backlog.count()).isEqualTo(60);
    assertThat(backlog.bytes()).isEqualTo(bytes);
    assertThat(backlog.alreadyDone()).isEqualTo(30);
    assertThat(report.processed()).isEqualTo(60);
    assertThat(report.bytes()).isEqualTo(bytes);
    assertThat(report.complete()).isTrue();
    assertThat(effects).hasSize(90).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    assertThat(container.getBlobClient(Replayer.CHECKPOINT_PREFIX + "azure").exists()).isTrue();
    assertThat(replayer.checkpoint()).get().extracting(Replayer.Checkpoint::complete).isEqualTo(true);
    assertThat(replayer.dryRun().count()).isZero();
  }
}
