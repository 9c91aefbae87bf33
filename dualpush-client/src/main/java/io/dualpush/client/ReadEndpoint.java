package io.dualpush.client;

import io.dualpush.InvalidInputException;
import io.dualpush.spi.Destination;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * One place the read client can read copies from: a dualpush {@link Destination} (a local directory, an Azure
 * container through {@code AzureBlobDestination}) or an HTTP(S) base URL whose {@code GET <base>/<key>} returns the
 * object (a CDN, a public or SAS container URL). Immutable.
 *
 * <pre>{@code
 * ReadEndpoint.of("primary", primaryDestination);
 * ReadEndpoint.http("edge", URI.create("https://cdn.example.org/data/")).withPriority(1).withCopyOf("primary");
 * }</pre>
 *
 * <p>A base URL may carry a query string (a SAS token): it is sent with every request and never appears in
 * {@link #describe()}, logs, exceptions or health output.
 */
public final class ReadEndpoint {
  /** What kind of endpoint this is. */
  public enum Kind {
    /** A dualpush {@link Destination}, read with {@code head} and {@code get}. */
    DESTINATION,
    /** An HTTP(S) base URL, read with {@code java.net.http}. */
    HTTP
  }

  private final String id;
  private final int priority;
  private final String copyOf;
  private final String healthPath;
  private final Destination destination;
  private final URI baseUri;

  private ReadEndpoint(String id, int priority, String copyOf, String healthPath, Destination destination,
      URI baseUri) {
    this.id = id;
    this.priority = priority;
    this.copyOf = copyOf;
    this.healthPath = healthPath;
    this.destination = destination;
    this.baseUri = baseUri;
  }

  /**
   * An endpoint that reads through a dualpush destination.
   *
   * @param id the endpoint's id, unique within one client; by default also the destination id its copies have in
   *     push receipts
   * @param destination where to read
   * @return the endpoint, priority 0
   */
  public static ReadEndpoint of(String id, Destination destination) {
    return new ReadEndpoint(checkId(id), 0, id, "", InvalidInputException.requireNonNull(destination, "destination"),
        null);
  }

  /**
   * An endpoint that reads {@code GET <baseUri>/<key>} over HTTP(S).
   *
   * @param id the endpoint's id, unique within one client; by default also the destination id its copies have in
   *     push receipts
   * @param baseUri an absolute http or https URL; its query string, if any, is added to every request
   * @return the endpoint, priority 0
   */
  public static ReadEndpoint http(String id, URI baseUri) {
    InvalidInputException.requireNonNull(baseUri, "baseUri");
    String scheme = baseUri.getScheme();
    if (!baseUri.isAbsolute() || baseUri.isOpaque() || baseUri.getRawAuthority() == null
        || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      throw new InvalidInputException("baseUri", "'baseUri' must be an absolute http or https URL; got "
          + safeDescription(baseUri));
    }
    if (baseUri.getRawUserInfo() != null) {
      throw new InvalidInputException("baseUri", "'baseUri' must not carry user information; got "
          + safeDescription(baseUri));
    }
    return new ReadEndpoint(checkId(id), 0, id, "", null, baseUri);
  }

  private static String checkId(String id) {
    InvalidInputException.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new InvalidInputException("id", "'id' must not be blank.");
    }
    return id;
  }

  /**
   * This endpoint with another priority: lower numbers are preferred among endpoints in equal health.
   *
   * @param priority 0 or more
   * @return a copy with that priority
   */
  public ReadEndpoint withPriority(int priority) {
    InvalidInputException.requireNonNegative(priority, "priority");
    return new ReadEndpoint(id, priority, copyOf, healthPath, destination, baseUri);
  }

  /**
   * This endpoint serving the copies of another destination (a CDN in front of the primary): read-your-writes
   * reads accept it when the receipt shows that destination's copy verified.
   *
   * @param destinationId the destination id as it appears in push receipts
   * @return a copy serving that destination's copies
   */
  public ReadEndpoint withCopyOf(String destinationId) {
    InvalidInputException.requireNonNull(destinationId, "destinationId");
    return new ReadEndpoint(id, priority, destinationId, healthPath, destination, baseUri);
  }

  /**
   * This HTTP endpoint with a health-check path, requested with HEAD relative to the base URL; by default the base
   * URL itself is checked.
   *
   * @param path a relative path such as {@code health}
   * @return a copy with that health-check path
   */
  public ReadEndpoint withHealthPath(String path) {
    InvalidInputException.requireNonNull(path, "path");
    if (baseUri == null) {
      throw new InvalidInputException("path", "'path' applies only to HTTP endpoints; '" + id
          + "' reads a destination, whose probe() is its health check.");
    }
    if (path.startsWith("/") || path.contains("..") || path.contains("?")) {
      throw new InvalidInputException("path", "'path' must be relative, without '..' or a query; got " + path);
    }
    return new ReadEndpoint(id, priority, copyOf, path, destination, baseUri);
  }

  /**
   * The endpoint's id.
   *
   * @return its id
   */
  public String id() {
    return id;
  }

  /**
   * Its priority: lower numbers are preferred among endpoints in equal health.
   *
   * @return 0 or more
   */
  public int priority() {
    return priority;
  }

  /**
   * The destination id whose copies it serves, as push receipts name it.
   *
   * @return the destination id, by default the endpoint's id
   */
  public String copyOf() {
    return copyOf;
  }

  /**
   * What kind of endpoint it is.
   *
   * @return destination or HTTP
   */
  public Kind kind() {
    return destination != null ? Kind.DESTINATION : Kind.HTTP;
  }

  /**
   * The destination it reads, for a destination endpoint.
   *
   * @return the destination, or empty for an HTTP endpoint
   */
  public Optional<Destination> destination() {
    return Optional.ofNullable(destination);
  }

  /**
   * The base URL it reads, for an HTTP endpoint. It may hold a secret in its query string: do not log it.
   *
   * @return the base URL, or empty for a destination endpoint
   */
  public Optional<URI> baseUri() {
    return Optional.ofNullable(baseUri);
  }

  /**
   * The health-check path of an HTTP endpoint.
   *
   * @return a relative path, empty for the base URL itself
   */
  public String healthPath() {
    return healthPath;
  }

  /**
   * Where it reads, for logs and health output; never a secret (an HTTP endpoint's query string and user
   * information are left out).
   *
   * @return a description such as {@code https://cdn.example.org/data/} or the destination's own
   */
  public String describe() {
    return destination != null ? destination.describe() : safeDescription(baseUri);
  }

  static String safeDescription(URI uri) {
    String host = uri.getHost() == null ? "?" : uri.getHost();
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    return (uri.getScheme() == null ? "" : uri.getScheme() + "://") + host + port + path
        + (uri.getRawQuery() == null ? "" : "?<redacted>");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadEndpoint that && id.equals(that.id) && priority == that.priority
        && copyOf.equals(that.copyOf) && healthPath.equals(that.healthPath)
        && destination == that.destination && Objects.equals(baseUri, that.baseUri);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, priority, copyOf, healthPath);
  }

  @Override
  public String toString() {
    return "ReadEndpoint{" + id + ", " + kind() + ", " + describe() + ", priority " + priority
        + (copyOf.equals(id) ? "" : ", copy of " + copyOf) + "}";
  }
}
