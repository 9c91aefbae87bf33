package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.DedupeClaim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM marks ids done in the embedded {@link FileDedupeStore} from several threads and prints each id once
 * its {@code markDone} returned; it is SIGKILLed at a random instant, the store is reopened in this JVM, and every
 * printed id must answer {@code DUPLICATE} (before the marks were written through, the last 200 ms of them were lost
 * to a kill). Kills: {@code -Ddualpush.crash.kills} (25).
 */
@DisplayName("FileDedupeStore keeps every done mark across SIGKILLs")
class KillNineFileDedupeIT {
  private static final int KILLS = Integer.getInteger("dualpush.crash.kills", 25);
  private static final int THREADS = 4;

  @TempDir
  Path dir;

  @Test
  @DisplayName("every id whose markDone returned before the kill answers DUPLICATE after a reopen")
  void marksSurviveKills() throws Exception {
    Path logDir = Files.createDirectories(dir.resolve("log"));
    Random random = new Random(Long.getLong("dualpush.crash.seed", System.nanoTime()));
    List<String> all = new ArrayList<>();
    for (int run = 0; run < KILLS; run++) {
      List<String> printed = new ArrayList<>();
      try (ChildJvm child = ChildJvm.start("marker-" + run, DoneMarkWorkerMain.class, dir,
          List.of(logDir.toString(), "r" + run, String.valueOf(THREADS)))) {
        child.await(0, l -> l.is("MARKED"), Duration.ofMinutes(1), "a first mark");
        // A random instant while it marks; the sleep only picks the instant, nothing waits on it.
        Thread.sleep(random.nextInt(400));
        child.kill();
        child.awaitEnd(Duration.ofMinutes(1));
        for (ChildJvm.Line line : child.lines(0, l -> l.is("MARKED") && l.text().endsWith(" END"))) {
          printed.add(line.text().split(" ")[1]);
        }
      }
      assertThat(printed).as("run %d marked something before its kill", run).isNotEmpty();
      try (FileTransactionLog log = FileTransactionLog.open(logDir);
          FileDedupeStore store = FileDedupeStore.open(log, Duration.ofDays(1), Clock.systemUTC())) {
        List<String> forgotten = new ArrayList<>();
        for (String id : all) {
          if (store.claim(id, Duration.ofMinutes(5)).status() != DedupeClaim.Status.DUPLICATE) {
            forgotten.add(id);
          }
        }
        for (String id : printed) {
          if (store.claim(id, Duration.ofMinutes(5)).status() != DedupeClaim.Status.DUPLICATE) {
            forgotten.add(id);
          }
        }
        assertThat(forgotten).as("ids marked done before kill %d, claimable again after it (of %d printed)", run,
            printed.size()).isEmpty();
      }
      all.addAll(printed);
    }
    System.out.println("FIGURE file dedupe crash: " + KILLS + " SIGKILLs, " + all.size()
        + " ids marked done before a kill, every one DUPLICATE after it");
  }
}
