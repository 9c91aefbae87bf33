package io.dualpush.samples.browser;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged samples jar's {@code dashboard} command run as a child process, the way users run
 * it ({@code java -jar target/dualpush-samples.jar dashboard --dir DIR --port 0}): started, then
 * waited for until it prints its {@code LISTENING http://HOST:PORT/ token-file=PATH} line. Its
 * output goes to files, so a chatty child never blocks on a full pipe. {@link #close()} closes its
 * stdin (the contract's clean shutdown) and kills it only when it does not exit in time. Not
 * thread-safe: one test drives one dashboard.
 */
final class DashboardProcess implements AutoCloseable {
  /** The jar failsafe runs against; {@code -Dsamples.jar} points elsewhere, as for {@code JarCli}. */
  static final Path JAR = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();

  private static final Pattern LISTENING = Pattern.compile("(?m)^LISTENING (\\S+) token-file=(.+)$");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final Path out;
  private final Path err;
  private final URI base;
  private final Path tokenFile;

  private DashboardProcess(Process process, Path out, Path err, URI base, Path tokenFile) {
    this.process = process;
    this.out = out;
    this.err = err;
    this.base = base;
    this.tokenFile = tokenFile;
  }

  /**
   * Starts the dashboard on a free port with its data under {@code dir} and waits for its
   * LISTENING line.
   *
   * @param dir the dashboard's {@code --dir}
   * @param extra further arguments after {@code --port 0}
   * @return the running dashboard
   * @throws IOException when the child cannot be started
   */
  static DashboardProcess start(Path dir, String... extra) throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException("the shaded samples jar is built by the package phase; missing: " + JAR);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.addAll(List.of("-jar", JAR.toString(), "dashboard", "--dir", dir.toString(), "--port", "0"));
    cmd.addAll(List.of(extra));
    Path out = Files.createTempFile("dualpush-dashboard", ".out");
    Path err = Files.createTempFile("dualpush-dashboard", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("LANG", "C.UTF-8");
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().remove("DUALPUSH_DASHBOARD_TOKEN");
    Process p = pb.start();
    Matcher[] found = new Matcher[1];
    try {
      await("the dashboard's LISTENING line").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
        Matcher m = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
        if (m.find()) {
          found[0] = m;
          return true;
        }
        if (!p.isAlive()) {
          throw new IllegalStateException("the dashboard exited with code " + p.exitValue() + " before listening; stderr:\n"
              + Files.readString(err, StandardCharsets.UTF_8));
        }
        return false;
      });
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw new IllegalStateException(e.getMessage() + "\nstdout:\n" + Files.readString(out, StandardCharsets.UTF_8)
          + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8), e);
    }
    URI base = URI.create(found[0].group(1));
    return new DashboardProcess(p, out, err, base, Path.of(found[0].group(2).trim()));
  }

  /**
   * The page's address from the LISTENING line, ending in {@code /}.
   *
   * @return the base URI
   */
  URI base() {
    return base;
  }

  /**
   * The file the dashboard wrote its bearer token to.
   *
   * @return the token file
   */
  Path tokenFile() {
    return tokenFile;
  }

  /**
   * The bearer token: the first line of the token file.
   *
   * @return the token; a secret, never printed
   */
  String token() throws IOException {
    return Files.readAllLines(tokenFile, StandardCharsets.UTF_8).get(0).trim();
  }

  /**
   * Whether the child still runs.
   *
   * @return true while alive
   */
  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * What the child printed to stderr so far, for failure messages.
   *
   * @return its stderr
   */
  String stderr() {
    try {
      return Files.readString(err, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read stderr: " + e.getMessage() + ")";
    }
  }

  /**
   * Closes the child's stdin and waits for it to exit.
   *
   * @param timeout how long to wait
   * @return its exit code, or -1 when it had to be killed
   */
  int stop(Duration timeout) throws InterruptedException {
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.flush();
    } catch (IOException e) {
      // already closed: the child is gone or going
    }
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop(Duration.ofSeconds(20));
    }
    try {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    } catch (IOException e) {
      // best effort: temporary files
    }
  }
}
