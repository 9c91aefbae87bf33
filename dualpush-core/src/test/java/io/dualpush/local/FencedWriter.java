package io.dualpush.local;

import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.Md5;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Run in a separate JVM by {@link FileSystemFencingProcessesIT}: one region's late writer. Arguments: the
 * destination directory, the key, its parity (0 or 1) and how many writes. Waits for the file {@code go} in
 * the directory's parent, then writes tokens {@code 2k + parity}, k = 1..count, each fenced, and prints
 * {@code ACCEPTED <highest accepted token> <writes accepted> <writes refused>}.
 */
public final class FencedWriter {
  private FencedWriter() {}

  /**
   * Runs the writes.
   *
   * @param args directory, key, parity, count
   * @throws Exception on any failure but a stale token, which is counted
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String key = args[1];
    int parity = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    Path go = dir.getParent().resolve("go");
    while (!Files.exists(go)) {
      Thread.sleep(1);
    }
    FileSystemDestination destination = new FileSystemDestination(dir);
    long highest = 0;
    int accepted = 0;
    int refused = 0;
    for (int k = 1; k <= count; k++) {
      long token = 2L * k + parity;
      byte[] bytes = ("token " + token).getBytes(StandardCharsets.UTF_8);
      try {
        destination.put(new WriteRequest(key, bytes.length, Md5.of(bytes), "text/plain", Map.of(), "txn-" + token,
            "", OptionalLong.of(token), () -> new ByteArrayInputStream(bytes)));
        highest = token;
        accepted++;
      } catch (StaleFencingTokenException e) {
        refused++;
      }
    }
    System.out.println("ACCEPTED " + highest + " " + accepted + " " + refused);
  }
}
