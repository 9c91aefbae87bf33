package io.dualpush.samples.drill;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The producer's handle on one region child JVM ({@link DrillRegion}): starts it, sends it lines, and turns each line
 * it prints into an {@link Event} on the drill's queue, stamped with the producer's clock when read. Its stderr goes
 * to a file beside the destinations. Thread-safe.
 */
final class RegionProcess {
  /** One line a region printed, as the producer received it. */
  record Event(RegionProcess region, String kind, List<String> words, long receivedNanos) {}

  private final String name;
  private final Process process;
  private final Path stderr;
  private final OutputStream stdin;

  private RegionProcess(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.stdin = process.getOutputStream();
  }

  /** Starts {@code java -cp CLASSPATH DrillRegion ARGS}; each line it prints goes to {@code events}. */
  static RegionProcess start(String name, List<String> args, Path stderr, BlockingQueue<Event> events)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A region is small and short-lived: a small heap, C1 only and the serial collector start it fastest.
    cmd.addAll(List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), DrillRegion.class.getName(), "--name", name));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    RegionProcess region = new RegionProcess(name, p, stderr);
    Thread reader = new Thread(() -> region.read(events), "drill-" + name);
    reader.setDaemon(true);
    reader.start();
    return region;
  }

  private void read(BlockingQueue<Event> events) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        List<String> words = List.of(line.strip().split(" "));
        events.add(new Event(this, words.get(0), words, System.nanoTime()));
      }
    } catch (IOException e) {
      // the pipe broke: the region is gone, which EXITED says
    }
    events.add(new Event(this, "EXITED", List.of("EXITED"), System.nanoTime()));
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends one line; false when the region is gone. */
  synchronized boolean send(String line) {
    try {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGKILL: the region gets no chance to release its lease or finish a push. */
  void kill() {
    process.destroyForcibly();
  }

  /** Asks the region to release its lease and exit; kills it if it has not exited within the timeout. */
  void close(long timeoutSeconds) {
    send("close");
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The file the region's stderr goes to. */
  Path stderrFile() {
    return stderr;
  }

  @Override
  public String toString() {
    return name;
  }
}
