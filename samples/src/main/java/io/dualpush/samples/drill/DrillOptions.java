package io.dualpush.samples.drill;

import io.dualpush.samples.config.ConfigDurations;
import io.dualpush.samples.config.RedisUris;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The drill's settings, parsed from its command line. Immutable.
 *
 * @param redis the URI of a Redis to use ({@code redis://HOST:PORT[/DB]} or {@code rediss://...} for TLS; given as
 *     {@code HOST:PORT} too); empty to start a local redis-server for the run
 * @param redisPasswordEnv the environment variable holding that Redis's password (never the password itself)
 * @param dir where the destinations, logs and region output go; empty for a new temporary directory
 * @param duration how long the producer pushes, from its first push
 * @param killAfter when, from the first push, the active region is killed
 * @param ttl the lease TTL
 * @param maxTakeover the longest acceptable time from the kill to the standby's first verified push
 * @param json print the report as JSON
 * @param loseOne test-only sabotage: delete one pushed object from the secondary before the check
 */
record DrillOptions(Optional<String> redis, Optional<String> redisPasswordEnv, Optional<Path> dir, Duration duration,
    Duration killAfter, Duration ttl, Duration maxTakeover, boolean json, boolean loseOne) {
  static final String USAGE = "drill [--redis URI|HOST:PORT [--redis-password-env VAR]] [--dir DIR] [--seconds N]"
      + " [--kill-after N] [--ttl 3s] [--max-takeover DURATION] [--json]";

  /**
   * The slack added to the TTL for the default bound: the standby's retry interval (at most 250 ms), its first
   * push's Redis claim, write-ahead copy, two fsynced writes with their read-back, and the JVMs' threads on a
   * busy machine of two CPUs.
   */
  static final Duration TAKEOVER_SLACK = Duration.ofSeconds(5);

  /** Thrown for a bad command line: the message says what is wrong. */
  static final class BadUsage extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadUsage(String message) {
      super(message);
    }
  }

  static DrillOptions parse(List<String> args) {
    String redis = null;
    String passwordEnv = null;
    String dir = null;
    Integer seconds = null;
    Integer killAfter = null;
    Duration ttl = null;
    Duration maxTakeover = null;
    boolean json = false;
    boolean loseOne = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "--json" -> json = true;
        case "--lose-one" -> loseOne = true;
        case "--redis", "--redis-password-env", "--dir", "--seconds", "--kill-after", "--ttl", "--max-takeover" -> {
          if (value == null) {
            if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
              throw new BadUsage(name + " needs a value");
            }
            value = args.get(++i);
          }
          switch (name) {
            case "--redis" -> redis = once(name, redis, redisUri(value));
            case "--redis-password-env" -> passwordEnv = once(name, passwordEnv, variableName(name, value));
            case "--dir" -> dir = once(name, dir, value);
            case "--seconds" -> seconds = once(name, seconds, whole(name, value, 2, 3600));
            case "--kill-after" -> killAfter = once(name, killAfter, whole(name, value, 1, 3600));
            case "--ttl" -> ttl = once(name, ttl, duration(name, value));
            default -> maxTakeover = once(name, maxTakeover, duration(name, value));
          }
        }
        default -> throw new BadUsage("unknown argument '" + arg + "' for 'drill' (usage: " + USAGE + ")");
      }
    }
    if (passwordEnv != null && redis == null) {
      throw new BadUsage("--redis-password-env needs --redis: the drill's own redis-server has no password");
    }
    int s = seconds == null ? 20 : seconds;
    int k = killAfter == null ? Math.max(1, s * 2 / 5) : killAfter;
    if (k >= s) {
      throw new BadUsage("--kill-after (" + k + ") must be less than --seconds (" + s + "): the drill pushes after the kill");
    }
    Duration t = ttl == null ? Duration.ofSeconds(3) : ttl;
    if (t.compareTo(Duration.ofMillis(600)) < 0 || t.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new BadUsage("--ttl must be between 600ms and 5m, got " + t.toMillis() + " ms");
    }
    Duration bound = maxTakeover == null ? t.plus(TAKEOVER_SLACK) : maxTakeover;
    return new DrillOptions(Optional.ofNullable(redis), Optional.ofNullable(passwordEnv),
        Optional.ofNullable(dir).map(Path::of), Duration.ofSeconds(s), Duration.ofSeconds(k), t, bound, json, loseOne);
  }

  private static <T> T once(String name, T previous, T value) {
    if (previous != null) {
      throw new BadUsage(name + " given twice");
    }
    return value;
  }

  private static final String REDIS_FORMS = "redis://HOST:PORT, rediss://HOST:PORT (TLS) or HOST:PORT, such as "
      + "127.0.0.1:6379";

  /** The Redis to use as a URI: {@code HOST:PORT} becomes {@code redis://HOST:PORT}. */
  private static String redisUri(String value) {
    Matcher m = Pattern.compile("([^:\\s/@]+):(\\d{1,5})").matcher(value);
    if (m.matches()) {
      port(m.group(2));
      return "redis://" + value;
    }
    String database = " (a database as /N after the port)";
    URI uri;
    try {
      uri = RedisUris.parse(value);
    } catch (RedisUris.Refused e) {
      // Said without quoting the value: it may hold a secret.
      throw new BadUsage(switch (e.problem()) {
        case NOT_A_URI -> "--redis must be " + REDIS_FORMS;
        case CARRIES_PASSWORD -> "--redis must not carry a password (it would show in the process list): put it in an "
            + "environment variable and name that with --redis-password-env";
        case NOT_REDIS -> "--redis must be " + REDIS_FORMS + database;
      });
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null
        || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().matches("/\\d{1,2}"))) {
      throw new BadUsage("--redis must be " + REDIS_FORMS + database);
    }
    if (uri.getPort() != -1) {
      port(Integer.toString(uri.getPort()));
    }
    return value;
  }

  private static void port(String text) {
    int port = Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new BadUsage("--redis: port " + port + " is not between 1 and 65535");
    }
  }

  private static String variableName(String name, String value) {
    if (!value.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new BadUsage(name + " takes the NAME of an environment variable (letters, digits, _), not a password");
    }
    return value;
  }

  private static int whole(String name, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n < min || n > max) {
        throw new BadUsage(name + " must be between " + min + " and " + max + ", got " + value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadUsage(name + " must be a whole number of seconds, got '" + value + "'");
    }
  }

  /** A positive duration as the job's configuration writes one ({@link ConfigDurations}): 250ms, 3s, 2m, PT3S. */
  static Duration duration(String name, String value) {
    try {
      return ConfigDurations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadUsage(name + ": " + e.getMessage());
    }
  }
}
