package io.dualpush.samples.dashboard;

import static io.dualpush.samples.dashboard.Api.json;
import static io.dualpush.samples.dashboard.Api.region;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The dashboard backend, in-process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardTest {
  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir
  static Path dir;

  private DashboardCommand.Dashboard dashboard;
  private Api api;
  private String token;

  @BeforeAll
  void start() throws Exception {
    DashboardOptions main = options(dir.resolve("main"), false, 100_000, 200);
    dashboard = DashboardCommand.Dashboard.start(new DashboardOptions(main.dir(), main.port(), main.bind(),
        main.tokenFile(), main.protectReads(), main.pushInterval(), main.rateLimit(), main.config(), main.workload(),
        main.log(), Set.of("https://dash.example.com")), name -> null);
    api = Api.of(dashboard.url());
    token = Files.readAllLines(dir.resolve("main").resolve(DashboardToken.FILE_NAME)).get(0);
  }

  @AfterAll
  void stop() {
    dashboard.close();
  }

  static DashboardOptions options(Path dir, boolean protectReads, int rateLimit, int pushIntervalMillis) {
    return new DashboardOptions(Optional.of(dir), 0, "127.0.0.1", Optional.empty(), protectReads,
        Duration.ofMillis(pushIntervalMillis), rateLimit);
  }

  @Nested
  @DisplayName("REST")
  class Rest {
    @Test
    @DisplayName("GET /api/regions lists the three destinations with status, breaker, lag, simulation and read preference")
    void regions() {
      HttpResponse<String> r = api.get("/api/regions");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
      JsonNode body = json(r);
      assertThat(body.get("regions")).hasSize(3);
      assertThat(body.has("coordinator")).isTrue();
      assertThat(body.get("coordinator").isNull()).isTrue();
      assertThat(body.get("at").asLong()).isPositive();
      JsonNode secondary = region(body, "secondary");
      assertThat(secondary.get("region").asText()).isEqualTo("westus2");
      assertThat(secondary.get("required").asBoolean()).isTrue();
      assertThat(region(body, "edge").get("required").asBoolean()).isFalse();
      assertThat(region(body, "primary").get("region").asText()).isEqualTo("eastus");
      assertThat(secondary.get("status").asText()).isIn("UP", "DEGRADED", "DOWN");
      assertThat(secondary.get("breaker").asText()).isIn("CLOSED", "OPEN", "HALF_OPEN");
      for (String f : List.of("backlogCopies", "backlogBytes", "oldestPendingAgeMs", "p50Ms", "p99Ms", "overBudget")) {
        assertThat(secondary.get("lag").has(f)).as(f).isTrue();
      }
      assertThat(secondary.get("simulation").get("down").isBoolean()).isTrue();
      assertThat(secondary.get("simulation").get("addedLatencyMs").isInt()).isTrue();
      long preferred = 0;
      for (JsonNode reg : body.get("regions")) {
        preferred += reg.get("readPreferred").asBoolean() ? 1 : 0;
      }
      assertThat(preferred).isEqualTo(1);
    }

    @Test
    @DisplayName("GET /api/transactions pages newest first with a cursor, each item with its copies")
    void transactions() {
      await().atMost(BOUND).until(() -> json(api.get("/api/transactions?limit=500")).get("items").size() >= 4);
      JsonNode first = json(api.get("/api/transactions?limit=2"));
      assertThat(first.get("items")).hasSize(2);
      JsonNode item = first.get("items").get(0);
      for (String f : List.of("transactionId", "key", "bytes", "state", "destinations", "at")) {
        assertThat(item.has(f)).as(f).isTrue();
      }
      assertThat(item.get("destinations").has("primary")).isTrue();
      assertThat(item.get("at").asLong()).isGreaterThanOrEqualTo(first.get("items").get(1).get("at").asLong() - 5_000_000);
      String next = first.get("next").asText();
      JsonNode second = json(api.get("/api/transactions?limit=2&cursor=" + next));
      Set<String> ids = new HashSet<>();
      first.get("items").forEach(i -> ids.add(i.get("transactionId").asText()));
      second.get("items").forEach(i -> assertThat(ids.add(i.get("transactionId").asText())).as("no repeat across pages").isTrue());
      assertThat(second.get("items")).isNotEmpty();
      // newest first: the workload's keys count up
      assertThat(number(first.get("items").get(0))).isGreaterThan(number(first.get("items").get(1)));
      assertThat(number(first.get("items").get(1))).isGreaterThan(number(second.get("items").get(0)));
    }

    private long number(JsonNode item) {
      String key = item.get("key").asText();
      return Long.parseLong(key.substring(key.lastIndexOf("obj-") + 4, key.length() - ".json".length()));
    }

    @Test
    @DisplayName("GET /api/health is the client's health snapshot; /api/history pages the client's history")
    void healthAndHistory() {
      JsonNode health = json(api.get("/api/health"));
      assertThat(health.get("status").asText()).isIn("UP", "DEGRADED", "DOWN");
      assertThat(health.get("components").has("destination:secondary")).isTrue();
      await().atMost(BOUND).until(() -> json(api.get("/api/history?limit=5&type=COPY_WRITTEN")).get("items").size() > 0);
      JsonNode history = json(api.get("/api/history?limit=5&type=COPY_WRITTEN&destination=edge"));
      for (JsonNode e : history.get("items")) {
        assertThat(e.get("type").asText()).isEqualTo("COPY_WRITTEN");
        assertThat(e.get("destinationId").asText()).isEqualTo("edge");
      }
      assertThat(json(api.get("/api/history?type=NOPE")).get("field").asText()).isEqualTo("type");
      assertThat(json(api.get("/api/history?destination=mars")).get("field").asText()).isEqualTo("destination");
    }

    @Test
    @DisplayName("GET /api/objects/{key} reads through the failover client, says who served it, and follows a forced failover")
    void objects() {
      await().atMost(BOUND).until(() -> verifiedKey().isPresent());
      String key = verifiedKey().orElseThrow();
      HttpResponse<String> r = api.get("/api/objects/" + key);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("{\"n\":");
      assertThat(r.headers().firstValue("X-Served-By")).isPresent();

      JsonNode after = json(api.post("/api/simulate/failover", "{\"to\":\"edge\"}", token));
      assertThat(region(after, "edge").get("readPreferred").asBoolean()).isTrue();
      try {
        assertThat(api.get("/api/objects/" + key).headers().firstValue("X-Served-By")).hasValue("edge");
      } finally {
        JsonNode reset = json(api.post("/api/simulate/failover/reset", "", token));
        assertThat(region(reset, "primary").get("readPreferred").asBoolean()).isTrue();
      }
      HttpResponse<String> absent = api.get("/api/objects/no/such/key.json");
      assertThat(absent.statusCode()).isEqualTo(404);
      assertThat(json(absent).get("error").asText()).isEqualTo("not found");
    }

    private Optional<String> verifiedKey() {
      for (JsonNode i : json(api.get("/api/transactions?limit=50")).get("items")) {
        if (i.get("state").asText().equals("VERIFIED")) {
          return Optional.of(i.get("key").asText());
        }
      }
      return Optional.empty();
    }
  }

  @Nested
  @DisplayName("Security")
  class Security {
    @Test
    @DisplayName("a live socket's upgrade sets no session cookie (no HTTP session is kept per connection)")
    void noSessionPerSocket() throws Exception {
      java.net.URI base = java.net.URI.create(dashboard.url());
      for (int i = 0; i < 3; i++) {
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
          socket.setSoTimeout(30_000);
          socket.getOutputStream().write(("GET /api/live HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
              + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          StringBuilder head = new StringBuilder();
          java.io.InputStream in = socket.getInputStream();
          while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            assertThat(b).as("response head so far: " + head).isNotNegative();
            head.append((char) b);
          }
          assertThat(head.toString()).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("Set-Cookie");
        }
      }
    }

    @Test
    @DisplayName("a state-changing request without the token, or with another, is 401 with WWW-Authenticate: Bearer and changes nothing")
    void unauthorized() {
      for (String t : new String[] {null, "wrong", token + "x"}) {
        HttpResponse<String> r = api.post("/api/simulate/down", "{\"destination\":\"edge\"}", t);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(json(r).get("error").asText()).isNotEmpty();
      }
      assertThat(region(json(api.get("/api/regions")), "edge").get("simulation").get("down").asBoolean()).isFalse();
    }

    @Test
    @DisplayName("bad input is a 400 naming the field")
    void badInput() {
      Map<String, String[]> cases = Map.of(
          "unknown destination", new String[] {"/api/simulate/down", "{\"destination\":\"mars\"}", "destination"},
          "destination missing", new String[] {"/api/simulate/up", "{}", "destination"},
          "negative millis", new String[] {"/api/simulate/lag", "{\"destination\":\"edge\",\"millis\":-1}", "millis"},
          "too large millis", new String[] {"/api/simulate/lag", "{\"destination\":\"edge\",\"millis\":99999999}", "millis"},
          "millis not a number", new String[] {"/api/simulate/lag", "{\"destination\":\"edge\",\"millis\":\"x\"}", "millis"},
          "malformed JSON", new String[] {"/api/simulate/down", "{\"destination\":", "body"},
          "unknown failover target", new String[] {"/api/simulate/failover", "{\"to\":\"mars\"}", "to"});
      cases.forEach((name, c) -> {
        HttpResponse<String> r = api.post(c[0], c[1], token);
        assertThat(r.statusCode()).as(name).isEqualTo(400);
        assertThat(json(r).get("field").asText()).as(name).isEqualTo(c[2]);
        assertThat(json(r).get("error").asText()).as(name).isNotEmpty();
      });
      for (String q : List.of("limit=0", "limit=501", "limit=x", "cursor=-1", "cursor=abc")) {
        HttpResponse<String> r = api.get("/api/transactions?" + q);
        assertThat(r.statusCode()).as(q).isEqualTo(400);
        assertThat(json(r).get("field").asText()).as(q).isEqualTo(q.substring(0, q.indexOf('=')));
      }
    }

    @Test
    @DisplayName("every response, page, API and error alike, carries the security headers; the API is not cached")
    void headers() {
      List<HttpResponse<String>> responses = new ArrayList<>(List.of(api.get("/"), api.get("/app.js"), api.get("/styles.css"),
          api.get("/api/regions"), api.get("/api/nothing-here"), api.post("/api/simulate/down", "{}", null)));
      for (HttpResponse<String> r : responses) {
        String what = r.request().method() + " " + r.uri().getPath() + " " + r.statusCode();
        assertThat(r.headers().firstValue("Content-Security-Policy")).as(what)
            .hasValueSatisfying(v -> assertThat(v).startsWith("default-src 'self';").doesNotContain("unsafe-inline"));
        assertThat(r.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
        assertThat(r.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
        if (r.uri().getPath().startsWith("/api/")) {
          assertThat(r.headers().firstValue("Cache-Control")).as(what).hasValue("no-store");
          assertThat(r.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        }
      }
      assertThat(api.get("/api/nothing-here").statusCode()).isEqualTo(404);
      HttpResponse<String> wrongMethod = api.send(java.net.http.HttpRequest.newBuilder(api.base().resolve("/api/regions"))
          .DELETE().build());
      assertThat(wrongMethod.statusCode()).isEqualTo(405);
      assertThat(json(wrongMethod).get("error").asText()).isNotEmpty();
      String page = api.get("/").body();
      assertThat(page).contains("<script src=\"/app.js\"").doesNotContainPattern("<script>|<script [^>]*>[^<]+</script>")
          .doesNotContain(" onclick=");
    }
  }

  @Nested
  @DisplayName("Hostile input")
  class Hostile {
    @Test
    @DisplayName("a key that escapes the destination or breaks the key rules is a 400 naming 'key', never a 500")
    void badKeys() {
      for (String key : List.of("..%2f..%2fetc%2fpasswd", ".dualpush/x", "a%5cb", "k".repeat(2000))) {
        HttpResponse<String> r = api.get("/api/objects/" + key);
        assertThat(r.statusCode()).as(key).isEqualTo(400);
        assertThat(json(r).get("field").asText()).as(key).isEqualTo("key");
      }
    }

    @Test
    @DisplayName("what Jetty refuses before the routes (a bad URI, huge headers, a huge body) is JSON with the security headers")
    void refusedByJetty() throws Exception {
      HttpResponse<String> bigBody = api.post("/api/simulate/down", "{\"destination\":\"" + "x".repeat(100_000) + "\"}", token);
      List<Raw> answers = List.of(rawGet("/x%00y", ""), rawGet("/api/regions", "X-Big: " + "y".repeat(20_000) + "\r\n"),
          new Raw(bigBody.statusCode(), bigBody.headers().firstValue("Content-Security-Policy").orElse(""),
              bigBody.headers().firstValue("X-Frame-Options").orElse(""), bigBody.body()));
      for (Raw r : answers) {
        assertThat(r.status()).as(r.toString()).isBetween(400, 499);
        assertThat(Api.JSON.readTree(r.body()).get("error").asText()).isNotEmpty();
        assertThat(r.csp()).startsWith("default-src 'self';");
        assertThat(r.frameOptions()).isEqualTo("DENY");
      }
    }
  }

  /** What a raw HTTP/1.1 exchange answered: status, two headers, body. */
  private record Raw(int status, String csp, String frameOptions, String body) {}

  /** A request the JDK client would refuse to send (a NUL in the path) or send differently, over a plain socket. */
  private Raw rawGet(String path, String extraHeaders) throws Exception {
    java.net.URI base = api.base();
    try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
      String req = "GET " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\nConnection: close\r\n"
          + extraHeaders + "\r\n";
      socket.getOutputStream().write(req.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      String raw = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int split = raw.indexOf("\r\n\r\n");
      String head = raw.substring(0, split);
      int status = Integer.parseInt(head.substring(9, 12));
      String csp = "";
      String frame = "";
      for (String line : head.split("\r\n")) {
        if (line.regionMatches(true, 0, "Content-Security-Policy:", 0, 24)) {
          csp = line.substring(24).strip();
        } else if (line.regionMatches(true, 0, "X-Frame-Options:", 0, 16)) {
          frame = line.substring(16).strip();
        }
      }
      return new Raw(status, csp, frame, raw.substring(split + 4));
    }
  }

  @Nested
  @DisplayName("Live updates")
  class Live {
    @Test
    @DisplayName("a session first gets every region, then a batch with the region DOWN soon after a simulation, with 'at' and 'seq'")
    void simulationReachesSessions() throws Exception {
      try (LiveClient live = LiveClient.connect(dashboard.url(), "")) {
        await().atMost(BOUND).until(() -> !live.batches.isEmpty());
        JsonNode snapshot = live.batches.get(0).batch();
        assertThat(snapshot.get("events")).hasSize(3);
        assertThat(snapshot.get("events").get(0).get("type").asText()).isEqualTo("region");

        long before = Micros.now();
        assertThat(api.post("/api/simulate/down", "{\"destination\":\"edge\"}", token).statusCode()).isEqualTo(200);
        try {
          await().atMost(BOUND).until(() -> live.events("region").stream().anyMatch(e -> e.get("id").asText().equals("edge")
              && e.get("status").asText().equals("DOWN") && e.get("simulation").get("down").asBoolean()));
          JsonNode down = live.events("region").stream().filter(e -> e.get("id").asText().equals("edge")
              && e.get("status").asText().equals("DOWN")).findFirst().orElseThrow();
          assertThat(down.get("at").asLong()).isGreaterThanOrEqualTo(before);
          assertThat(down.get("lag").has("backlogCopies")).isTrue();
          await().atMost(BOUND).until(() -> !live.events("transaction").isEmpty());
          JsonNode tx = live.events("transaction").get(0);
          assertThat(tx.has("transactionId") && tx.has("destinations") && tx.has("at")).isTrue();
          long lastSeq = -1;
          for (LiveClient.Received r : live.batches.subList(1, live.batches.size())) {
            assertThat(r.batch().get("seq").asLong()).isGreaterThan(lastSeq);
            assertThat(r.batch().get("sentAt").asLong()).isPositive();
            lastSeq = r.batch().get("seq").asLong();
          }
        } finally {
          api.post("/api/simulate/up", "{\"destination\":\"edge\"}", token);
        }
        await().atMost(BOUND).until(() -> live.events("region").stream().anyMatch(e -> e.get("id").asText().equals("edge")
            && !e.get("simulation").get("down").asBoolean() && e.get("at").asLong() > before));
      }
    }
  }

  @Nested
  @DisplayName("Cross-origin live sessions")
  class CrossOrigin {
    @Test
    @DisplayName("a page of another origin cannot open the live feed; the dashboard's own page can")
    void otherOriginsRefused() throws Exception {
      try (LiveClient evil = LiveClient.connect(dashboard.url(), "", "http://evil.example")) {
        assertThat(evil.closed.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(evil.batches).isEmpty();
      }
      String own = dashboard.url().substring(0, dashboard.url().length() - 1);
      try (LiveClient page = LiveClient.connect(dashboard.url(), "", own)) {
        await().atMost(BOUND).until(() -> !page.batches.isEmpty());
      }
    }

    @Test
    @DisplayName("behind a proxy: the origin the proxy's X-Forwarded-Host names, or one given with --allowed-origin")
    void behindAProxy() throws Exception {
      Set<String> none = Set.of();
      assertThat(DashboardServer.originAllowed("https://dash.example.com", "127.0.0.1:8080", "dash.example.com", none))
          .isTrue();
      assertThat(DashboardServer.originAllowed("https://dash.example.com", "127.0.0.1:8080",
          "dash.example.com, inner.proxy", none)).isTrue();
      assertThat(DashboardServer.originAllowed("https://evil.example", "127.0.0.1:8080", "dash.example.com", none))
          .isFalse();
      assertThat(DashboardServer.originAllowed("https://dash.example.com", "127.0.0.1:8080", null, none)).isFalse();
      assertThat(DashboardServer.originAllowed("file://dash.example.com", "dash.example.com", null, none)).isFalse();
      assertThat(DashboardServer.originAllowed(null, "127.0.0.1:8080", null, none)).as("not a browser").isTrue();
      Set<String> allowed = DashboardOptions.parse(List.of("--allowed-origin", "HTTPS://Dash.Example.com/",
          "--allowed-origin=http://10.0.0.5:8080")).allowedOrigins();
      assertThat(allowed).containsExactlyInAnyOrder("https://dash.example.com", "http://10.0.0.5:8080");
      assertThat(DashboardServer.originAllowed("https://dash.example.com", "127.0.0.1:8080", null, allowed)).isTrue();
      assertThat(DashboardServer.originAllowed("http://10.0.0.5:8080", "127.0.0.1:8080", null, allowed)).isTrue();
      assertThat(DashboardServer.originAllowed("http://10.0.0.5:8081", "127.0.0.1:8080", null, allowed)).isFalse();
      for (String bad : List.of("dash.example.com", "https://dash.example.com/page", "ftp://x", "https://u:p@x")) {
        assertThatThrownBy(() -> DashboardOptions.parse(List.of("--allowed-origin", bad)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--allowed-origin must be an origin");
      }
      // Through the server: the main dashboard allows https://dash.example.com (see its options).
      try (LiveClient page = LiveClient.connect(dashboard.url(), "", "https://dash.example.com")) {
        await().atMost(BOUND).until(() -> !page.batches.isEmpty());
      }
      try (LiveClient evil = LiveClient.connect(dashboard.url(), "", "https://dash.example.com.evil.example")) {
        assertThat(evil.closed.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1008);
      }
    }
  }

  @Nested
  @DisplayName("With --protect-reads")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ProtectReads {
    private DashboardCommand.Dashboard protectedOne;
    private Api papi;
    private String ptoken;

    @BeforeAll
    void start() throws Exception {
      Path pdir = dir.resolve("protected");
      Files.createDirectories(pdir);
      Path tokenFile = pdir.resolve("given.token");
      Files.writeString(tokenFile, "s3cret-for-tests\nsecond line ignored\n");
      protectedOne = DashboardCommand.Dashboard.start(new DashboardOptions(Optional.of(pdir), 0, "127.0.0.1",
          Optional.of(tokenFile), true, Duration.ofSeconds(1), 100_000), name -> null);
      papi = Api.of(protectedOne.url());
      ptoken = "s3cret-for-tests";
    }

    @AfterAll
    void stop() {
      protectedOne.close();
    }

    @Test
    @DisplayName("GETs need the token, the page does not, and the live socket needs ?token=")
    void readsNeedTheToken() throws Exception {
      assertThat(papi.get("/api/regions").statusCode()).isEqualTo(401);
      assertThat(papi.get("/api/regions", ptoken).statusCode()).isEqualTo(200);
      assertThat(papi.get("/").statusCode()).isEqualTo(200);
      assertThat(papi.get("/app.js").statusCode()).isEqualTo(200);
      try (LiveClient refused = LiveClient.connect(protectedOne.url(), "")) {
        assertThat(refused.closed.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(refused.batches).isEmpty();
      }
      try (LiveClient allowed = LiveClient.connect(protectedOne.url(), "?token=" + ptoken)) {
        await().atMost(BOUND).until(() -> !allowed.batches.isEmpty());
      }
    }
  }

  @Nested
  @DisplayName("Rate limiting")
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class RateLimit {
    private DashboardCommand.Dashboard limited;

    @BeforeAll
    void start() {
      limited = DashboardCommand.Dashboard.start(options(dir.resolve("limited"), false, 3, 1000), name -> null);
    }

    @AfterAll
    void stop() {
      limited.close();
    }

    @Test
    @DisplayName("past the limit a client gets 429 with Retry-After, loopback included")
    void tooManyRequests() {
      Api lapi = Api.of(limited.url());
      HttpResponse<String> last = null;
      for (int i = 0; i < 20; i++) {
        last = lapi.get("/api/regions");
        if (last.statusCode() == 429) {
          break;
        }
      }
      assertThat(last.statusCode()).isEqualTo(429);
      assertThat(json(last).get("error").asText()).isEqualTo("rate limited");
      assertThat(last.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
      assertThat(last.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }
  }

  @Test
  @DisplayName("a second dashboard on the same directory stops at once with one line and exit 3, leaving the first one's token")
  void secondOnSameDirectory() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code = DashboardCommand.run(List.of("--dir", dir.resolve("main").toString(), "--port", "0"),
        new java.io.PrintStream(out, true, "UTF-8"), new java.io.PrintStream(err, true, "UTF-8"),
        java.io.InputStream.nullInputStream(), name -> null);
    assertThat(code).isEqualTo(3);
    assertThat(out.toString("UTF-8")).isEmpty();
    assertThat(err.toString("UTF-8")).startsWith("dashboard: cannot start: ").hasLineCount(1);
    assertThat(Files.readAllLines(dir.resolve("main").resolve(DashboardToken.FILE_NAME)).get(0)).isEqualTo(token);
  }

  @Test
  @DisplayName("bad options are one line naming the option and exit 1")
  void badOptions() throws Exception {
    for (List<String> args : List.of(List.of("--port", "70000"), List.of("--rate-limit", "0"), List.of("--nope"),
        List.of("--push-interval-ms", "x"), List.of("--protect-reads=yes"))) {
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code = DashboardCommand.run(args, new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, "UTF-8"),
          new java.io.PrintStream(err, true, "UTF-8"), java.io.InputStream.nullInputStream(), name -> null);
      assertThat(code).as(args.toString()).isEqualTo(1);
      assertThat(err.toString("UTF-8")).as(args.toString()).contains(args.get(0).replaceAll("=.*", ""));
    }
  }

  @Test
  @DisplayName("a generated token is written readable by its owner only")
  void tokenFile() throws Exception {
    Path file = dir.resolve("main").resolve(DashboardToken.FILE_NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(token).hasSizeGreaterThanOrEqualTo(40);
    assertThat(dashboard.token().toString()).doesNotContain(token);
  }
}
