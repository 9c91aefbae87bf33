package io.dualpush.redis.regions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM started from the test JVM's own class path, whose stdout is read line by line (one
 * event a line) into a list the test waits on. Its stderr goes to a file of its own, quoted when a
 * wait times out, so a failing test shows why the child did what it did.
 *
 * <p>Times in the children's lines are {@link System#nanoTime()} values: on Linux HotSpot reads
 * {@code CLOCK_MONOTONIC}, which every process on the machine shares, so the parent compares them
 * with its own readings (a kill, a pause) directly.
 */
final class ChildJvm implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stderr;
  private final List<Line> lines = new ArrayList<>();
  private final Writer stdin;
  private boolean ended;

  /** One line of the child's stdout, with the parent's monotonic time of reading it. */
  record Line(String text, long readAt) {
    /** The value of {@code name=value} in the line, if present. */
    Optional<String> field(String field) {
      for (String word : text.split(" ")) {
        if (word.startsWith(field + "=")) {
          return Optional.of(word.substring(field.length() + 1));
        }
      }
      return Optional.empty();
    }

    long longField(String field) {
      return Long.parseLong(field(field).orElseThrow(() -> new AssertionError("no " + field + "= in: " + text)));
    }

    boolean is(String event) {
      return text.startsWith(event + " ") || text.equals(event);
    }
  }

  private ChildJvm(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::read, "child-" + name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code main} in a child JVM with the test JVM's class path and {@code -Xmx} from the
   * system property {@code dualpush.child.xmx} (128m unless set).
   */
  static ChildJvm start(String name, Class<?> main, Path workDir, List<String> args) throws IOException {
    Files.createDirectories(workDir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + System.getProperty("dualpush.child.xmx", "128m"),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    Path err = workDir.resolve(name + ".stderr");
    Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
    return new ChildJvm(name, p, err);
  }

  private void read() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String text;
      while ((text = in.readLine()) != null) {
        long now = System.nanoTime();
        synchronized (lines) {
          lines.add(new Line(text, now));
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      // The child was killed: its pipe closed; what was read stays.
    }
    synchronized (lines) {
      ended = true;
      lines.notifyAll();
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  /** A copy of every line read so far. */
  List<Line> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /** Lines read so far, from index {@code from} on, that satisfy {@code test}. */
  List<Line> lines(int from, Predicate<Line> test) {
    synchronized (lines) {
      return lines.subList(Math.min(from, lines.size()), lines.size()).stream().filter(test).toList();
    }
  }

  int lineCount() {
    synchronized (lines) {
      return lines.size();
    }
  }

  /** The first line at or after index {@code from} that satisfies {@code test}, waiting up to {@code timeout}. */
  Line await(int from, Predicate<Line> test, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (true) {
        for (int i = from; i < lines.size(); i++) {
          if (test.test(lines.get(i))) {
            return lines.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended) {
          throw new AssertionError(name + ": no " + what + (ended ? " before its output ended" : " within " + timeout)
              + "; alive=" + process.isAlive()
              + "; last lines:\n" + tail(lines, 15) + "\nstderr:\n" + stderrTail());
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** The first line at or after {@code from} naming {@code event}. */
  Line await(int from, String event, Duration timeout) throws InterruptedException {
    return await(from, l -> l.is(event), timeout, event);
  }

  /** Waits until the child's stdout ended (it exited or was killed), so every line it wrote has been read. */
  void awaitEnd(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (!ended) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(name + ": its output did not end within " + timeout + "; alive=" + process.isAlive());
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** Sends one command line to the child's stdin. */
  void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  /** SIGKILL, as {@code kill -9}: no shutdown hook runs, nothing is released. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP: the whole JVM freezes, as in a long GC pause or a suspended VM. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  boolean waitForExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  int exitValue() {
    return process.exitValue();
  }

  String stderrTail() {
    try {
      List<String> all = Files.readAllLines(stderr);
      return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  private static String tail(List<Line> lines, int n) {
    StringBuilder b = new StringBuilder();
    for (Line l : lines.subList(Math.max(0, lines.size() - n), lines.size())) {
      b.append("  ").append(l.text()).append('\n');
    }
    return b.toString();
  }

  /** Kills the child if still running (a SIGCONT first, so a stopped one can die). */
  @Override
  public void close() throws IOException, InterruptedException {
    if (process.isAlive()) {
      try {
        resume();
      } catch (IOException ignored) {
        // gone meanwhile
      }
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "child " + name + " (pid " + process.pid() + ")";
  }
}
