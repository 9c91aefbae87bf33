package io.dualpush.samples;

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
 * Runs the packaged CLI the way users run it: {@code java -jar target/dualpush-samples.jar} as a
 * child process (the shaded jar, not the build's classpath), under a UTF-8 locale unless told
 * otherwise. Its output goes to files, so a child that prints a lot never blocks on a full pipe.
 */
record JarCli(int code, String out, String err) {
  static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();

  static JarCli run(String... args) throws IOException, InterruptedException {
    return run(List.of(), Map.of(), 300, args);
  }

  /**
   * @param jvm options for the child JVM, before {@code -jar}
   * @param env variables added to the child's environment
   */
  static JarCli run(List<String> jvm, Map<String, String> env, int timeoutSeconds, String... args)
      throws IOException, InterruptedException {
    Process p = start(jvm, env, args);
    return finish(p, timeoutSeconds);
  }

  static Process start(List<String> jvm, Map<String, String> env, String... args) throws IOException {
    assertThat(JAR).as("the shaded samples jar is built by the package phase").exists();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(jvm);
    cmd.add("-jar");
    cmd.add(JAR.toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("dualpush-cli", ".out");
    Path err = Files.createTempFile("dualpush-cli", ".err");
    out.toFile().deleteOnExit();
    err.toFile().deleteOnExit();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("LANG", "C.UTF-8");
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().putAll(env);
    Process process = pb.start();
    OUTPUTS.put(process, new Path[] {out, err});
    return process;
  }

  private static final Map<Process, Path[]> OUTPUTS = new java.util.concurrent.ConcurrentHashMap<>();

  /** What the child printed to stdout so far. */
  static String outSoFar(Process p) throws IOException {
    return Files.readString(OUTPUTS.get(p)[0], StandardCharsets.UTF_8);
  }

  /** What the child printed to stderr so far. */
  static String errSoFar(Process p) throws IOException {
    return Files.readString(OUTPUTS.get(p)[1], StandardCharsets.UTF_8);
  }

  static JarCli finish(Process p, int timeoutSeconds) throws IOException, InterruptedException {
    Path[] files = OUTPUTS.remove(p);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      throw new AssertionError("the CLI did not finish within " + timeoutSeconds + " s; stderr: "
          + Files.readString(files[1], StandardCharsets.UTF_8));
    }
    JarCli r = new JarCli(p.exitValue(), Files.readString(files[0], StandardCharsets.UTF_8),
        Files.readString(files[1], StandardCharsets.UTF_8));
    Files.deleteIfExists(files[0]);
    Files.deleteIfExists(files[1]);
    return r;
  }

  JsonNode json() {
    try {
      return new ObjectMapper().readTree(out);
    } catch (Exception e) {
      throw new AssertionError("not one JSON object: " + out + "\nstderr: " + err, e);
    }
  }

  @Override
  public String toString() {
    return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
}
