package io.dualpush.samples.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualpush.DualPushEvent;
import io.dualpush.HistoryEntry;
import io.dualpush.HistoryPage;
import io.dualpush.HistoryQuery;
import io.dualpush.InvalidInputException;
import io.dualpush.client.AllEndpointsFailedException;
import io.dualpush.client.ReadResult;
import io.dualpush.spi.Alert;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.session.NullSessionCache;
import org.eclipse.jetty.session.NullSessionDataStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's HTTP side on Javalin: the page and its files from the classpath ({@code dashboard/}), the REST API
 * under {@code /api}, and the WebSocket {@code /api/live} fed by the {@link LiveHub}. Every response carries the
 * security headers (a CSP without inline script, nosniff, DENY framing, no referrer); {@code /api} responses are not
 * cached. State-changing requests need the bearer token (compared in constant time), GETs too with
 * {@code protectReads}. Each client address is rate limited by a token bucket (429 with {@code Retry-After}).
 * Errors are JSON: {@code {"error": ..., "field": ...}}. Thread-safe once started.
 */
final class DashboardServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);
  /** The page's files, by path: the resource under {@code dashboard/} and its content type. */
  private static final Map<String, String[]> FILES = Map.of(
      "/", new String[] {"index.html", "text/html; charset=utf-8"},
      "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
      "/app.js", new String[] {"app.js", "text/javascript; charset=utf-8"},
      "/styles.css", new String[] {"styles.css", "text/css; charset=utf-8"},
      "/chart.js", new String[] {"chart.js", "text/javascript; charset=utf-8"});
  private static final int MAX_LIMIT = 500;

  private final DashboardSystem system;
  private final LiveHub hub;
  private final DashboardToken token;
  private final boolean protectReads;
  private final RateLimiter limiter;
  private final ObjectMapper json;
  private final Javalin app;

  DashboardServer(DashboardSystem system, LiveHub hub, DashboardToken token, DashboardOptions options, ObjectMapper json) {
    this.system = system;
    this.hub = hub;
    this.token = token;
    this.protectReads = options.protectReads();
    this.limiter = new RateLimiter(options.rateLimit());
    this.json = json;
    this.app = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.startup.showOldJavalinVersionWarning = false;
      config.http.prefer405over404 = true;
      config.http.maxRequestSize = 64 * 1024;
      config.jetty.host = options.bind();
      config.jetty.port = options.port();
      config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
      config.jetty.modifyServletContextHandler(handler -> {
        // Javalin reads the HTTP session on every WebSocket upgrade, which creates one (and a JSESSIONID cookie) per
        // connection, kept for 30 minutes: a client reconnecting in a loop could fill the heap. The dashboard has no
        // use for sessions: none is kept and no cookie is set.
        SessionHandler sessions = new SessionHandler();
        NullSessionCache cache = new NullSessionCache(sessions);
        cache.setSessionDataStore(new NullSessionDataStore());
        sessions.setSessionCache(cache);
        sessions.setUsingCookies(false);
        handler.setSessionHandler(sessions);
      });
      config.jetty.modifyWebSocketServletFactory(factory -> {
        factory.setIdleTimeout(Duration.ofMinutes(10));
        // Every batch is serialised once for all sessions; per-message compression would deflate it again for each
        // session (a browser asks for it), which at 1,000 sessions costs more than the bytes it saves on loopback.
        try {
          factory.getAvailableExtensionNames().remove("permessage-deflate");
        } catch (UnsupportedOperationException e) {
          LOG.debug("cannot turn WebSocket compression off: {}", e.toString());
        }
      });
      config.routes.before(this::guard);
      for (String path : FILES.keySet()) {
        config.routes.get(path, this::file);
      }
      config.routes.get("/api/regions", ctx -> ok(ctx, regionsBody()));
      config.routes.get("/api/transactions", this::transactions);
      config.routes.get("/api/health", ctx -> ok(ctx, system.client().healthSnapshot(Duration.ofSeconds(2)).toMap()));
      config.routes.get("/api/history", this::history);
      config.routes.get("/api/objects/<key>", this::object);
      config.routes.post("/api/simulate/down", ctx -> {
        system.down(destination(body(ctx), "destination"));
        ok(ctx, regionsBody());
      });
      config.routes.post("/api/simulate/up", ctx -> {
        system.up(destination(body(ctx), "destination"));
        ok(ctx, regionsBody());
      });
      config.routes.post("/api/simulate/lag", ctx -> {
        JsonNode body = body(ctx);
        String id = destination(body, "destination");
        system.lag(id, millis(body));
        ok(ctx, regionsBody());
      });
      config.routes.post("/api/simulate/failover", ctx -> {
        JsonNode body = body(ctx);
        JsonNode to = body.get("to");
        if (to == null || to.isNull()) {
          system.failover(null);
        } else {
          system.failover(destination(body, "to"));
        }
        ok(ctx, regionsBody());
      });
      config.routes.post("/api/simulate/failover/reset", ctx -> {
        system.failover(null);
        ok(ctx, regionsBody());
      });
      config.routes.ws("/api/live", ws -> {
        ws.onConnect(ctx -> {
          if (!originAllowed(ctx.header("Origin"), ctx.header("Host"), ctx.header("X-Forwarded-Host"),
              options.allowedOrigins())) {
            // WebSockets are not bound by CORS: without this, any web page the user visits could read the feed.
            ctx.closeSession(1008, "cross-origin");
            return;
          }
          if (protectReads && !token.matches(ctx.queryParam("token")) && !token.matches(bearer(ctx.header("Authorization")))) {
            ctx.closeSession(1008, "unauthorized");
            return;
          }
          // Pings keep a quiet session (nothing changing) from timing out, in proxies too.
          ctx.enableAutomaticPings(30, TimeUnit.SECONDS);
          hub.join(ctx.session);
        });
        ws.onClose(ctx -> hub.leave(ctx.session));
        ws.onError(ctx -> hub.leave(ctx.session));
      });
      config.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.field().orElse(null)));
      config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
      config.routes.exception(Exception.class, (e, ctx) -> {
        LOG.warn("request {} {} failed: {}", ctx.method(), clip(ctx.path()), clip(e.toString(), 300));
        error(ctx, 500, "internal error", null);
      });
    });
  }

  /** Starts listening; returns the port. */
  int start() {
    app.start();
    return app.port();
  }

  // ---- every request ----

  private void guard(Context ctx) {
    SecurityHeaders.apply(ctx::header, ctx.header("Host"));
    String path = ctx.path();
    boolean api = path.startsWith("/api/") || path.equals("/api");
    if (api) {
      ctx.header("Cache-Control", "no-store");
    }
    if (path.equals("/api/live")) {
      // WebSocket upgrades: checked by the socket itself (?token=); 1,000 live clients on one address must connect.
      return;
    }
    long retryAfter = limiter.acquire(ctx.req().getRemoteAddr());
    if (retryAfter > 0) {
      ctx.header("Retry-After", Long.toString(retryAfter));
      throw ApiError.of(429, "rate limited");
    }
    // POST is the only state-changing method served; any other goes on to a 404 or 405.
    boolean write = ctx.method() == HandlerType.POST;
    if (api && (write || protectReads) && !token.matches(bearer(ctx.header("Authorization")))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw ApiError.of(401, "missing or invalid bearer token");
    }
  }

  /**
   * Whether a WebSocket's {@code Origin} may open the live feed: the page's own (its authority is the request's
   * {@code Host}, or the {@code X-Forwarded-Host} a reverse proxy set), or one of the {@code --allowed-origin}s. No
   * {@code Origin} (a client that is not a browser) is allowed: it could send any header it liked.
   */
  static boolean originAllowed(String origin, String host, String forwardedHost, Set<String> allowed) {
    if (origin == null) {
      return true;
    }
    try {
      java.net.URI o = java.net.URI.create(origin);
      String authority = o.getRawAuthority();
      if (authority == null || !("http".equals(o.getScheme()) || "https".equals(o.getScheme()))) {
        return false;
      }
      if (allowed.contains(origin.toLowerCase(java.util.Locale.ROOT))) {
        return true;
      }
      // A proxy's X-Forwarded-Host names the host the browser asked for (its first value: the client-facing proxy's);
      // a page cannot set it on a WebSocket, so it cannot be used to pass another origin off as this one.
      String forwarded = forwardedHost == null ? null : forwardedHost.split(",", 2)[0].strip();
      return authority.equalsIgnoreCase(host) || authority.equalsIgnoreCase(forwarded);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String bearer(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return header.substring(7).strip();
  }

  // ---- handlers ----

  private void file(Context ctx) {
    String[] file = FILES.get(ctx.path());
    try (InputStream in = DashboardServer.class.getClassLoader().getResourceAsStream("dashboard/" + file[0])) {
      if (in == null) {
        throw ApiError.of(404, "not found");
      }
      ctx.contentType(file[1]).header("Cache-Control", "no-cache").result(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Map<String, Object> regionsBody() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("regions", system.computeRegions());
    body.put("coordinator", null);
    body.put("at", Micros.now());
    return body;
  }

  private void transactions(Context ctx) {
    int limit = limit(ctx, 50, MAX_LIMIT);
    Optional<Long> cursor = cursor(ctx);
    TransactionFeed.Page page = system.feed().page(limit, cursor);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", page.items());
    body.put("next", page.next().map(String::valueOf).orElse(null));
    ok(ctx, body);
  }

  private void history(Context ctx) {
    HistoryQuery.Builder q = HistoryQuery.builder().limit(limit(ctx, 100, HistoryQuery.MAX_LIMIT));
    cursor(ctx).ifPresent(q::after);
    String destination = ctx.queryParam("destination");
    if (destination != null && !destination.isEmpty()) {
      if (!system.knows(destination)) {
        throw ApiError.badField("destination", "unknown destination '" + clip(destination) + "' (known: " + system.ids() + ")");
      }
      q.destinationId(destination);
    }
    String type = ctx.queryParam("type");
    if (type != null && !type.isEmpty()) {
      boolean found = false;
      for (DualPushEvent.Type t : DualPushEvent.Type.values()) {
        if (t.name().equals(type)) {
          q.eventTypes(t);
          found = true;
        }
      }
      for (Alert.Type t : Alert.Type.values()) {
        if (!found && t.name().equals(type)) {
          q.alertTypes(t);
          found = true;
        }
      }
      if (!found) {
        throw ApiError.badField("type", "unknown event or alert type '" + clip(type) + "'");
      }
    }
    HistoryPage page = system.client().history().query(q.build());
    List<Map<String, Object>> items = new ArrayList<>();
    for (HistoryEntry e : page.entries()) {
      items.add(historyItem(e));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("items", items);
    body.put("next", page.more() ? String.valueOf(page.next()) : null);
    body.put("truncated", page.truncated());
    body.put("missed", page.missed());
    ok(ctx, body);
  }

  private static Map<String, Object> historyItem(HistoryEntry entry) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sequence", entry.sequence());
    m.put("at", Micros.of(entry.at()));
    if (entry instanceof HistoryEntry.EventEntry e) {
      DualPushEvent ev = e.event();
      m.put("kind", "event");
      m.put("type", ev.type().name());
      m.put("transactionId", ev.transactionId());
      m.put("key", ev.key());
      m.put("destinationId", ev.destinationId());
      m.put("bytes", ev.bytes());
      m.put("elapsedMs", ev.elapsed().toMillis());
      m.put("detail", ev.detail());
    } else if (entry instanceof HistoryEntry.AlertEntry a) {
      m.put("kind", "alert");
      m.put("type", a.alert().type().name());
      m.put("severity", a.alert().severity().name());
      m.put("message", a.alert().message());
      m.put("transactionId", a.alert().transactionId());
      m.put("key", a.key());
      m.put("destinationId", a.alert().destinationId());
      m.put("resolved", a.resolved());
    }
    return m;
  }

  private void object(Context ctx) {
    String key = ctx.pathParam("key");
    Optional<ReadResult> result;
    try {
      result = system.read(key);
    } catch (AllEndpointsFailedException e) {
      throw ApiError.of(503, "every endpoint failed: " + e.getMessage());
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw ApiError.badField("key", clip(e.getMessage(), 200));
    }
    if (result.isEmpty()) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", "not found");
      body.put("key", key);
      ctx.status(404);
      ok(ctx, body);
      return;
    }
    ReadResult r = result.get();
    ctx.header("X-Served-By", r.endpointId()).contentType("application/octet-stream").result(r.toByteArray());
  }

  // ---- input ----

  private JsonNode body(Context ctx) {
    String text = ctx.body();
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiError.badField("body", "malformed JSON: " + clip(e.getOriginalMessage()));
    }
    if (node == null || !node.isObject()) {
      throw ApiError.badField("body", "the body must be a JSON object");
    }
    return node;
  }

  private String destination(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || !node.isTextual()) {
      throw ApiError.badField(field, "'" + field + "' must be a destination id, one of " + system.ids());
    }
    String id = node.asText();
    if (!system.knows(id)) {
      throw ApiError.badField(field, "unknown destination '" + clip(id) + "' (known: " + system.ids() + ")");
    }
    return id;
  }

  private static int millis(JsonNode body) {
    JsonNode node = body.get("millis");
    if (node == null || !node.canConvertToInt() || !node.isIntegralNumber()) {
      throw ApiError.badField("millis", "'millis' must be a whole number of milliseconds");
    }
    int millis = node.asInt();
    if (millis < 0 || millis > DashboardSystem.MAX_LATENCY_MILLIS) {
      throw ApiError.badField("millis", "'millis' must be between 0 and " + DashboardSystem.MAX_LATENCY_MILLIS + ", was " + millis);
    }
    return millis;
  }

  private static int limit(Context ctx, int byDefault, int max) {
    String text = ctx.queryParam("limit");
    if (text == null || text.isEmpty()) {
      return byDefault;
    }
    int limit;
    try {
      limit = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw ApiError.badField("limit", "'limit' must be a whole number between 1 and " + max);
    }
    if (limit < 1 || limit > max) {
      throw ApiError.badField("limit", "'limit' must be between 1 and " + max + ", was " + limit);
    }
    return limit;
  }

  private static Optional<Long> cursor(Context ctx) {
    String text = ctx.queryParam("cursor");
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    try {
      long cursor = Long.parseLong(text);
      if (cursor < 0) {
        throw new NumberFormatException();
      }
      return Optional.of(cursor);
    } catch (NumberFormatException e) {
      throw ApiError.badField("cursor", "'cursor' must be the 'next' of a previous page");
    }
  }

  private static String clip(String s) {
    return clip(s, 80);
  }

  /** One line of at most {@code max} characters: input echoed back or logged cannot flood or forge lines. */
  private static String clip(String s, int max) {
    if (s == null) {
      return "";
    }
    String oneLine = s.replaceAll("\\p{Cntrl}", "?");
    return oneLine.length() > max ? oneLine.substring(0, max) + "..." : oneLine;
  }

  // ---- output ----

  private void ok(Context ctx, Object body) {
    try {
      ctx.contentType("application/json").result(json.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  private void error(Context ctx, int status, String message, String field) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    if (field != null) {
      body.put("field", field);
    }
    ctx.status(status);
    if (status == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
    ok(ctx, body);
  }

  @Override
  public void close() {
    app.stop();
  }
}
