package io.dualpush.samples.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged jar run as users run it, {@code java -jar target/dualpush-samples.jar drill ...}, as a child process
 * whose output goes to files (the JarCli pattern of the samples' other ITs).
 */
final class DrillJar {
  static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();

  final Process process;
  final Path out;
  final Path err;

  private DrillJar(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  static DrillJar start(Path dir, String... args) throws IOException {
    return start(dir, Map.of(), args);
  }

  /** Starts the drill with these environment variables added to this JVM's. */
  static DrillJar start(Path dir, Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("the shaded samples jar is built by the package phase").exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString(), "drill"));
    cmd.addAll(List.of(args));
    Files.createDirectories(dir);
    Path out = dir.resolve("cli.out");
    Path err = dir.resolve("cli.err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    return new DrillJar(p, out, err);
  }

  /** Waits for the exit, at most {@code seconds}. */
  int finish(int seconds) throws InterruptedException, IOException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("the drill did not finish within " + seconds + " s; stderr:\n" + err());
    }
    return process.exitValue();
  }

  String out() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  String err() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  JsonNode json() throws IOException {
    String text = out();
    try {
      return new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not one JSON object: " + text + "\nstderr:\n" + err(), e);
    }
  }

  /** The region JVMs of a run still alive, found by their command line. */
  static List<ProcessHandle> regionsOf(String run) {
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(DrillRegion.class.getName()) && c.contains(run))
            .orElse(false))
        .toList();
  }
}
