package io.dualpush.engine;

import io.dualpush.DualPushClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.DualPushEvent;
import io.dualpush.PushContent;
import io.dualpush.PushReceipt;
import io.dualpush.PushRequest;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The process {@link DedupeCrashIT} SIGKILLs: a client with every default on the file log in
 * {@code args[0]} and two directory destinations ({@code args[1]}, {@code args[2]}). Mode
 * {@code args[3]}:
 * <ul>
 *   <li>{@code done}: pushes message {@code args[4]} and prints {@code DONE <txn> <md5> <size>} once it
 *       is acknowledged (its id marked done), then waits to be killed;</li>
 *   <li>{@code started}: pushes message {@code args[4]} with the secondary's writes held forever and
 *       prints {@code STARTED <txn>} once its {@code Started} record is durable, then waits;</li>
 *   <li>{@code copied}: as {@code started}, but prints once the primary's copy is verified, so that
 *       recovery has a copy to repair the secondary from.</li>
 * </ul>
 */
public final class DedupeCrashChild {
  private DedupeCrashChild() {}

  /**
   * Runs the child.
   *
   * @param args log directory, primary directory, secondary directory, mode, message id
   * @throws Exception when the push fails (the parent then sees no line and fails)
   */
  public static void main(String[] args) throws Exception {
    boolean started = !args[3].equals("done");
    boolean copied = args[3].equals("copied");
    Destination secondary = new FileSystemDestination(Path.of(args[2]));
    if (started) {
      secondary = new GatedDestination(secondary).holdPuts();
    }
    DualPushClient client = new DualPushClientBuilder()
        .destination("primary", new FileSystemDestination(Path.of(args[1])))
        .destination("secondary", secondary)
        .transactionLog(Path.of(args[0]))
        .listener(e -> {
          if (started && !copied && e.type() == DualPushEvent.Type.PUSH_STARTED
              || copied && e.type() == DualPushEvent.Type.COPY_VERIFIED && e.destinationId().equals("primary")) {
            say("STARTED " + e.transactionId());
          }
        })
        .buildClient();
    PushRequest request = PushRequest.builder("gold/crash.csv",
        PushContent.ofBytes(("pushed by the child " + args[4]).getBytes(StandardCharsets.UTF_8))).messageId(args[4]).build();
    if (started) {
      client.async().push(request);
    } else {
      PushReceipt r = client.push(request);
      say("DONE " + r.transactionId() + " " + r.md5() + " " + r.size());
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
