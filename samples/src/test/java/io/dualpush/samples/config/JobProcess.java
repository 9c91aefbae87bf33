package io.dualpush.samples.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged samples jar ({@code java -jar target/dualpush-samples.jar}) as a child process, the
 * way users run it; stdout and stderr go to files (a chatty child never blocks on a pipe), stdin
 * stays an open pipe until {@link #closeStdin()}.
 */
final class JobProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();

  private final String name;
  private final Process process;
  private final Path out;
  private final Path err;

  private JobProcess(String name, Process process, Path out, Path err) {
    this.name = name;
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static JobProcess start(String name, Path dir, Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("the shaded samples jar is built by the package phase").exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("LANG", "C.UTF-8");
    pb.environment().putAll(env);
    return new JobProcess(name, pb.start(), out, err);
  }

  /** Runs to the end (bounded) and returns the exit code. */
  static JobProcess run(String name, Path dir, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    JobProcess p = start(name, dir, env, args);
    p.closeStdin();
    if (!p.process.waitFor(300, TimeUnit.SECONDS)) {
      p.close();
      throw new AssertionError(name + " did not finish within 300 s; " + p);
    }
    return p;
  }

  String out() {
    return read(out);
  }

  String err() {
    return read(err);
  }

  com.fasterxml.jackson.databind.JsonNode json() {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out());
    } catch (IOException e) {
      throw new AssertionError("not one JSON object: " + this, e);
    }
  }

  int exitCode() {
    return process.exitValue();
  }

  Process process() {
    return process;
  }

  void closeStdin() throws IOException {
    process.getOutputStream().close();
  }

  /** SIGKILL (destroyForcibly on a child JVM), then waits for it to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return name + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")") + "\nstdout:\n" + out()
        + "\nstderr:\n" + err();
  }
}
