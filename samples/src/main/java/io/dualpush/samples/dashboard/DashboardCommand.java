package io.dualpush.samples.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualpush.samples.StandardInput;
import io.dualpush.samples.config.JobConfig;
import io.dualpush.samples.config.JobConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * {@code dashboard [--config FILE [--log LOCATION]] [--dir DIR] [--port N] [--bind ADDR] [--token-file FILE]
 * [--protect-reads] [--push-interval-ms N] [--no-workload] [--rate-limit N]}: serves the live replication dashboard over a
 * self-contained system of three local destinations, or over the destinations, log and webhook of a pipeline job's
 * configuration file ({@code --config}), with a background workload unless {@code --no-workload}. Prints one line on stdout, {@code LISTENING http://HOST:PORT/ token-file=PATH}, and
 * serves until stdin ends or the process gets SIGTERM; then it stops cleanly. The token is never printed or logged.
 */
public final class DashboardCommand {
  /** One line of usage, for the CLI's help. */
  public static final String USAGE = DashboardOptions.USAGE;

  private DashboardCommand() {}

  /**
   * Runs the dashboard until stdin ends or the JVM shuts down.
   *
   * @param args the arguments after {@code dashboard}
   * @param out where the one {@code LISTENING} line goes
   * @param err where a usage error goes
   * @return the exit code: 0 after a clean stop, 1 for bad usage or a bad configuration file, 3 when it cannot start (the port taken, a file
   *     unreadable)
   */
  public static int run(List<String> args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.in, System::getenv);
  }

  static int run(List<String> args, PrintStream out, PrintStream err, InputStream in, Function<String, String> env) {
    DashboardOptions options;
    try {
      options = DashboardOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("dashboard: " + e.getMessage());
      err.println("usage: java -jar dualpush-samples.jar " + USAGE);
      return 1;
    }
    Dashboard dashboard;
    try {
      dashboard = Dashboard.start(options, env);
    } catch (IllegalArgumentException e) {
      err.println("dashboard: " + e.getMessage());
      return 1;
    } catch (JobConfigException e) {
      // As push --config says it: the file and the key path.
      err.println("dashboard: --config " + oneLine(e.getMessage()));
      return 1;
    } catch (RuntimeException e) {
      // The port taken, the directory or the token file unreadable: the environment, not the arguments.
      err.println("dashboard: cannot start: " + oneLine(e.getMessage()));
      return 3;
    }
    AtomicBoolean stopped = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      if (stopped.compareAndSet(false, true)) {
        dashboard.close();
      }
      done.countDown();
    }, "dashboard-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("LISTENING " + dashboard.url() + " token-file=" + dashboard.token().source());
    out.flush();
    if (in == System.in && StandardInput.isDevNull()) {
      // A service manager's or a background job's stdin: its end is no request to stop; SIGTERM is.
      try {
        done.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      try {
        while (in.read() >= 0) {
          // Input is ignored; only its end matters.
        }
      } catch (IOException e) {
        // stdin failed: treated as its end.
      }
    }
    if (stopped.compareAndSet(false, true)) {
      dashboard.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down
      }
    }
    return 0;
  }

  private static String oneLine(String message) {
    return message == null ? "(no message)" : message.replaceAll("\\s*\\R\\s*", " ");
  }

  /** A running dashboard: the system, the live hub and the server, closed together. Thread-safe. */
  static final class Dashboard implements AutoCloseable {
    private final DashboardSystem system;
    private final DashboardServer server;
    private final DashboardToken token;
    private final Path dir;
    private final boolean temporary;
    private final String url;

    private Dashboard(DashboardSystem system, DashboardServer server, DashboardToken token, Path dir, boolean temporary,
        String url) {
      this.system = system;
      this.server = server;
      this.token = token;
      this.dir = dir;
      this.temporary = temporary;
      this.url = url;
    }

    /** Builds and starts everything. */
    static Dashboard start(DashboardOptions options, Function<String, String> env) {
      boolean temporary = options.dir().isEmpty();
      Path dir;
      try {
        dir = temporary ? Files.createTempDirectory("dualpush-dashboard") : Files.createDirectories(options.dir().get());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the dashboard's directory: " + e.getMessage(), e);
      }
      ObjectMapper json = new ObjectMapper();
      LiveHub[] hub = new LiveHub[1];
      // The system first: it locks the log, so a second dashboard on the same directory stops here, before it
      // could replace the first one's generated token.
      DashboardDestinations setup;
      try {
        setup = options.config().isPresent()
            ? DashboardDestinations.configured(JobConfig.load(options.config().get(), env, Set.of("redis", "job")),
                options.log(), env)
            : DashboardDestinations.local(dir);
      } catch (RuntimeException e) {
        if (temporary) {
          deleteTree(dir);
        }
        throw e;
      }
      DashboardSystem system = new DashboardSystem(setup, options.workload() ? Optional.of(options.pushInterval())
          : Optional.empty(), regions -> hub[0] = new LiveHub(json, regions));
      DashboardToken token;
      DashboardServer server;
      int port;
      try {
        token = DashboardToken.load(options.tokenFile(), env, dir);
        server = new DashboardServer(system, hub[0], token, options, json);
        port = server.start();
      } catch (RuntimeException e) {
        system.close();
        throw e;
      }
      String host = options.bind();
      try {
        if (InetAddress.getByName(host).isAnyLocalAddress()) {
          host = "127.0.0.1";
        }
      } catch (IOException e) {
        // keep the name as given
      }
      if (host.contains(":") && !host.startsWith("[")) {
        host = "[" + host + "]";
      }
      return new Dashboard(system, server, token, dir, temporary, "http://" + host + ":" + port + "/");
    }

    String url() {
      return url;
    }

    DashboardToken token() {
      return token;
    }

    DashboardSystem system() {
      return system;
    }

    @Override
    public void close() {
      try {
        server.close();
      } finally {
        system.close();
        if (temporary) {
          deleteTree(dir);
        }
      }
    }

    private static void deleteTree(Path root) {
      try {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }
}
