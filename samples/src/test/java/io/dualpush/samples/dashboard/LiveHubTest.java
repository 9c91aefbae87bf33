package io.dualpush.samples.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LiveHub")
class LiveHubTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A session double: records what was sent; completes sends at once unless told to stall them. */
  private static final class FakeSession {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final AtomicBoolean open = new AtomicBoolean(true);
    final AtomicInteger closeCode = new AtomicInteger();
    final boolean stall;
    final Session session;

    FakeSession(boolean stall) {
      this.stall = stall;
      this.session = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
          (proxy, method, args) -> switch (method.getName()) {
            case "sendText" -> {
              sent.add((String) args[0]);
              if (!stall) {
                ((Callback) args[1]).succeed();
              }
              yield null;
            }
            case "isOpen" -> open.get();
            case "close" -> {
              open.set(false);
              if (args != null && args.length > 0 && args[0] instanceof Integer code) {
                closeCode.set(code);
              }
              yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "FakeSession";
            default -> null;
          });
    }
  }

  private static Map<String, Object> region(String id, int n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "region");
    m.put("at", Micros.now());
    m.put("id", id);
    m.put("n", n);
    return m;
  }

  @Test
  @DisplayName("a new session gets the snapshot first; a batch is serialised once and the same String goes to every session")
  void snapshotThenSharedBatches() throws Exception {
    try (LiveHub hub = new LiveHub(JSON, () -> List.of(region("primary", 0), region("secondary", 0)))) {
      FakeSession a = new FakeSession(false);
      FakeSession b = new FakeSession(false);
      hub.join(a.session);
      hub.join(b.session);
      JsonNode snapshot = JSON.readTree(a.sent.get(0));
      assertThat(snapshot.get("snapshot").asBoolean()).isTrue();
      assertThat(snapshot.get("events")).hasSize(2);

      hub.publish("region:secondary", region("secondary", 1));
      await().atMost(BOUND).until(() -> a.sent.size() == 2 && b.sent.size() == 2);
      assertThat(a.sent.get(1)).isSameAs(b.sent.get(1));
      JsonNode batch = JSON.readTree(a.sent.get(1));
      assertThat(batch.get("events").get(0).get("n").asInt()).isEqualTo(1);
      assertThat(batch.get("seq").asLong()).isPositive();
    }
  }

  @Test
  @DisplayName("changes published together go out in fewer batches, the newest state of a key replacing the older one")
  void batchesAndCoalesces() throws Exception {
    try (LiveHub hub = new LiveHub(JSON, List::of)) {
      FakeSession s = new FakeSession(false);
      hub.join(s.session);
      for (int i = 1; i <= 200; i++) {
        hub.publish("region:secondary", region("secondary", i));
        hub.publish("tx:" + i, region("tx" + i, i));
      }
      await().atMost(BOUND).until(() -> s.sent.stream().anyMatch(t -> t.contains("\"n\":200,") || t.contains("\"n\":200}")));
      List<JsonNode> events = new ArrayList<>();
      for (String text : s.sent.subList(1, s.sent.size())) {
        JSON.readTree(text).get("events").forEach(events::add);
      }
      assertThat(s.sent.size() - 1).as("batches for 400 changes").isLessThan(400);
      assertThat(events.stream().filter(e -> e.get("id").asText().startsWith("tx"))).hasSize(200);
      List<Integer> secondary = events.stream().filter(e -> e.get("id").asText().equals("secondary"))
          .map(e -> e.get("n").asInt()).toList();
      assertThat(secondary).isSorted().endsWith(200).hasSizeLessThan(200);
    }
  }

  @Test
  @DisplayName("a session whose sends do not complete is closed and dropped past the bound; the others keep receiving")
  void slowSessionDropped() {
    try (LiveHub hub = new LiveHub(JSON, List::of)) {
      FakeSession slow = new FakeSession(true);
      FakeSession fast = new FakeSession(false);
      hub.join(slow.session);
      hub.join(fast.session);
      int published = 0;
      while (slow.open.get() && published < 10 * LiveHub.MAX_PENDING) {
        int before = fast.sent.size();
        hub.publish("region:x", region("x", ++published));
        await().atMost(BOUND).until(() -> fast.sent.size() > before);
      }
      assertThat(slow.open.get()).as("the stalled session is closed").isFalse();
      assertThat(slow.closeCode.get()).isEqualTo(1008);
      assertThat(slow.sent).hasSize(LiveHub.MAX_PENDING);
      assertThat(hub.sessionCount()).isEqualTo(1);
      int before = fast.sent.size();
      hub.publish("region:x", region("x", -1));
      await().atMost(BOUND).until(() -> fast.sent.size() > before);
    }
  }
}
