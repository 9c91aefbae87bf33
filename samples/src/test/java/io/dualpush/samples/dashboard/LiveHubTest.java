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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LiveHub")
class LiveHubTest {
  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A session double: records what was sent; completes sends at once, or holds them until {@link #complete} when told
   * to ({@code hold}); {@code onSend} runs inside each send, as a change arriving while the hub writes would.
   */
  private static final class FakeSession {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final AtomicBoolean open = new AtomicBoolean(true);
    final AtomicInteger closeCode = new AtomicInteger();
    final AtomicBoolean hold;
    final AtomicReference<Callback> held = new AtomicReference<>();
    volatile Consumer<String> onSend = text -> { };
    final Session session;

    FakeSession(boolean hold) {
      this.hold = new AtomicBoolean(hold);
      this.session = (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
          (proxy, method, args) -> switch (method.getName()) {
            case "sendText" -> {
              sent.add((String) args[0]);
              onSend.accept((String) args[0]);
              if (this.hold.get()) {
                assertThat(held.getAndSet((Callback) args[1])).as("one send in flight at a time").isNull();
              } else {
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

    /** Completes the held send, and stops holding. */
    void complete() {
      hold.set(false);
      Callback callback = held.getAndSet(null);
      if (callback != null) {
        callback.succeed();
      }
    }

    /** The ids of the events in every message after the snapshot, one list per message. */
    List<List<String>> ids() throws Exception {
      List<List<String>> messages = new ArrayList<>();
      for (String text : sent.subList(1, sent.size())) {
        List<String> ids = new ArrayList<>();
        JSON.readTree(text).get("events").forEach(e -> ids.add(e.get("id").asText() + "=" + e.get("n").asInt()));
        messages.add(ids);
      }
      return messages;
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
  @DisplayName("a change arriving in the middle of a pass reaches the rest of that pass at once, the sessions before it in the next")
  void changeMidPass() throws Exception {
    try (LiveHub hub = new LiveHub(JSON, List::of)) {
      FakeSession a = new FakeSession(false);
      FakeSession b = new FakeSession(false);
      FakeSession c = new FakeSession(false);
      hub.join(a.session);
      hub.join(b.session);
      hub.join(c.session);
      AtomicBoolean once = new AtomicBoolean();
      b.onSend = text -> {
        if (text.contains("\"one\"") && once.compareAndSet(false, true)) {
          hub.publish("two", region("two", 2));
        }
      };
      hub.publish("one", region("one", 1));
      await().atMost(BOUND).until(() -> a.sent.size() == 3 && b.sent.size() == 3 && c.sent.size() == 2);
      assertThat(a.ids()).containsExactly(List.of("one=1"), List.of("two=2"));
      assertThat(b.ids()).containsExactly(List.of("one=1"), List.of("two=2"));
      assertThat(c.ids()).as("the session after the change gets both in one message").containsExactly(List.of("one=1", "two=2"));
      assertThat(a.sent.get(2)).as("serialised once for the sessions that were level").isSameAs(b.sent.get(2));
      Thread.sleep(50);
      assertThat(c.sent).as("nothing sent twice").hasSize(2);
    }
  }

  @Test
  @DisplayName("a session with a send in flight gets nothing more until it completes, then everything since in one message")
  void oneSendInFlight() throws Exception {
    try (LiveHub hub = new LiveHub(JSON, List::of)) {
      FakeSession slow = new FakeSession(false);
      FakeSession fast = new FakeSession(false);
      hub.join(slow.session);
      hub.join(fast.session);
      slow.hold.set(true);
      hub.publish("a", region("a", 1));
      await().atMost(BOUND).until(() -> slow.sent.size() == 2 && fast.sent.size() == 2);
      for (int i = 2; i <= 5; i++) {
        int before = fast.sent.size();
        hub.publish("a", region("a", i));
        hub.publish("b" + i, region("b" + i, i));
        await().atMost(BOUND).until(() -> fast.sent.size() > before);
      }
      Thread.sleep(50);
      assertThat(slow.sent).as("held: nothing queued behind its send").hasSize(2);
      slow.complete();
      await().atMost(BOUND).until(() -> slow.sent.size() == 3);
      assertThat(slow.ids().get(1)).as("the newest of each key, in one message").containsExactly("b2=2", "b3=3", "b4=4",
          "a=5", "b5=5");
    }
  }

  @Test
  @DisplayName("a session whose send stays unfinished while changes wait is closed and dropped; the others keep receiving")
  void slowSessionDropped() {
    long stall = TimeUnit.MILLISECONDS.toNanos(200);
    try (LiveHub hub = new LiveHub(JSON, List::of, stall)) {
      FakeSession slow = new FakeSession(true);
      FakeSession fast = new FakeSession(false);
      hub.join(slow.session);
      hub.join(fast.session);
      int published = 0;
      long start = System.nanoTime();
      while (slow.open.get() && System.nanoTime() - start < BOUND.toNanos()) {
        int before = fast.sent.size();
        hub.publish("region:x", region("x", ++published));
        await().atMost(BOUND).until(() -> fast.sent.size() > before);
      }
      assertThat(slow.open.get()).as("the stalled session is closed").isFalse();
      assertThat(System.nanoTime() - start).as("not before its send was unfinished for the bound").isGreaterThan(stall);
      assertThat(slow.closeCode.get()).isEqualTo(1008);
      assertThat(slow.sent).as("the snapshot only: its send never finished").hasSize(1);
      assertThat(hub.sessionCount()).isEqualTo(1);
      int before = fast.sent.size();
      hub.publish("region:x", region("x", -1));
      await().atMost(BOUND).until(() -> fast.sent.size() > before);
    }
  }

  @Test
  @DisplayName("a session further behind than the ring holds gets a snapshot instead of the changes it missed")
  void farBehindGetsSnapshot() throws Exception {
    try (LiveHub hub = new LiveHub(JSON, () -> List.of(region("primary", 7)))) {
      FakeSession slow = new FakeSession(false);
      hub.join(slow.session);
      slow.hold.set(true);
      hub.publish("x", region("x", 0));
      await().atMost(BOUND).until(() -> slow.sent.size() == 2);
      for (int i = 1; i <= LiveHub.RING + 10; i++) {
        hub.publish("x" + i, region("x", i));
      }
      Thread.sleep(100);
      slow.complete();
      await().atMost(BOUND).until(() -> slow.sent.size() == 3);
      JsonNode last = JSON.readTree(slow.sent.get(2));
      assertThat(last.get("snapshot").asBoolean()).isTrue();
      assertThat(last.get("events").get(0).get("n").asInt()).isEqualTo(7);
    }
  }
}
