package io.dualpush.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A real {@code redis-server} (one node, or a three-master Redis Cluster) run as local processes on
 * free loopback ports, without JUnit: for benchmarks and tools. {@link RedisExtension} wraps one for
 * tests.
 *
 * <pre>{@code
 * try (RedisServerProcess redis = RedisServerProcess.builder("dedupe").build()) {
 *   redis.start();
 *   RedisClient client = RedisClient.create(redis.uri());
 * }
 * }</pre>
 *
 * <p>By default a node runs with {@code --save "" --appendonly no} in a fresh temporary directory,
 * so a {@link #restart()} loses its data, as a production server without persistence does after a
 * crash; {@link Builder#persistence(boolean)} turns the append-only file on (fsync always). Variants:
 * {@link Builder#cluster(boolean)} starts three masters and joins them with
 * {@code redis-cli --cluster create}; {@link Builder#tls(boolean)} generates a throw-away CA and
 * server certificate (with the JDK's {@code keytool}) and serves TLS only; {@link
 * Builder#password(boolean)} sets {@code requirepass} and an ACL user, both with random passwords.
 *
 * <p>Where {@code redis-server} comes from, first match wins: the system property {@code
 * dualpush.redis.server} (path of the executable, {@code redis-cli} beside it), a {@code
 * redis-server} on the {@code PATH} or in {@code /usr/bin} or {@code /usr/sbin}, or Debian's {@code
 * redis-server} package installed once with {@code apt-get} (as root, or through password-less
 * {@code sudo}) under a file lock in {@code ~/.cache/dualpush/}.
 *
 * <p>The server's output goes to {@code redis.log} in its directory; failures to start quote its
 * end. Passwords are written to a configuration file readable by the owner only, never passed on a
 * command line, logged, nor shown by {@link #toString()}. A shutdown hook kills every node the JVM
 * started, so no process outlives the tests. Thread-safe.
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(60);
  private static final String READY = "Ready to accept connections";
  private static final String ACL_USER = "dualpush";

  private final String name;
  private final boolean cluster;
  private final boolean tls;
  private final boolean persistence;
  private final @Nullable String password;
  private final @Nullable String aclPassword;
  private @Nullable Path workDir;
  private @Nullable Path caCertificate;
  private final List<Node> nodes = new ArrayList<>();
  private boolean paused;

  private RedisServerProcess(Builder b) {
    this.name = b.name;
    this.cluster = b.cluster;
    this.tls = b.tls;
    this.persistence = b.persistence;
    this.password = b.password ? randomSecret() : null;
    this.aclPassword = b.password ? randomSecret() : null;
  }

  /**
   * A builder for a server labelled {@code name}.
   *
   * @param name a label for this server (a region name, say); used in directory names
   * @return a builder for a plain standalone server: no TLS, no password, no persistence
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** What kind of server to start; every option is off unless set. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private boolean cluster;
    private boolean tls;
    private boolean password;
    private boolean persistence;

    private Builder(String name) {
      Objects.requireNonNull(name, "'name' cannot be null.");
      if (!name.matches("[A-Za-z0-9._-]{1,40}")) {
        throw new IllegalArgumentException("'name' must be 1-40 letters, digits, '.', '_' or '-': '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Three masters joined in a Redis Cluster, the 16384 slots split between them.
     *
     * @param cluster true for a cluster
     * @return this builder
     */
    public Builder cluster(boolean cluster) {
      this.cluster = cluster;
      return this;
    }

    /**
     * TLS only ({@code --port 0 --tls-port P --tls-auth-clients no}), with a CA and a server
     * certificate for {@code 127.0.0.1} and {@code localhost} generated at the first start.
     *
     * @param tls true to serve TLS
     * @return this builder
     */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /**
     * A random {@code requirepass} for the default user and an ACL user {@value #ACL_USER_NAME}
     * with its own random password and every right.
     *
     * @param password true to require authentication
     * @return this builder
     */
    public Builder password(boolean password) {
      this.password = password;
      return this;
    }

    /**
     * Keeps data across {@link #restart()}: the append-only file, fsynced on every write.
     *
     * @param persistence true to persist
     * @return this builder
     */
    public Builder persistence(boolean persistence) {
      this.persistence = persistence;
      return this;
    }

    /**
     * The server, not started yet.
     *
     * @return a new server process
     */
    public RedisServerProcess build() {
      return new RedisServerProcess(this);
    }

    /** The ACL user's name, as {@link RedisServerProcess#username()} returns it. */
    public static final String ACL_USER_NAME = ACL_USER;
  }

  /**
   * The label given to the builder.
   *
   * @return the label
   */
  public String name() {
    return name;
  }

  /**
   * Whether this is a three-master cluster.
   *
   * @return true for a cluster
   */
  public boolean isCluster() {
    return cluster;
  }

  /**
   * Whether the server speaks TLS only.
   *
   * @return true for TLS
   */
  public boolean isTls() {
    return tls;
  }

  /**
   * {@code 127.0.0.1}: every node listens on loopback only.
   *
   * @return the host
   */
  public String host() {
    return "127.0.0.1";
  }

  /**
   * The port of the first node (the only one unless a cluster); fixed from the first start on.
   *
   * @return the port
   */
  public synchronized int port() {
    requireStartedOnce();
    return nodes.get(0).port;
  }

  /**
   * The ports of every node, the first one first; fixed from the first start on.
   *
   * @return the ports
   */
  public synchronized List<Integer> ports() {
    requireStartedOnce();
    return nodes.stream().map(n -> n.port).toList();
  }

  /**
   * A Redis URI for the first node without credentials, {@code redis://127.0.0.1:PORT} or {@code
   * rediss://127.0.0.1:PORT}; add the credentials from {@link #username()} and {@link #password()}
   * where the server requires them.
   *
   * @return the URI, never holding a secret
   */
  public synchronized String uri() {
    return (tls ? "rediss://" : "redis://") + host() + ":" + port();
  }

  /**
   * The URIs of every node, as {@link #uri()} forms them.
   *
   * @return one URI per node, the first one first
   */
  public synchronized List<String> uris() {
    return ports().stream().map(p -> (tls ? "rediss://" : "redis://") + host() + ":" + p).toList();
  }

  /**
   * The default user's password ({@code requirepass}); a secret: do not log it.
   *
   * @return the password, empty when the server requires none
   */
  public Optional<String> password() {
    return Optional.ofNullable(password);
  }

  /**
   * The ACL user's name, {@value Builder#ACL_USER_NAME}, present when the server requires a password.
   *
   * @return the user name, empty when the server requires none
   */
  public Optional<String> username() {
    return password == null ? Optional.empty() : Optional.of(ACL_USER);
  }

  /**
   * The ACL user's password; a secret: do not log it.
   *
   * @return the password, empty when the server requires none
   */
  public Optional<String> userPassword() {
    return Optional.ofNullable(aclPassword);
  }

  /**
   * The PEM file of the CA that signed the server's certificate, for a client's trust store.
   *
   * @return the CA certificate, present for a TLS server once started
   */
  public synchronized Optional<Path> caCertificate() {
    return Optional.ofNullable(caCertificate);
  }

  /**
   * The directory of the first node: its configuration, {@code redis.log} and data.
   *
   * @return the first node's directory
   */
  public synchronized Path directory() {
    requireStartedOnce();
    return nodes.get(0).dir;
  }

  /**
   * The end of every node's log, for a failure message.
   *
   * @return the last lines of each node's {@code redis.log}
   */
  public synchronized String logTail() {
    StringBuilder sb = new StringBuilder();
    for (Node n : nodes) {
      sb.append("--- redis ").append(name).append(" port ").append(n.port).append(" ---\n").append(tail(n.log)).append('\n');
    }
    return sb.toString();
  }

  /**
   * Whether every node's process is alive (a paused one counts as alive).
   *
   * @return true while all nodes run
   */
  public synchronized boolean isRunning() {
    return !nodes.isEmpty() && nodes.stream().allMatch(n -> n.process != null && n.process.isAlive());
  }

  /**
   * Whether {@link #pause()} stopped the nodes and {@link #resume()} has not continued them yet.
   *
   * @return true while paused
   */
  public synchronized boolean isPaused() {
    return paused;
  }

  /**
   * Starts the server, on free ports the first time and on the same ports after a {@link #stop()};
   * returns once every node accepts connections (and, for a cluster, every node reports {@code
   * cluster_state:ok}). Does nothing when already running.
   *
   * @throws IOException when redis-server cannot be found or installed, or does not start
   * @throws InterruptedException when interrupted while waiting for it
   */
  public synchronized void start() throws IOException, InterruptedException {
    if (isRunning()) {
      return;
    }
    Path server = locateOrInstall();
    if (workDir == null) {
      workDir = Files.createTempDirectory("dualpush-redis-" + name + "-");
      if (tls) {
        caCertificate = generateCertificates(workDir.resolve("tls"));
      }
      int count = cluster ? 3 : 1;
      Set<Integer> taken = new HashSet<>();
      for (int i = 0; i < count; i++) {
        Path dir = Files.createDirectories(workDir.resolve("node-" + i));
        nodes.add(new Node(dir, freePort(taken), cluster ? freePort(taken) : 0));
      }
      for (Node n : nodes) {
        writeConfig(n);
        launch(server, n);
      }
      if (cluster) {
        createCluster(server);
      }
      return;
    }
    for (Node n : nodes) {
      if (n.process == null || !n.process.isAlive()) {
        launch(server, n);
      }
    }
    paused = false;
    if (cluster) {
      awaitClusterOk(server);
    }
  }

  /** Kills every node and waits until each process is gone and its port closed; ports and directories are kept. */
  public synchronized void stop() {
    for (Node n : nodes) {
      Process p = n.process;
      n.process = null;
      if (p != null) {
        kill(p);
        removeHook(n);
      }
    }
    paused = false;
    for (Node n : nodes) {
      waitUntilPortClosed(n.port, Duration.ofSeconds(10));
    }
  }

  /**
   * Stops and starts every node on the same ports: without persistence the data is gone, as after
   * a crash of a server that keeps nothing on disk.
   *
   * @throws IOException when a node does not start again
   * @throws InterruptedException when interrupted while waiting for it
   */
  public synchronized void restart() throws IOException, InterruptedException {
    stop();
    start();
  }

  /** Freezes every node with SIGSTOP: connections stay open and calls hang, as in a long GC pause or a partition. */
  public synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  /** Continues every node stopped by {@link #pause()} (SIGCONT). */
  public synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  /** Stops every node and deletes the directories; a later {@link #start()} begins afresh on new ports. */
  @Override
  public synchronized void close() {
    stop();
    nodes.clear();
    if (workDir != null) {
      deleteTree(workDir);
      workDir = null;
      caCertificate = null;
    }
  }

  @Override
  public synchronized String toString() {
    return "RedisServerProcess{" + name + (cluster ? ", cluster" : "") + (tls ? ", tls" : "")
        + (password != null ? ", password required" : "") + (persistence ? ", persistent" : "")
        + (nodes.isEmpty() ? "" : ", ports " + nodes.stream().map(n -> n.port).toList())
        + (isRunning() ? (paused ? ", paused" : ", running") : "") + "}";
  }

  // ------------------------------------------------------------------ nodes

  /** One redis-server: its directory, ports and process. */
  private static final class Node {
    final Path dir;
    final Path log;
    final int port;
    final int busPort;
    @Nullable Process process;
    @Nullable Thread hook;

    Node(Path dir, int port, int busPort) {
      this.dir = dir;
      this.log = dir.resolve("redis.log");
      this.port = port;
      this.busPort = busPort;
    }
  }

  private void writeConfig(Node n) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("bind 127.0.0.1");
    lines.add("daemonize no");
    lines.add("dir " + quote(n.dir.toString()));
    lines.add("logfile \"\"");
    if (tls) {
      Path certs = Objects.requireNonNull(workDir).resolve("tls");
      lines.add("port 0");
      lines.add("tls-port " + n.port);
      lines.add("tls-cert-file " + quote(certs.resolve("server.crt").toString()));
      lines.add("tls-key-file " + quote(certs.resolve("server.key").toString()));
      lines.add("tls-ca-cert-file " + quote(certs.resolve("ca.crt").toString()));
      lines.add("tls-auth-clients no");
      if (cluster) {
        lines.add("tls-cluster yes");
      }
    } else {
      lines.add("port " + n.port);
    }
    if (persistence) {
      lines.add("save \"\"");
      lines.add("appendonly yes");
      lines.add("appendfsync always");
    } else {
      lines.add("save \"\"");
      lines.add("appendonly no");
    }
    if (cluster) {
      lines.add("cluster-enabled yes");
      lines.add("cluster-config-file nodes.conf");
      lines.add("cluster-port " + n.busPort);
      lines.add("cluster-node-timeout 5000");
    }
    if (password != null) {
      lines.add("requirepass " + password);
      lines.add("user " + ACL_USER + " on >" + aclPassword + " ~* &* +@all");
    }
    Path conf = n.dir.resolve("redis.conf");
    Files.deleteIfExists(conf);
    try {
      Files.createFile(conf, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(conf);
    }
    Files.write(conf, lines, StandardCharsets.UTF_8);
  }

  private void launch(Path server, Node n) throws IOException, InterruptedException {
    long logStart = Files.exists(n.log) ? Files.size(n.log) : 0;
    Process p = new ProcessBuilder(server.toString(), n.dir.resolve("redis.conf").toString())
        .directory(n.dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log.toFile()))
        .start();
    n.process = p;
    Thread hook = new Thread(() -> kill(p), "redis-" + name + "-" + n.port + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    n.hook = hook;
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        n.process = null;
        removeHook(n);
        throw new IOException("redis-server '" + name + "' exited with code " + p.exitValue() + " before listening on port "
            + n.port + "; its output:\n" + tail(n.log));
      }
      if (logSince(n.log, logStart).contains(READY) && portAnswers(n.port)) {
        return;
      }
      Thread.sleep(20);
    }
    stop();
    throw new IOException("redis-server '" + name + "' did not listen on port " + n.port + " within " + START_TIMEOUT
        + "; its output:\n" + tail(n.log));
  }

  private void createCluster(Path server) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    args.add("--cluster");
    args.add("create");
    for (Node n : nodes) {
      args.add(host() + ":" + n.port);
    }
    args.add("--cluster-yes");
    CliResult created = cli(server, null, args);
    if (created.exit != 0) {
      throw new IOException("redis-cli --cluster create failed with code " + created.exit + ":\n" + created.output
          + "\n" + logTail());
    }
    awaitClusterOk(server);
  }

  private void awaitClusterOk(Path server) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + CLUSTER_TIMEOUT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean allOk = true;
      for (Node n : nodes) {
        CliResult info = cli(server, n, List.of("cluster", "info"));
        last = info.output;
        if (!info.output.contains("cluster_state:ok")) {
          allOk = false;
          break;
        }
      }
      if (allOk) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IOException("Redis Cluster '" + name + "' did not report cluster_state:ok on every node within "
        + CLUSTER_TIMEOUT + "; last answer:\n" + last + "\n" + logTail());
  }

  private record CliResult(int exit, String output) {}

  /** Runs redis-cli against {@code node} (or without -h/-p when null); the password travels in the environment. */
  private CliResult cli(Path server, @Nullable Node node, List<String> args) throws IOException, InterruptedException {
    Path redisCli = Objects.requireNonNull(server.getParent()).resolve("redis-cli");
    if (!Files.isExecutable(redisCli)) {
      Path onPath = findOnPath("redis-cli");
      if (onPath == null) {
        throw new IOException("redis-cli is not installed beside " + server + " nor on the PATH");
      }
      redisCli = onPath;
    }
    List<String> command = new ArrayList<>();
    command.add(redisCli.toString());
    if (node != null) {
      command.addAll(List.of("-h", host(), "-p", Integer.toString(node.port)));
    }
    if (tls) {
      command.addAll(List.of("--tls", "--cacert", Objects.requireNonNull(caCertificate).toString()));
    }
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (password != null) {
      pb.environment().put("REDISCLI_AUTH", password);
    }
    Process p = pb.start();
    byte[] out;
    try (InputStream in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new CliResult(-1, "redis-cli timed out");
    }
    return new CliResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private void signal(String signal) {
    for (Node n : nodes) {
      Process p = n.process;
      if (p == null || !p.isAlive()) {
        continue;
      }
      try {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).redirectErrorStream(true).start();
        kill.getInputStream().readAllBytes();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
          throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot run kill -" + signal, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while sending SIG" + signal, e);
      }
    }
  }

  private static void kill(Process p) {
    if (!p.isAlive()) {
      return;
    }
    // A process stopped by SIGSTOP would hold SIGTERM pending: SIGKILL it, it has nothing to save.
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Node n) {
    Thread hook = n.hook;
    n.hook = null;
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs anyway
      }
    }
  }

  private static boolean portAnswers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void waitUntilPortClosed(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && portAnswers(port)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int freePort(Set<Integer> taken) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new IOException("no free loopback port found");
  }

  private void requireStartedOnce() {
    if (nodes.isEmpty()) {
      throw new IllegalStateException("redis '" + name + "' was never started");
    }
  }

  // ------------------------------------------------------------------ TLS material

  /**
   * A CA and a server certificate signed by it, made with the JDK's keytool (always present where
   * the tests run, unlike openssl); the server's private key is written as PKCS#8 PEM for Redis.
   */
  private static Path generateCertificates(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    String storePass = randomSecret();
    Path ca = dir.resolve("ca.p12");
    Path server = dir.resolve("server.p12");
    keytool(keytool, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=dualpush test CA",
        "-ext", "bc:c", "-validity", "3", "-storetype", "PKCS12", "-keystore", ca.toString(), "-storepass", storePass);
    keytool(keytool, "-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", storePass,
        "-file", dir.resolve("ca.crt").toString());
    keytool(keytool, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
        "-validity", "3", "-storetype", "PKCS12", "-keystore", server.toString(), "-storepass", storePass);
    keytool(keytool, "-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", storePass,
        "-file", dir.resolve("server.csr").toString());
    keytool(keytool, "-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", storePass,
        "-infile", dir.resolve("server.csr").toString(), "-outfile", dir.resolve("server.crt").toString(),
        "-ext", "san=ip:127.0.0.1,dns:localhost", "-ext", "eku=serverAuth", "-validity", "3");
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(server)) {
        ks.load(in, storePass.toCharArray());
      }
      Key key = ks.getKey("server", storePass.toCharArray());
      String pem = "-----BEGIN PRIVATE KEY-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
          + "\n-----END PRIVATE KEY-----\n";
      Path keyFile = dir.resolve("server.key");
      try (OutputStream out = Files.newOutputStream(keyFile)) {
        out.write(pem.getBytes(StandardCharsets.US_ASCII));
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("cannot read the generated server key", e);
    }
    return dir.resolve("ca.crt");
  }

  private static void keytool(Path keytool, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(keytool.toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      // The command holds the store password: name the step only.
      throw new IOException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
  }

  // ------------------------------------------------------------------ finding or installing redis-server

  private static Path locateOrInstall() throws IOException, InterruptedException {
    String configured = System.getProperty("dualpush.redis.server");
    if (configured != null && !configured.isBlank()) {
      Path p = Path.of(configured);
      if (!Files.isExecutable(p)) {
        throw new IOException("dualpush.redis.server names " + p + ", which is not an executable file");
      }
      return p;
    }
    Path found = findServer();
    if (found != null) {
      return found;
    }
    return installed();
  }

  private static @Nullable Path findServer() {
    Path onPath = findOnPath("redis-server");
    if (onPath != null) {
      return onPath;
    }
    for (String dir : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static @Nullable Path findOnPath(String program) {
    return DebianPackages.onPath(program);
  }

  /** Debian's redis-server package (it brings redis-cli, built with TLS), installed when missing. */
  private static Path installed() throws IOException, InterruptedException {
    DebianPackages.ensure("redis-server", List.of("redis-server"), "install Redis 7 (redis-server and redis-cli, built "
        + "with TLS) some other way and put it on the PATH, or set -Ddualpush.redis.server", () -> findServer() != null);
    return Objects.requireNonNull(findServer(), "redis-server");
  }

  // ------------------------------------------------------------------ small helpers

  private static String randomSecret() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String logSince(Path file, long offset) {
    try {
      byte[] all = Files.readAllBytes(file);
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String tail(@Nullable Path file) {
    if (file == null || !Files.exists(file)) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | UncheckedIOException e) {
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
