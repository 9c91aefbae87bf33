package io.dualpush.testkit;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real Azurite blob service (an {@link AzuriteProcess}: the Azure Storage emulator, from
 * npm) on a free loopback port for the tests of one class, and kills it after them. Several can run
 * at once, one per simulated region.
 *
 * <pre>{@code
 * @RegisterExtension static AzuriteExtension east = new AzuriteExtension("eastus2");
 * BlobServiceClient service = new BlobServiceClientBuilder().connectionString(east.connectionString()).buildClient();
 * }</pre>
 *
 * <p>Where Azurite comes from is described on {@link AzuriteProcess}. Each instance keeps its port
 * and its data directory for its whole life, so a test can {@link #stop()} it to simulate an outage
 * and {@link #start()} it again with its blobs intact, or {@link #pause()} it to simulate a server
 * that accepts connections and never answers. Before each test an instance that a previous test
 * left stopped or paused runs again.
 *
 * <p>The account is Azurite's documented default, {@code devstoreaccount1}, whose key is public;
 * it is still never logged nor shown by {@link #toString()}. Thread-safe.
 */
public final class AzuriteExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
  /** The Azurite release installed when none is found. */
  public static final String AZURITE_VERSION = AzuriteProcess.AZURITE_VERSION;
  /** Azurite's well-known development account. */
  public static final String ACCOUNT_NAME = AzuriteProcess.ACCOUNT_NAME;

  private final AzuriteProcess process;
  private int classDepth;

  /** @param name a label for this instance (a region name, say); used in directory and log names */
  public AzuriteExtension(String name) {
    this.process = new AzuriteProcess(name);
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) throws Exception {
    // JUnit calls the callbacks of a static extension for the class and again for each @Nested
    // class in it: keep one process for all of them, closed after the outermost.
    classDepth++;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    process.resume();
    if (!isRunning()) {
      start();
    }
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    if (--classDepth <= 0) {
      classDepth = 0;
      close();
    }
  }

  /**
   * The process this extension runs.
   *
   * @return the process, shared by the tests this extension serves
   */
  public AzuriteProcess process() {
    return process;
  }

  /**
   * The label given at construction.
   *
   * @return the label
   */
  public String name() {
    return process.name();
  }

  /**
   * The blob port; fixed from the first start on.
   *
   * @return the port number
   */
  public int port() {
    return process.port();
  }

  /**
   * {@code http://127.0.0.1:PORT/devstoreaccount1}.
   *
   * @return the blob endpoint URL
   */
  public String blobEndpoint() {
    return process.blobEndpoint();
  }

  /**
   * A connection string for the development account; it holds the (public) account key: do not log it.
   *
   * @return the connection string
   */
  public String connectionString() {
    return process.connectionString();
  }

  /**
   * The account name, {@value #ACCOUNT_NAME}.
   *
   * @return the account name
   */
  public String accountName() {
    return process.accountName();
  }

  /**
   * The account key, for tests that build a shared-key credential; do not log it.
   *
   * @return the account key
   */
  public String accountKey() {
    return process.accountKey();
  }

  /**
   * Where this instance keeps its blobs.
   *
   * @return the data directory
   */
  public Path dataDirectory() {
    return process.dataDirectory();
  }

  /**
   * Whether the process is alive.
   *
   * @return true while Azurite runs
   */
  public boolean isRunning() {
    return process.isRunning();
  }

  /**
   * See {@link AzuriteProcess#start()}.
   *
   * @throws IOException when Azurite cannot be installed or started
   * @throws InterruptedException when interrupted while waiting for it
   */
  public void start() throws IOException, InterruptedException {
    process.start();
  }

  /** See {@link AzuriteProcess#stop()}. */
  public void stop() {
    process.stop();
  }

  /** See {@link AzuriteProcess#pause()}. */
  public void pause() {
    process.pause();
  }

  /** See {@link AzuriteProcess#resume()}. */
  public void resume() {
    process.resume();
  }

  /**
   * See {@link AzuriteProcess#isPaused()}.
   *
   * @return true while paused
   */
  public boolean isPaused() {
    return process.isPaused();
  }

  /** See {@link AzuriteProcess#close()}. */
  public void close() {
    process.close();
  }

  @Override
  public String toString() {
    return "AzuriteExtension{" + process.toString().substring("AzuriteProcess{".length());
  }
}
