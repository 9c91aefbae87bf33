package io.dualpush.samples.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * The pipeline job's configuration file (YAML; JSON is YAML too), read and checked as a whole
 * before anything is written. It holds what the command-line options hold and more:
 *
 * <pre>
 * destinations:                       # required, at least one
 *   - name: east                      # required
 *     location: /data/east            # required: a directory, azure:https://ACCOUNT.blob.core.windows.net/CONTAINER
 *                                     #   or azure-env:ENV_VAR/CONTAINER
 *     region: eastus                  # optional
 *     required: true                  # default true; false = an optional copy
 * log: /var/lib/dualpush/log          # required: a directory, or an azure:/azure-env: CONTAINER/PREFIX
 * push:                               # all optional
 *   parallel: 8
 *   timeout: 60s                      # whole seconds
 *   breakerOpenDelay: 30s             # whole seconds
 *   progress: 10s                     # whole seconds
 *   allowSkipped: false
 *   quarantineDamaged: false
 * redis:                              # optional; when present the job is one region of an active/standby pair
 *   uri: redis://redis.internal:6379  # required; rediss:// for TLS; never a password here
 *   passwordEnv: REDIS_PASSWORD       # the environment variable holding the password
 *   lease:
 *     name: active_dc                 # default active_dc; the same in both regions' files
 *     owner: eastus-job-1             # default HOSTNAME-PID
 *     ttl: 10s                        # default 10s
 *     renew: 3s                       # default a third of the ttl
 *   dedupe: true                      # default false: a RedisDedupeStore for message ids
 * job:
 *   interval: 30s                     # run: time between rounds; default 30s
 *   wait: 10m                         # how long a standby waits for the lease; default 10m for push, forever for run
 * alerts:
 *   webhook:
 *     url: https://alerts.example/hook
 *     secretEnv: ALERT_WEBHOOK_SECRET # sent as "Authorization: Bearer ..."
 * </pre>
 *
 * <p>Every string value may hold {@code ${ENV_VAR}} or {@code ${ENV_VAR:-default}}. Unknown keys,
 * values of the wrong type, missing required values and bad durations fail with a
 * {@link JobConfigException} naming the file and the key path. Secrets are never held in this
 * object: only the names of the environment variables that hold them, checked to be set.
 * Immutable; thread-safe.
 */
public final class JobConfig {
  /** One destination of the file. */
  public record Destination(String name, String location, Optional<String> region, boolean required) {}

  /** The lease and dedupe settings of the {@code redis} section; the password stays in its environment variable. */
  public record Redis(String uri, Optional<String> passwordEnv, String leaseName, Optional<String> owner,
      Duration ttl, Optional<Duration> renew, boolean dedupe) {}

  /** The alert webhook: where, and the environment variable of its bearer secret. */
  public record Webhook(URI url, Optional<String> secretEnv) {}

  /** The {@code push} section. */
  public record Push(OptionalInt parallel, Optional<Duration> timeout, Optional<Duration> breakerOpenDelay,
      Optional<Duration> progress, boolean allowSkipped, boolean quarantineDamaged) {}

  private static final String DEFAULT_LEASE = "active_dc";
  private static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

  private final String file;
  private final List<Destination> destinations;
  private final String log;
  private final Push push;
  /** The sections a caller may leave unread: everything but the destinations, the log and the push settings. */
  private static final Set<String> OPTIONAL_SECTIONS = Set.of("redis", "job", "alerts");

  private final Optional<Redis> redis;
  private final Optional<Webhook> webhook;
  private final Optional<Duration> interval;
  private final Optional<String> wait;

  private JobConfig(String file, List<Destination> destinations, String log, Push push, Optional<Redis> redis,
      Optional<Webhook> webhook, Optional<Duration> interval, Optional<String> wait) {
    this.file = file;
    this.destinations = List.copyOf(destinations);
    this.log = log;
    this.push = push;
    this.redis = redis;
    this.webhook = webhook;
    this.interval = interval;
    this.wait = wait;
  }

  /**
   * Reads and checks a configuration file.
   *
   * @param file the file
   * @param env the environment, for interpolation and for checking that named secret variables are set
   * @return the configuration
   * @throws JobConfigException naming the file and the key path of the first problem
   */
  public static JobConfig load(Path file, Function<String, String> env) {
    return load(file, env, Set.of());
  }

  /**
   * Reads and checks a configuration file, leaving out top-level sections the caller does not use: their keys are
   * known, but what they hold is neither read nor checked, so the variables they name need not be set (the dashboard
   * reads a job's file without its {@code redis} section).
   *
   * @param file the file
   * @param env the environment, for interpolation and for checking that named secret variables are set
   * @param unread top-level sections to leave out, among {@code redis}, {@code job} and {@code alerts}
   * @return the configuration; the sections left out are empty
   * @throws JobConfigException naming the file and the key path of the first problem
   * @throws IllegalArgumentException if {@code unread} names another section
   */
  public static JobConfig load(Path file, Function<String, String> env, Set<String> unread) {
    if (!OPTIONAL_SECTIONS.containsAll(unread)) {
      throw new IllegalArgumentException("only these sections can be left unread: " + OPTIONAL_SECTIONS);
    }
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new JobConfigException(name, "", "no such file");
    } catch (IOException e) {
      throw new JobConfigException(name, "", "cannot be read: " + e.getClass().getSimpleName());
    }
    return parse(name, text, env, unread);
  }

  /**
   * Checks configuration text.
   *
   * @param file the name to use in messages
   * @param text the YAML text
   * @param env the environment
   * @return the configuration
   * @throws JobConfigException naming the file and the key path of the first problem
   */
  public static JobConfig parse(String file, String text, Function<String, String> env) {
    return parse(file, text, env, Set.of());
  }

  private static JobConfig parse(String file, String text, Function<String, String> env, Set<String> unread) {
    JsonNode root;
    try {
      YAMLMapper mapper = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
      root = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      // The parser's message quotes the text around the error, which may hold a value: say only where.
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
          ? "a key given twice" : "not valid YAML";
      throw new JobConfigException(file, "", what + where);
    }
    Reader r = new Reader(file, env);
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new JobConfigException(file, "", "the file is empty");
    }
    ObjectNode top = r.object(root, "", Set.of("destinations", "log", "push", "redis", "job", "alerts"));
    List<Destination> destinations = r.destinations(top.get("destinations"));
    String log = r.requiredString(top, "", "log");
    Push push = r.push(top.get("push"));
    Optional<Redis> redis = top.has("redis") && !unread.contains("redis") ? Optional.of(r.redis(top.get("redis")))
        : Optional.empty();
    Optional<Duration> interval = Optional.empty();
    Optional<String> wait = Optional.empty();
    if (top.has("job") && !unread.contains("job")) {
      ObjectNode job = r.object(top.get("job"), "job", Set.of("interval", "wait"));
      interval = r.optionalDuration(job, "job", "interval");
      wait = r.optionalString(job, "job", "wait");
      if (wait.isPresent()) {
        try {
          ConfigDurations.parseOrForever(wait.get());
        } catch (IllegalArgumentException e) {
          throw new JobConfigException(file, "job.wait", e.getMessage() + " or forever");
        }
      }
    }
    Optional<Webhook> webhook = Optional.empty();
    if (top.has("alerts") && !unread.contains("alerts")) {
      ObjectNode alerts = r.object(top.get("alerts"), "alerts", Set.of("webhook"));
      if (alerts.has("webhook")) {
        webhook = Optional.of(r.webhook(alerts.get("webhook")));
      }
    }
    return new JobConfig(file, destinations, log, push, redis, webhook, interval, wait);
  }

  /**
   * The file this configuration was read from, for messages.
   *
   * @return the file name as given
   */
  public String file() {
    return file;
  }

  /**
   * The destinations, in the file's order.
   *
   * @return at least one destination, names distinct
   */
  public List<Destination> destinations() {
    return destinations;
  }

  /**
   * The transaction log location.
   *
   * @return a directory or an Azure location
   */
  public String log() {
    return log;
  }

  /**
   * The push settings.
   *
   * @return the {@code push} section, empty values where the file has none
   */
  public Push push() {
    return push;
  }

  /**
   * The Redis settings.
   *
   * @return the {@code redis} section, or empty when the job runs alone
   */
  public Optional<Redis> redis() {
    return redis;
  }

  /**
   * The alert webhook.
   *
   * @return the webhook, or empty
   */
  public Optional<Webhook> webhook() {
    return webhook;
  }

  /**
   * The time between two rounds of {@code run}.
   *
   * @return the interval, or empty for the default
   */
  public Optional<Duration> interval() {
    return interval;
  }

  /**
   * How long a standby waits for the lease, as written ({@code 10m} or {@code forever}).
   *
   * @return the text, checked to parse, or empty for the command's default
   */
  public Optional<String> waitText() {
    return wait;
  }

  /**
   * The command-line options this file stands for, for one command: each only when the command
   * takes it and {@code given} (the options on the command line, which win) does not hold it.
   * {@code --destination} and {@code --optional} go together: any {@code --destination} on the
   * command line replaces every destination of the file.
   *
   * @param command push, run, repair, verify, status or replay
   * @param given the option names on the command line ({@code --log}, ...)
   * @return the options, to put before the command line's own
   */
  public List<String> flagsFor(String command, Set<String> given) {
    Set<String> takes = switch (command) {
      case "push", "run" -> Set.of("--destination", "--log", "--parallel", "--timeout", "--progress",
          "--breaker-open-delay", "--allow-skipped", "--quarantine-damaged");
      case "repair", "replay" -> Set.of("--destination", "--log", "--timeout", "--quarantine-damaged");
      case "verify" -> Set.of("--destination", "--log", "--parallel", "--timeout", "--progress", "--quarantine-damaged");
      case "status" -> Set.of("--log");
      default -> Set.of();
    };
    List<String> out = new ArrayList<>();
    if (takes.contains("--destination") && !given.contains("--destination") && !given.contains("--optional")) {
      for (Destination d : destinations) {
        out.add("--destination");
        out.add(d.name() + "=" + d.location());
        if (!d.required()) {
          out.add("--optional");
          out.add(d.name());
        }
      }
    }
    add(out, takes, given, "--log", Optional.of(log));
    add(out, takes, given, "--parallel", push.parallel().isPresent()
        ? Optional.of(Integer.toString(push.parallel().getAsInt())) : Optional.empty());
    add(out, takes, given, "--timeout", push.timeout().map(d -> Long.toString(d.toSeconds())));
    add(out, takes, given, "--progress", push.progress().map(d -> Long.toString(d.toSeconds())));
    add(out, takes, given, "--breaker-open-delay", push.breakerOpenDelay().map(d -> Long.toString(d.toSeconds())));
    if (push.allowSkipped() && takes.contains("--allow-skipped") && !given.contains("--allow-skipped")) {
      out.add("--allow-skipped");
    }
    if (push.quarantineDamaged() && takes.contains("--quarantine-damaged") && !given.contains("--quarantine-damaged")) {
      out.add("--quarantine-damaged");
    }
    return out;
  }

  /**
   * The regions of the destinations, for the destinations of this file (not for ones given on the command line).
   *
   * @return destination name to region, for those that have one
   */
  public Map<String, String> regions() {
    Map<String, String> regions = new java.util.LinkedHashMap<>();
    destinations.forEach(d -> d.region().ifPresent(region -> regions.put(d.name(), region)));
    return regions;
  }

  private static void add(List<String> out, Set<String> takes, Set<String> given, String flag, Optional<String> value) {
    if (value.isPresent() && takes.contains(flag) && !given.contains(flag)) {
      out.add(flag);
      out.add(value.get());
    }
  }

  @Override
  public String toString() {
    // No value that could be a secret: locations and the Redis URI may carry interpolated text.
    return "JobConfig[" + file + ": " + destinations.size() + " destination(s)" + (redis.isPresent() ? ", redis" : "")
        + (webhook.isPresent() ? ", webhook" : "") + "]";
  }

  /** Walks the tree, naming the key path of every problem. */
  private static final class Reader {
    private final String file;
    private final Function<String, String> env;

    Reader(String file, Function<String, String> env) {
      this.file = file;
      this.env = env;
    }

    JobConfigException fail(String path, String problem) {
      return new JobConfigException(file, path, problem);
    }

    static String join(String parent, String key) {
      return parent.isEmpty() ? key : parent + "." + key;
    }

    ObjectNode object(JsonNode node, String path, Set<String> known) {
      if (node == null || !node.isObject()) {
        throw fail(path, "expected a mapping of keys (" + String.join(", ", new java.util.TreeSet<>(known))
            + "), got " + kind(node));
      }
      Iterator<String> names = node.fieldNames();
      while (names.hasNext()) {
        String key = names.next();
        if (!known.contains(key)) {
          throw fail(join(path, key), "unknown key (known here: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
        }
      }
      return (ObjectNode) node;
    }

    static String kind(JsonNode node) {
      if (node == null || node.isMissingNode()) {
        return "nothing";
      }
      if (node.isNull()) {
        return "an empty value";
      }
      if (node.isArray()) {
        return "a list";
      }
      if (node.isObject()) {
        return "a mapping";
      }
      if (node.isBoolean()) {
        return "a boolean";
      }
      if (node.isNumber()) {
        return "a number";
      }
      return "a string";
    }

    /** A scalar as text, interpolated; null when the key is absent. */
    String scalar(ObjectNode parent, String path, String key) {
      JsonNode node = parent.get(key);
      String at = join(path, key);
      if (node == null) {
        return null;
      }
      if (!node.isValueNode() || node.isNull()) {
        throw fail(at, "expected a value, got " + kind(node));
      }
      try {
        return Interpolation.apply(node.asText(), env);
      } catch (IllegalArgumentException e) {
        throw fail(at, e.getMessage());
      }
    }

    String requiredString(ObjectNode parent, String path, String key) {
      JsonNode node = parent.get(key);
      String at = join(path, key);
      if (node == null) {
        throw fail(at, "is required");
      }
      if (!node.isTextual()) {
        throw fail(at, "expected a string, got " + kind(node));
      }
      String v = scalar(parent, path, key);
      if (v.isBlank()) {
        throw fail(at, "must not be empty");
      }
      return v.trim();
    }

    Optional<String> optionalString(ObjectNode parent, String path, String key) {
      JsonNode node = parent.get(key);
      if (node == null) {
        return Optional.empty();
      }
      if (!node.isTextual()) {
        throw fail(join(path, key), "expected a string, got " + kind(node));
      }
      String v = scalar(parent, path, key);
      if (v.isBlank()) {
        throw fail(join(path, key), "must not be empty");
      }
      return Optional.of(v.trim());
    }

    boolean bool(ObjectNode parent, String path, String key, boolean defaultValue) {
      JsonNode node = parent.get(key);
      if (node == null) {
        return defaultValue;
      }
      if (node.isBoolean()) {
        return node.booleanValue();
      }
      if (node.isTextual()) {
        String v = scalar(parent, path, key).trim();
        if (v.equals("true") || v.equals("false")) {
          return Boolean.parseBoolean(v);
        }
      }
      throw fail(join(path, key), "expected true or false, got " + kind(node));
    }

    OptionalInt integer(ObjectNode parent, String path, String key, int min, int max) {
      JsonNode node = parent.get(key);
      if (node == null) {
        return OptionalInt.empty();
      }
      String at = join(path, key);
      long n;
      if (node.isIntegralNumber()) {
        n = node.longValue();
      } else if (node.isTextual()) {
        String v = scalar(parent, path, key).trim();
        try {
          n = Long.parseLong(v);
        } catch (NumberFormatException e) {
          throw fail(at, "expected a whole number, got a string that is not one");
        }
      } else {
        throw fail(at, "expected a whole number, got " + kind(node));
      }
      if (n < min || n > max) {
        throw fail(at, "must be between " + min + " and " + max + ", got " + n);
      }
      return OptionalInt.of((int) n);
    }

    Optional<Duration> optionalDuration(ObjectNode parent, String path, String key) {
      JsonNode node = parent.get(key);
      if (node == null) {
        return Optional.empty();
      }
      String at = join(path, key);
      if (!node.isTextual()) {
        throw fail(at, "expected a duration such as 30s or 10m, got " + kind(node) + " (give the unit)");
      }
      String raw = node.asText();
      String v = scalar(parent, path, key);
      try {
        return Optional.of(ConfigDurations.parse(v));
      } catch (IllegalArgumentException e) {
        // Quote what the file says, not the interpolated text.
        throw fail(at, "'" + raw + "' is not a positive duration (write 500ms, 30s, 10m, 2h, 1d or PT1M30S)");
      }
    }

    Optional<Duration> wholeSeconds(ObjectNode parent, String path, String key, long max) {
      Optional<Duration> d = optionalDuration(parent, path, key);
      if (d.isPresent() && (d.get().toMillis() % 1000 != 0 || d.get().toSeconds() > max)) {
        throw fail(join(path, key), "must be whole seconds between 1s and " + max + "s");
      }
      return d;
    }

    String envName(ObjectNode parent, String path, String key, String secretOf) {
      String name = requiredString(parent, path, key);
      if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw fail(join(path, key), "must be the NAME of an environment variable that holds " + secretOf
            + " (the secret itself never goes in the file)");
      }
      String value = env.apply(name);
      if (value == null || value.isEmpty()) {
        throw fail(join(path, key), "environment variable " + name + " is not set or empty; it must hold " + secretOf);
      }
      return name;
    }

    List<Destination> destinations(JsonNode node) {
      if (node == null) {
        throw fail("destinations", "is required (a list of name, location, region, required)");
      }
      if (!node.isArray() || node.isEmpty()) {
        throw fail("destinations", "expected a list of at least one destination, got " + kind(node));
      }
      List<Destination> out = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>();
      for (int i = 0; i < node.size(); i++) {
        String path = "destinations[" + i + "]";
        ObjectNode d = object(node.get(i), path, Set.of("name", "location", "region", "required"));
        String name = requiredString(d, path, "name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
          throw fail(path + ".name", "'" + name + "' must be letters, digits, '.', '_' or '-' (at most 63)");
        }
        if (!names.add(name)) {
          throw fail(path + ".name", "'" + name + "' is the name of an earlier destination too");
        }
        String location = requiredString(d, path, "location");
        if (!location.startsWith("azure:") && !location.startsWith("azure-env:") && !Files.isDirectory(Path.of(location))) {
          throw fail(path + ".location", "not an existing directory (nor azure:URL or azure-env:ENV_VAR/CONTAINER)");
        }
        Optional<String> region = optionalString(d, path, "region");
        boolean required = bool(d, path, "required", true);
        out.add(new Destination(name, location, region, required));
      }
      if (out.stream().noneMatch(Destination::required)) {
        throw fail("destinations", "at least one destination must be required");
      }
      return out;
    }

    Push push(JsonNode node) {
      if (node == null) {
        return new Push(OptionalInt.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false, false);
      }
      ObjectNode p = object(node, "push", Set.of("parallel", "timeout", "breakerOpenDelay", "progress",
          "allowSkipped", "quarantineDamaged"));
      return new Push(integer(p, "push", "parallel", 1, 256), wholeSeconds(p, "push", "timeout", 86_400),
          wholeSeconds(p, "push", "breakerOpenDelay", 3_600), wholeSeconds(p, "push", "progress", 3_600),
          bool(p, "push", "allowSkipped", false), bool(p, "push", "quarantineDamaged", false));
    }

    Redis redis(JsonNode node) {
      ObjectNode r = object(node, "redis", Set.of("uri", "passwordEnv", "lease", "dedupe"));
      String uri = requiredString(r, "redis", "uri");
      try {
        RedisUris.parse(uri);
      } catch (RedisUris.Refused e) {
        throw fail("redis.uri", switch (e.problem()) {
          case NOT_A_URI -> "not a URI (expected redis://HOST:PORT or rediss://HOST:PORT)";
          case CARRIES_PASSWORD -> "must not carry a password; name the environment variable that holds it in"
              + " redis.passwordEnv";
          case NOT_REDIS -> "expected redis://HOST:PORT or rediss://HOST:PORT";
        });
      }
      Optional<String> passwordEnv = r.has("passwordEnv")
          ? Optional.of(envName(r, "redis", "passwordEnv", "the Redis password")) : Optional.empty();
      String leaseName = DEFAULT_LEASE;
      Optional<String> owner = Optional.empty();
      Duration ttl = DEFAULT_TTL;
      Optional<Duration> renew = Optional.empty();
      if (r.has("lease")) {
        ObjectNode l = object(r.get("lease"), "redis.lease", Set.of("name", "owner", "ttl", "renew"));
        leaseName = optionalString(l, "redis.lease", "name").orElse(DEFAULT_LEASE);
        owner = optionalString(l, "redis.lease", "owner");
        ttl = optionalDuration(l, "redis.lease", "ttl").orElse(DEFAULT_TTL);
        renew = optionalDuration(l, "redis.lease", "renew");
        if (renew.isPresent() && renew.get().compareTo(ttl) >= 0) {
          throw fail("redis.lease.renew", "must be shorter than redis.lease.ttl (" + ConfigDurations.format(ttl) + ")");
        }
      }
      return new Redis(uri, passwordEnv, leaseName, owner, ttl, renew, bool(r, "redis", "dedupe", false));
    }

    Webhook webhook(JsonNode node) {
      ObjectNode w = object(node, "alerts.webhook", Set.of("url", "secretEnv"));
      String url = requiredString(w, "alerts.webhook", "url");
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw fail("alerts.webhook.url", "not a URL");
      }
      if (uri.getScheme() == null || !Set.of("http", "https").contains(uri.getScheme()) || uri.getHost() == null) {
        throw fail("alerts.webhook.url", "expected an http(s) URL with a host");
      }
      if (uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
        throw fail("alerts.webhook.url", "must not carry credentials or a query; name the environment variable of"
            + " the secret in alerts.webhook.secretEnv");
      }
      Optional<String> secretEnv = w.has("secretEnv")
          ? Optional.of(envName(w, "alerts.webhook", "secretEnv", "the webhook's bearer secret")) : Optional.empty();
      return new Webhook(Objects.requireNonNull(uri), secretEnv);
    }
  }
}
