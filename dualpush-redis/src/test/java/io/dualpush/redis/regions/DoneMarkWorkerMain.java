package io.dualpush.redis.regions;

import io.dualpush.local.FileDedupeStore;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.spi.DedupeClaim;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker process for {@link KillNineFileDedupeIT}: several threads claim and mark done ids {@code <run>-<thread>-<n>}
 * in the embedded {@link FileDedupeStore} of a file log, printing {@code MARKED <id> END} after each
 * {@code markDone} returned, until killed.
 *
 * <p>Arguments: log directory, run number, threads.
 */
public final class DoneMarkWorkerMain {
  private DoneMarkWorkerMain() {}

  public static void main(String[] args) throws Exception {
    FileTransactionLog log = FileTransactionLog.open(Path.of(args[0]));
    FileDedupeStore store = FileDedupeStore.open(log, Duration.ofDays(1), Clock.systemUTC());
    String run = args[1];
    int threads = Integer.parseInt(args[2]);
    System.out.println("STARTED");
    List<Thread> markers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String prefix = run + "-" + t + "-";
      Thread marker = new Thread(() -> {
        for (long n = 0; ; n++) {
          String id = prefix + n;
          if (store.claim(id, Duration.ofMinutes(5)).status() != DedupeClaim.Status.CLAIMED) {
            throw new IllegalStateException(id + " was not claimable");
          }
          store.markDone(id, "outcome-" + id, Duration.ofDays(1));
          // One write of the whole line (System.out flushes each println at once).
          System.out.println("MARKED " + id + " END");
        }
      }, "marker-" + t);
      markers.add(marker);
      marker.start();
    }
    for (Thread marker : markers) {
      marker.join();
    }
  }
}
