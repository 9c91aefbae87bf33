package io.dualpush;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One part of a {@link HealthSnapshot}: a destination, the transaction log, the coordinator's lease, the repair
 * backlog or the dedupe store, with its status, a one-sentence detail, when it was checked, and its figures.
 *
 * <p>The {@code details} hold only values a JSON library writes as they are: strings, numbers, booleans, and maps
 * and lists of those (a figure not known is left out); instants are ISO-8601 strings and spans are whole milliseconds in keys ending
 * {@code Millis}. Nothing in a component holds a secret: no address with a query string, no connection string, no
 * key or password. Immutable and thread-safe.
 *
 * <pre>{@code
 * HealthComponent dr = client.healthSnapshot().component("destination:secondary").orElseThrow();
 * log.info("{} {}: {}", dr.name(), dr.status(), dr.detail());
 * }</pre>
 *
 * @param name the component's name, unique in its snapshot: {@code destination:<id>}, {@code transactionLog},
 *     {@code coordinator}, {@code repairBacklog}, {@code dedupeStore}
 * @param kind what sort of component it is
 * @param status UP, DEGRADED or DOWN
 * @param detail one sentence saying why it has that status
 * @param checkedAt when it was checked, on the client's clock
 * @param details its figures by name, JSON-friendly (see above); unmodifiable, in a stable order
 */
public record HealthComponent(String name, Kind kind, HealthSnapshot.Status status, String detail, Instant checkedAt,
    Map<String, Object> details) {

  /** What sort of component a {@link HealthComponent} is. */
  public enum Kind {
    /** One destination: its probe, circuit breaker, stuck calls and last outcomes. */
    DESTINATION,
    /** The transaction log: writable, size, segments, last sync latency. */
    TRANSACTION_LOG,
    /** The {@link ActiveRegionCoordinator}'s lease: role, fencing token, time left. */
    COORDINATOR,
    /** The open transactions waiting for repair, and the dead letters. */
    REPAIR_BACKLOG,
    /** The {@link io.dualpush.spi.DedupeStore}'s probe. */
    DEDUPE_STORE
  }

  /**
   * Checks that no component is null and copies {@code details}, keeping its order.
   *
   * @param name the component's name
   * @param kind what sort of component it is
   * @param status its status
   * @param detail why it has that status
   * @param checkedAt when it was checked
   * @param details its figures
   * @throws NullPointerException naming the component that is null
   */
  public HealthComponent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(checkedAt, "checkedAt");
    Objects.requireNonNull(details, "details");
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
  }

  /**
   * The component as nested maps of plain values: {@code name}, {@code kind}, {@code status}, {@code detail},
   * {@code checkedAt} (ISO-8601) and {@code details}, ready for any JSON library.
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("kind", kind.name());
    m.put("status", status.name());
    m.put("detail", detail);
    m.put("checkedAt", checkedAt.toString());
    m.put("details", HealthSnapshot.plain(details));
    return Collections.unmodifiableMap(m);
  }
}
