package io.dualpush.redis.regions;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushRequest;
import io.dualpush.StagedHandoff;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A worker process for {@link KillNineStagedHandoffIT}: hands objects {@code obj/<i>.bin} off with a {@link
 * StagedHandoff} to two {@link FileSystemDestination}s with a file transaction log. On every start it first
 * finishes what an earlier, killed run left (repair of the log's open transactions, then
 * {@link StagedHandoff#resumePending}), then hands off every object not yet final on both destinations.
 *
 * <p>Arguments: primary directory, dr directory, log directory, object count.
 */
public final class HandoffWorkerMain {
  private HandoffWorkerMain() {}

  /** The object count's keys. */
  static String key(int i) {
    return "obj/" + i + ".bin";
  }

  /**
   * The source content of {@code key}: seeded random bytes whose size comes from the key, one object in ten
   * between 2 and 6 MiB (a put that takes a while), the rest up to 64 KiB.
   */
  static byte[] content(String key) {
    Random random = new Random(key.hashCode() * 31L + 7);
    int i = Integer.parseInt(key.substring(4, key.length() - 4));
    int size = i % 10 == 0 ? (2 << 20) + random.nextInt(4 << 20) : 1 + random.nextInt(64 << 10);
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  public static void main(String[] args) throws Exception {
    FileSystemDestination primary = new FileSystemDestination(Path.of(args[0]));
    FileSystemDestination dr = new FileSystemDestination(Path.of(args[1]));
    int n = Integer.parseInt(args[3]);
    try (DualPushClient client = new DualPushClientBuilder().destination("primary", primary)
        .destination("dr", dr).transactionLog(Path.of(args[2])).buildClient()) {
      StagedHandoff handoff = StagedHandoff.builder(client).destination("primary", primary).destination("dr", dr)
          .build();
      System.out.println("STARTED");
      client.repairAll();
      List<String> resumed = handoff.resumePending(4 * n);
      System.out.println("RESUMED " + resumed.size());
      for (int i = 0; i < n; i++) {
        String key = key(i);
        byte[] bytes = content(key);
        String md5 = Md5.of(bytes);
        if (holds(primary, key, md5) && holds(dr, key, md5)) {
          continue;
        }
        handoff.handoff(PushRequest.of(key, bytes));
        System.out.println("HANDED " + key);
      }
      System.out.println("DONE");
    }
  }

  private static boolean holds(Destination d, String key, String md5) {
    return d.head(key).flatMap(ObjectInfo::md5).map(md5::equals).orElse(false);
  }
}
