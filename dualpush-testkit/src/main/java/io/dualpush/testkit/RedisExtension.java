package io.dualpush.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Starts a real {@code redis-server} (a {@link RedisServerProcess}: one node, a three-master
 * cluster, or TLS with passwords) on free loopback ports for the tests of one class, and kills it
 * after them. A test may {@link #stop()}, {@link #pause()} or {@link #restart()} it; before each
 * test a server a previous test left stopped or paused runs again. A failing test's exception
 * gets the end of the server's log attached (as a suppressed exception).
 *
 * <pre>{@code
 * @RegisterExtension static RedisExtension redis = new RedisExtension(RedisServerProcess.builder("dedupe"));
 * RedisClient client = RedisClient.create(redis.uri());
 * }</pre>
 *
 * <p>Where redis-server comes from is described on {@link RedisServerProcess}. Passwords are never
 * logged nor shown by {@link #toString()}. Thread-safe.
 */
public final class RedisExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, TestExecutionExceptionHandler {
  private final RedisServerProcess process;
  private int classDepth;

  /**
   * A plain standalone server: no TLS, no password, no persistence.
   *
   * @param name a label for the server; used in directory names
   */
  public RedisExtension(String name) {
    this(RedisServerProcess.builder(name));
  }

  /**
   * The server {@code builder} describes.
   *
   * @param builder what to start, such as {@code RedisServerProcess.builder("x").cluster(true)}
   */
  public RedisExtension(RedisServerProcess.Builder builder) {
    this.process = builder.build();
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) throws Exception {
    // JUnit calls a static extension's callbacks for the class and again for each @Nested class:
    // one server for all of them, closed after the outermost.
    classDepth++;
    process.start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (process.isPaused()) {
      process.resume();
    }
    if (!process.isRunning()) {
      process.start();
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (--classDepth <= 0) {
      classDepth = 0;
      process.close();
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    throwable.addSuppressed(new RedisLog(process.logTail()));
    throw throwable;
  }

  /** Carries the server's log into a failure's report; not thrown on its own. */
  private static final class RedisLog extends Exception {
    private static final long serialVersionUID = 1L;

    RedisLog(String tail) {
      super("redis-server log:\n" + tail, null, false, false);
    }
  }

  /**
   * The process this extension runs.
   *
   * @return the process, shared by the tests this extension serves
   */
  public RedisServerProcess process() {
    return process;
  }

  /**
   * See {@link RedisServerProcess#host()}.
   *
   * @return {@code 127.0.0.1}
   */
  public String host() {
    return process.host();
  }

  /**
   * See {@link RedisServerProcess#port()}.
   *
   * @return the first node's port
   */
  public int port() {
    return process.port();
  }

  /**
   * See {@link RedisServerProcess#ports()}.
   *
   * @return every node's port
   */
  public List<Integer> ports() {
    return process.ports();
  }

  /**
   * See {@link RedisServerProcess#uri()}.
   *
   * @return the first node's URI, without credentials
   */
  public String uri() {
    return process.uri();
  }

  /**
   * See {@link RedisServerProcess#uris()}.
   *
   * @return every node's URI, without credentials
   */
  public List<String> uris() {
    return process.uris();
  }

  /**
   * See {@link RedisServerProcess#password()}; a secret: do not log it.
   *
   * @return the default user's password, if the server requires one
   */
  public Optional<String> password() {
    return process.password();
  }

  /**
   * See {@link RedisServerProcess#username()}.
   *
   * @return the ACL user's name, if the server requires a password
   */
  public Optional<String> username() {
    return process.username();
  }

  /**
   * See {@link RedisServerProcess#userPassword()}; a secret: do not log it.
   *
   * @return the ACL user's password, if the server requires one
   */
  public Optional<String> userPassword() {
    return process.userPassword();
  }

  /**
   * See {@link RedisServerProcess#caCertificate()}.
   *
   * @return the CA certificate (PEM) of a TLS server
   */
  public Optional<Path> caCertificate() {
    return process.caCertificate();
  }

  /**
   * Whether every node runs.
   *
   * @return true while all nodes run
   */
  public boolean isRunning() {
    return process.isRunning();
  }

  /**
   * See {@link RedisServerProcess#start()}.
   *
   * @throws IOException when redis-server cannot be installed or started
   * @throws InterruptedException when interrupted while waiting for it
   */
  public void start() throws IOException, InterruptedException {
    process.start();
  }

  /** See {@link RedisServerProcess#stop()}. */
  public void stop() {
    process.stop();
  }

  /**
   * See {@link RedisServerProcess#restart()}.
   *
   * @throws IOException when the server does not start again
   * @throws InterruptedException when interrupted while waiting for it
   */
  public void restart() throws IOException, InterruptedException {
    process.restart();
  }

  /** See {@link RedisServerProcess#pause()}. */
  public void pause() {
    process.pause();
  }

  /** See {@link RedisServerProcess#resume()}. */
  public void resume() {
    process.resume();
  }

  @Override
  public String toString() {
    return "RedisExtension{" + process.toString().substring("RedisServerProcess{".length());
  }
}
