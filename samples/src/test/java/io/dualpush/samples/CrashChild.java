package io.dualpush.samples;

import io.dualpush.DualPushAsyncClient;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushContent;
import io.dualpush.PushRequest;
import io.dualpush.local.FileSystemDestination;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * The process the crash harness kills: pushes every file under SOURCE to two directories through
 * the API, with the file log, and prints {@code ACK key transactionId md5} for each push the
 * moment it is acknowledged. Recovery of what an earlier kill left open runs when the client is
 * built, as in any job.
 *
 * <p>Usage: {@code CrashChild SOURCE PRIMARY SECONDARY LOG}
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path source = Path.of(args[0]);
    PrintStream out = System.out;
    List<Path> files;
    try (Stream<Path> s = Files.walk(source)) {
      files = new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
    }
    try (DualPushAsyncClient client = new DualPushClientBuilder()
        .destination("primary", new FileSystemDestination(Path.of(args[1])))
        .destination("secondary", new FileSystemDestination(Path.of(args[2])))
        .transactionLog(Path.of(args[3]))
        .buildAsyncClient()) {
      synchronized (out) {
        out.println("READY");
        out.flush();
      }
      Semaphore window = new Semaphore(32);
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (Path file : files) {
        String key = source.relativize(file).toString().replace('\\', '/');
        window.acquire();
        all.add(client.push(PushRequest.of(key, PushContent.ofFile(file))).whenComplete((receipt, error) -> {
          window.release();
          if (error == null) {
            synchronized (out) {
              out.println("ACK " + key + " " + receipt.transactionId() + " " + receipt.md5());
              out.flush();
            }
          }
        }));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    }
    synchronized (out) {
      out.println("DONE");
      out.flush();
    }
  }
}
