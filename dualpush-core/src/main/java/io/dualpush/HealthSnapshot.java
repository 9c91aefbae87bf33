package io.dualpush;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The health of a client at one instant, as {@link DualPushClient#healthSnapshot()} takes it: one
 * {@link HealthComponent} per destination, the transaction log, the coordinator's lease (when one is configured),
 * the repair backlog and the dedupe store, each UP, DEGRADED or DOWN with a sentence and its figures; an overall
 * status; and the {@linkplain RecentActivity recent activity} of pushes.
 *
 * <p>The overall status is the worst that matters:
 * <ul>
 *   <li>{@link Status#DOWN} when a required destination or the transaction log is DOWN: pushes cannot be
 *       acknowledged (or logged) as configured;</li>
 *   <li>else {@link Status#DEGRADED} when any component is not UP (an optional destination down, a breaker
 *       half-open, a backlog over its recovery-point budget, the lease or the dedupe store failing);</li>
 *   <li>else {@link Status#UP}.</li>
 * </ul>
 *
 * <p>{@link #toMap()} renders it for a host's own JSON library in one call. Nothing in it is a secret. Immutable
 * and thread-safe.
 *
 * <pre>{@code
 * HealthSnapshot health = client.healthSnapshot();
 * String json = objectMapper.writeValueAsString(health.toMap());
 * }</pre>
 */
public final class HealthSnapshot {
  /** How long {@link DualPushClient#healthSnapshot()} waits for its checks unless told otherwise. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(5);

  /** A component's, or the whole client's, health. */
  public enum Status {
    /** Works as configured. */
    UP,
    /** Works, but something needs attention: a part is failing, slow, behind or recovering. */
    DEGRADED,
    /** Does not work: for the overall status, pushes cannot be acknowledged as configured. */
    DOWN;

    /**
     * The worse of this status and {@code other}.
     *
     * @param other another status
     * @return {@code DOWN} over {@code DEGRADED} over {@code UP}
     */
    public Status worst(Status other) {
      return compareTo(other) >= 0 ? this : other;
    }
  }

  private final Status overall;
  private final Instant at;
  private final List<HealthComponent> components;
  private final RecentActivity recent;

  private HealthSnapshot(Status overall, Instant at, List<HealthComponent> components, RecentActivity recent) {
    this.overall = overall;
    this.at = at;
    this.components = components;
    this.recent = recent;
  }

  /**
   * A snapshot of {@code components}, its overall status computed by the rule in the class documentation: a
   * destination is required when its details hold {@code required = true}.
   *
   * @param at when it was taken
   * @param components the components, names unique, in the order to show them
   * @param recent the recent activity of pushes
   * @return the snapshot
   * @throws NullPointerException when an argument is null
   * @throws IllegalArgumentException when two components share a name
   */
  public static HealthSnapshot of(Instant at, List<HealthComponent> components, RecentActivity recent) {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(recent, "recent");
    List<HealthComponent> list = List.copyOf(Objects.requireNonNull(components, "components"));
    Set<String> names = new HashSet<>();
    Status overall = Status.UP;
    for (HealthComponent c : list) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("two components are named '" + c.name() + "'");
      }
      if (c.status() == Status.UP) {
        continue;
      }
      boolean vital = c.kind() == HealthComponent.Kind.TRANSACTION_LOG
          || c.kind() == HealthComponent.Kind.DESTINATION && Boolean.TRUE.equals(c.details().get("required"));
      overall = overall.worst(vital && c.status() == Status.DOWN ? Status.DOWN : Status.DEGRADED);
    }
    return new HealthSnapshot(overall, at, list, recent);
  }

  /**
   * The client's status, by the rule in the class documentation.
   *
   * @return UP, DEGRADED or DOWN
   */
  public Status overall() {
    return overall;
  }

  /**
   * When the snapshot was taken, on the client's clock.
   *
   * @return the instant
   */
  public Instant at() {
    return at;
  }

  /**
   * Every component: destinations in the order they were added, then the transaction log, the coordinator (when
   * configured), the repair backlog and the dedupe store.
   *
   * @return the components; unmodifiable
   */
  public List<HealthComponent> components() {
    return components;
  }

  /**
   * One component by its name, such as {@code destination:primary} or {@code transactionLog}.
   *
   * @param name the component's name
   * @return the component, or empty when the snapshot has none of that name
   */
  public Optional<HealthComponent> component(String name) {
    InvalidInputException.requireNonNull(name, "name");
    return components.stream().filter(c -> c.name().equals(name)).findFirst();
  }

  /**
   * What pushes did over the last minute and hour.
   *
   * @return the counts
   */
  public RecentActivity recent() {
    return recent;
  }

  /**
   * The snapshot as nested maps and lists of plain values, for the host's JSON library in one call: {@code
   * status}, {@code at} (ISO-8601), {@code components} (a map by name of {@link HealthComponent#toMap()}) and
   * {@code recent} ({@link RecentActivity#toMap()}). Holds only strings, numbers, booleans, null, maps and lists.
   *
   * <pre>{@code
   * String json = new ObjectMapper().writeValueAsString(client.healthSnapshot().toMap());
   * }</pre>
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", overall.name());
    m.put("at", at.toString());
    Map<String, Object> byName = new LinkedHashMap<>();
    for (HealthComponent c : components) {
      byName.put(c.name(), c.toMap());
    }
    m.put("components", Collections.unmodifiableMap(byName));
    m.put("recent", recent.toMap());
    return Collections.unmodifiableMap(m);
  }

  /**
   * {@code value} as a JSON-native value: maps and collections recursively, instants and other temporals as
   * ISO-8601 strings, durations as milliseconds, enums by name, optionals unwrapped, anything else by its string
   * form.
   */
  static @Nullable Object plain(@Nullable Object value) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), plain(v)));
      return Collections.unmodifiableMap(out);
    }
    if (value instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>(c.size());
      c.forEach(v -> out.add(plain(v)));
      return Collections.unmodifiableList(out);
    }
    if (value instanceof Optional<?> o) {
      return o.map(HealthSnapshot::plain).orElse(null);
    }
    if (value instanceof Duration d) {
      return d.toMillis();
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    return value.toString();
  }

  @Override
  public String toString() {
    return "HealthSnapshot[" + overall + " at " + at + ", " + components.size() + " components]";
  }
}
