package io.dualpush.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real Azurite blob service (the Azure Storage emulator, from npm) run as a local process on a
 * free loopback port, without JUnit: for benchmarks and tools. {@link AzuriteExtension} wraps one
 * for tests.
 *
 * <pre>{@code
 * try (AzuriteProcess azurite = new AzuriteProcess("eastus2")) {
 *   azurite.start();
 *   BlobServiceClient service = new BlobServiceClientBuilder().connectionString(azurite.connectionString()).buildClient();
 * }
 * }</pre>
 *
 * <p>Where Azurite comes from, first match wins: the system property {@code dualpush.azurite.blob}
 * (path of an {@code azurite-blob} executable), an {@code azurite-blob} on the {@code PATH}, or
 * Azurite {@value #AZURITE_VERSION} installed once with npm under
 * {@code ${user.home}/.cache/dualpush/azurite-}{@value #AZURITE_VERSION} (a file lock keeps
 * concurrent builds from installing it twice). Node and npm must be on the {@code PATH}.
 *
 * <p>An instance keeps its port and its data directory for its whole life, so it can be
 * {@link #stop()}ped to simulate an outage and {@link #start()}ed again with its blobs intact;
 * {@link #close()} deletes them. {@link #pause()} freezes it instead: its port still accepts
 * connections (the kernel completes them) but nothing answers, until {@link #resume()}.
 *
 * <p>The account is Azurite's documented default, {@code devstoreaccount1}, whose key is public;
 * it is still never logged nor shown by {@link #toString()}. Thread-safe.
 */
public final class AzuriteProcess implements AutoCloseable {
  /** The Azurite release installed when none is found. */
  public static final String AZURITE_VERSION = "3.37.0";
  /** Azurite's well-known development account. */
  public static final String ACCOUNT_NAME = "devstoreaccount1";
  // Azurite's documented, public development key (not a secret; kept out of logs all the same).
  private static final String ACCOUNT_KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

  private final String name;
  private @Nullable Path workDir;
  private @Nullable Path dataDir;
  private @Nullable Path logFile;
  private int port;
  private @Nullable Process process;
  private @Nullable Thread shutdownHook;
  private boolean paused;

  /** @param name a label for this instance (a region name, say); used in directory and log names */
  public AzuriteProcess(String name) {
    Objects.requireNonNull(name, "'name' cannot be null.");
    if (!name.matches("[A-Za-z0-9._-]{1,40}")) {
      throw new IllegalArgumentException("'name' must be 1-40 letters, digits, '.', '_' or '-': '" + name + "'");
    }
    this.name = name;
  }

  /**
   * The label given at construction.
   *
   * @return the label
   */
  public String name() {
    return name;
  }

  /**
   * The blob port; fixed from the first start on.
   *
   * @return the port number
   */
  public synchronized int port() {
    requireStartedOnce();
    return port;
  }

  /**
   * {@code http://127.0.0.1:PORT/devstoreaccount1}.
   *
   * @return the blob endpoint URL
   */
  public synchronized String blobEndpoint() {
    requireStartedOnce();
    return "http://127.0.0.1:" + port + "/" + ACCOUNT_NAME;
  }

  /**
   * A connection string for the development account; it holds the (public) account key: do not log it.
   *
   * @return the connection string
   */
  public synchronized String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT_NAME + ";AccountKey=" + ACCOUNT_KEY
        + ";BlobEndpoint=" + blobEndpoint() + ";";
  }

  /**
   * The account name, {@value #ACCOUNT_NAME}.
   *
   * @return the account name
   */
  public String accountName() {
    return ACCOUNT_NAME;
  }

  /**
   * The account key, for tests that build a shared-key credential; do not log it.
   *
   * @return the account key
   */
  public String accountKey() {
    return ACCOUNT_KEY;
  }

  /**
   * Where this instance keeps its blobs.
   *
   * @return the data directory
   */
  public synchronized Path dataDirectory() {
    requireStartedOnce();
    return Objects.requireNonNull(dataDir);
  }

  /**
   * CPU time the running Azurite (and any process it started) has used so far, when the platform
   * reports it; zero when not running. For benchmarks that must tell the emulator's work from
   * the client's.
   *
   * @return the CPU time used, or zero
   */
  public synchronized Duration cpuTime() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return Duration.ZERO;
    }
    Duration total = p.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    for (ProcessHandle child : (Iterable<ProcessHandle>) p.descendants()::iterator) {
      total = total.plus(child.info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return total;
  }

  /**
   * Whether the process is alive.
   *
   * @return true while the process runs
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts Azurite, on a free port the first time and on the same port and data directory after a
   * {@link #stop()}; returns once the port accepts connections. Does nothing when already running.
   *
   * @throws IOException when Azurite cannot be installed under {@code ~/.cache/dualpush/} or does not start
   * @throws InterruptedException when interrupted while waiting for the port
   */
  public synchronized void start() throws IOException, InterruptedException {
    if (isRunning()) {
      return;
    }
    Path executable = locateOrInstall();
    if (workDir == null) {
      workDir = Files.createTempDirectory("dualpush-azurite-" + name + "-");
      dataDir = Files.createDirectories(workDir.resolve("data"));
      logFile = workDir.resolve("azurite.log");
      // A free port can be taken between our probe and Azurite's bind: try a few.
      IOException last = null;
      for (int attempt = 0; attempt < 3; attempt++) {
        port = freePort();
        try {
          launch(executable);
          return;
        } catch (IOException e) {
          last = e;
        }
      }
      throw Objects.requireNonNull(last);
    }
    launch(executable);
  }

  /** Kills the Azurite process tree and waits until it is gone; the port and data are kept for {@link #start()}. */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    if (paused) {
      // A stopped process would hold SIGTERM pending: continue it so that it can exit cleanly.
      resume();
    }
    process = null;
    kill(p);
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs anyway
      }
      shutdownHook = null;
    }
    waitUntilPortClosed(Duration.ofSeconds(10));
  }

  /**
   * Freezes Azurite with SIGSTOP (the whole process tree): connections to its port are still
   * accepted by the kernel, but no request is answered, as with a hung server or a long pause.
   * Does nothing when it is not running or already paused. POSIX only ({@code kill} on the PATH).
   */
  public synchronized void pause() {
    if (!isRunning() || paused) {
      return;
    }
    signal("STOP");
    paused = true;
  }

  /** Continues Azurite after {@link #pause()} (SIGCONT); does nothing when it is not paused. */
  public synchronized void resume() {
    if (!paused) {
      return;
    }
    paused = false;
    if (isRunning()) {
      signal("CONT");
    }
  }

  /**
   * Whether {@link #pause()} froze it and {@link #resume()} has not continued it yet.
   *
   * @return true while paused
   */
  public synchronized boolean isPaused() {
    return paused;
  }

  /** Stops the process and deletes its data directory; a later {@link #start()} begins afresh on a new port. */
  @Override
  public synchronized void close() {
    stop();
    if (workDir != null) {
      deleteTree(workDir);
      workDir = null;
      dataDir = null;
      logFile = null;
    }
  }

  @Override
  public String toString() {
    return "AzuriteProcess{" + name + (workDir == null ? "" : ", port " + port)
        + (isRunning() ? (paused ? ", paused" : ", running") : "") + "}";
  }

  // ------------------------------------------------------------------ process handling

  private void launch(Path executable) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(List.of("--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
        "--location", Objects.requireNonNull(dataDir).toString(),
        "--skipApiVersionCheck", "--disableTelemetry", "--silent"));
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(Objects.requireNonNull(logFile).toFile()));
    Process p = pb.start();
    process = p;
    Thread hook = new Thread(() -> kill(p), "azurite-" + name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        stop();
        throw new IOException("Azurite '" + name + "' exited with code " + p.exitValue() + " before listening on port "
            + port + "; its output:\n" + tail(logFile));
      }
      if (portAnswers()) {
        return;
      }
      Thread.sleep(100);
    }
    stop();
    throw new IOException("Azurite '" + name + "' did not listen on port " + port + " within " + START_TIMEOUT
        + "; its output:\n" + tail(logFile));
  }

  private void signal(String signal) {
    Process p = Objects.requireNonNull(process);
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(p.pid())));
    // The executable may be a wrapper whose node process is a child: signal the whole tree.
    p.descendants().forEach(h -> command.add(Long.toString(h.pid())));
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " of Azurite '" + name + "' failed: " + output.trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + signal + " to Azurite '" + name + "'", e);
    }
  }

  private static void kill(Process p) {
    List<ProcessHandle> tree = new ArrayList<>();
    p.descendants().forEach(tree::add);
    p.destroy();
    tree.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private boolean portAnswers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void waitUntilPortClosed(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && portAnswers()) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void requireStartedOnce() {
    if (workDir == null) {
      throw new IllegalStateException("Azurite '" + name + "' was never started");
    }
  }

  // ------------------------------------------------------------------ finding or installing Azurite

  private static Path locateOrInstall() throws IOException, InterruptedException {
    String configured = System.getProperty("dualpush.azurite.blob");
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new IOException("dualpush.azurite.blob names " + p + ", which is not an executable file");
      }
      return p;
    }
    Path onPath = DebianPackages.onPath("azurite-blob");
    if (onPath != null) {
      return onPath;
    }
    return installed();
  }

  /** Azurite under the user's cache, installed with npm the first time, under a file lock. */
  static Path installed() throws IOException, InterruptedException {
    Path dir = Path.of(System.getProperty("user.home"), ".cache", "dualpush", "azurite-" + AZURITE_VERSION);
    Path executable = dir.resolve("node_modules").resolve(".bin").resolve("azurite-blob");
    if (Files.isExecutable(executable)) {
      return executable;
    }
    Files.createDirectories(dir.getParent());
    Path lockFile = dir.getParent().resolve("azurite-" + AZURITE_VERSION + ".lock");
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      if (Files.isExecutable(executable)) {
        return executable; // another build installed it while we waited for the lock
      }
      Path npm = DebianPackages.onPath("npm");
      if (npm == null) {
        throw new IOException("Azurite is not installed and npm is not on the PATH: install Node.js and npm, "
            + "or `npm install -g azurite@" + AZURITE_VERSION + "`");
      }
      Files.createDirectories(dir);
      Path log = dir.getParent().resolve("azurite-" + AZURITE_VERSION + "-install.log");
      Process p = new ProcessBuilder(npm.toString(), "install", "--no-audit", "--no-fund", "--prefix", dir.toString(),
          "azurite@" + AZURITE_VERSION)
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        throw new IOException("npm install azurite@" + AZURITE_VERSION + " did not finish within " + INSTALL_TIMEOUT);
      }
      if (p.exitValue() != 0 || !Files.isExecutable(executable)) {
        throw new IOException("npm install azurite@" + AZURITE_VERSION + " failed with code " + p.exitValue()
            + "; its output:\n" + tail(log));
      }
      return executable;
    }
  }

  // ------------------------------------------------------------------ small helpers

  private static String tail(@Nullable Path file) {
    if (file == null) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort: a temp directory left behind is harmless
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // best effort
    }
  }
}
