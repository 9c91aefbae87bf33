package io.dualpush.samples.drill;

import java.nio.file.Path;
import io.dualpush.samples.config.ConfigDurations;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The drill's settings, parsed from its command line. Immutable.
 *
 * @param redis {@code HOST:PORT} of a Redis to use; empty to start a local redis-server for the run
 * @param dir where the destinations, logs and region output go; empty for a new temporary directory
 * @param duration how long the producer pushes, from its first push
 * @param killAfter when, from the first push, the active region is killed
 * @param ttl the lease TTL
 * @param maxTakeover the longest acceptable time from the kill to the standby's first verified push
 * @param json print the report as JSON
 * @param loseOne test-only sabotage: delete one pushed object from the secondary before the check
 */
record DrillOptions(Optional<String> redis, Optional<Path> dir, Duration duration, Duration killAfter, Duration ttl,
    Duration maxTakeover, boolean json, boolean loseOne) {
  static final String USAGE = "drill [--redis HOST:PORT] [--dir DIR] [--seconds N] [--kill-after N] [--ttl 3s]"
      + " [--max-takeover DURATION] [--json]";

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
        case "--redis", "--dir", "--seconds", "--kill-after", "--ttl", "--max-takeover" -> {
          if (value == null) {
            if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
              throw new BadUsage(name + " needs a value");
            }
            value = args.get(++i);
          }
          switch (name) {
            case "--redis" -> redis = once(name, redis, hostPort(value));
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
    return new DrillOptions(Optional.ofNullable(redis), Optional.ofNullable(dir).map(Path::of), Duration.ofSeconds(s),
        Duration.ofSeconds(k), t, bound, json, loseOne);
  }

  private static <T> T once(String name, T previous, T value) {
    if (previous != null) {
      throw new BadUsage(name + " given twice");
    }
    return value;
  }

  private static String hostPort(String value) {
    Matcher m = Pattern.compile("([^:\\s/]+):(\\d{1,5})").matcher(value);
    if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
      throw new BadUsage("--redis must be HOST:PORT, such as 127.0.0.1:6379");
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
