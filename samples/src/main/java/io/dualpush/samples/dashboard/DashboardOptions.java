package io.dualpush.samples.dashboard;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code dashboard} command's settings, parsed from its arguments. Immutable.
 *
 * @param dir where the destinations, the log and the generated token live; empty for a new temporary directory
 * @param port the port to listen on (0: a free one)
 * @param bind the address to listen on
 * @param tokenFile a file whose first line is the token; empty to take it from the environment or generate it
 * @param protectReads whether the GET endpoints need the token too
 * @param pushInterval the background workload's pause between pushes
 * @param rateLimit requests a second allowed per client address
 * @param config the pipeline job's configuration file whose destinations, log and webhook to use; empty for three
 *     local directories under {@code dir}
 * @param workload whether the background workload pushes test objects ({@code --no-workload} turns it off)
 * @param log with {@code config}, a transaction log of the dashboard's own instead of the file's
 * @param allowedOrigins origins ({@code https://dash.example.com}) whose pages may open the live feed besides the
 *     dashboard's own: the public address of a reverse proxy that does not pass the {@code Host} on
 */
record DashboardOptions(Optional<Path> dir, int port, String bind, Optional<Path> tokenFile, boolean protectReads,
    Duration pushInterval, int rateLimit, Optional<Path> config, boolean workload, Optional<String> log,
    Set<String> allowedOrigins) {

  static final String USAGE = "dashboard [--config FILE [--log LOCATION]] [--dir DIR] [--port N] [--bind ADDR]"
      + " [--token-file FILE] [--protect-reads] [--push-interval-ms N] [--no-workload] [--rate-limit N]"
      + " [--allowed-origin ORIGIN]...";

  private static final Set<String> VALUED = Set.of("--dir", "--port", "--bind", "--token-file", "--push-interval-ms",
      "--rate-limit", "--config", "--log", "--allowed-origin");

  DashboardOptions {
    allowedOrigins = Set.copyOf(allowedOrigins);
  }

  /** The settings with no origin allowed besides the dashboard's own. */
  DashboardOptions(Optional<Path> dir, int port, String bind, Optional<Path> tokenFile, boolean protectReads,
      Duration pushInterval, int rateLimit, Optional<Path> config, boolean workload, Optional<String> log) {
    this(dir, port, bind, tokenFile, protectReads, pushInterval, rateLimit, config, workload, log, Set.of());
  }

  /** The settings without a configuration file, with the workload on. */
  DashboardOptions(Optional<Path> dir, int port, String bind, Optional<Path> tokenFile, boolean protectReads,
      Duration pushInterval, int rateLimit) {
    this(dir, port, bind, tokenFile, protectReads, pushInterval, rateLimit, Optional.empty(), true, Optional.empty());
  }

  /** Defaults: a temporary directory, port 8080 on loopback, a push every 200 ms, 50 requests/s per client. */
  static DashboardOptions defaults() {
    return new DashboardOptions(Optional.empty(), 8080, "127.0.0.1", Optional.empty(), false,
        Duration.ofMillis(200), 50, Optional.empty(), true, Optional.empty());
  }

  /**
   * Parses {@code --name value} and {@code --name=value} options.
   *
   * @throws IllegalArgumentException naming the option at fault
   */
  static DashboardOptions parse(List<String> args) {
    DashboardOptions o = defaults();
    Optional<Path> dir = o.dir();
    int port = o.port();
    String bind = o.bind();
    Optional<Path> tokenFile = o.tokenFile();
    boolean protectReads = o.protectReads();
    Duration interval = o.pushInterval();
    int rateLimit = o.rateLimit();
    Optional<Path> config = o.config();
    boolean workload = o.workload();
    boolean intervalGiven = false;
    Optional<String> log = o.log();
    Set<String> origins = new java.util.LinkedHashSet<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (name.equals("--protect-reads") || name.equals("--no-workload")) {
        if (value != null) {
          throw new IllegalArgumentException(name + " takes no value");
        }
        if (name.equals("--protect-reads")) {
          protectReads = true;
        } else {
          workload = false;
        }
        continue;
      }
      if (!VALUED.contains(name)) {
        throw new IllegalArgumentException("unknown option " + arg + " for 'dashboard' (usage: " + USAGE + ")");
      }
      if (value == null) {
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        value = args.get(++i);
      }
      switch (name) {
        case "--dir" -> dir = Optional.of(Path.of(value));
        case "--port" -> port = intValue(name, value, 0, 65535);
        case "--bind" -> bind = value;
        case "--token-file" -> tokenFile = Optional.of(Path.of(value));
        case "--push-interval-ms" -> {
          interval = Duration.ofMillis(intValue(name, value, 10, 3_600_000));
          intervalGiven = true;
        }
        case "--config" -> {
          if (config.isPresent()) {
            throw new IllegalArgumentException("--config given twice");
          }
          config = Optional.of(Path.of(value));
        }
        case "--log" -> {
          if (log.isPresent()) {
            throw new IllegalArgumentException("--log given twice");
          }
          log = Optional.of(value);
        }
        case "--rate-limit" -> rateLimit = intValue(name, value, 1, 1_000_000);
        case "--allowed-origin" -> origins.add(origin(value));
        default -> throw new IllegalStateException(name);
      }
    }
    if (!workload && intervalGiven) {
      throw new IllegalArgumentException("--push-interval-ms and --no-workload conflict: without the workload nothing"
          + " is pushed");
    }
    if (log.isPresent() && config.isEmpty()) {
      throw new IllegalArgumentException("--log applies with --config (without it the log is DIR/log)");
    }
    return new DashboardOptions(dir, port, bind, tokenFile, protectReads, interval, rateLimit, config, workload, log,
        origins);
  }

  /**
   * An origin as browsers send it: {@code http} or {@code https}, a host, a port when not the scheme's own, nothing
   * else; lower-cased, so that it compares with {@link DashboardServer#originAllowed}'s.
   */
  static String origin(String value) {
    String bad = "--allowed-origin must be an origin such as https://dash.example.com or http://10.0.0.5:8080 "
        + "(scheme, host and port only), was '" + value + "'";
    java.net.URI uri;
    try {
      uri = new java.net.URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(bad);
    }
    boolean web = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
    if (!web || uri.getHost() == null || uri.getRawUserInfo() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(bad);
    }
    return (uri.getScheme() + "://" + uri.getRawAuthority()).toLowerCase(java.util.Locale.ROOT);
  }

  private static int intValue(String name, String value, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }
}
