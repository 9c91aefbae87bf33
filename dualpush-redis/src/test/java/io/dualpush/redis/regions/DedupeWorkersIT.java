package io.dualpush.redis.regions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DedupeStateLostException;
import io.dualpush.redis.RedisDedupeStore;
import io.dualpush.spi.DedupeClaim;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.RedisClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many workers (threads, each with its own Redis connection, and a child JVM) claim the same
 * message ids through {@link RedisDedupeStore} on a real redis-server. "Processing" an id is
 * counting it in a shared map: the side effect that must happen exactly once per id.
 */
@DisplayName("Dedupe workers sharing one Redis")
class DedupeWorkersIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration DONE_TTL = Duration.ofMinutes(10);

  @RegisterExtension
  static final RedisExtension REDIS = new RedisExtension("dedupe-workers");

  @TempDir
  Path dir;

  private final List<RedisClient> clients = new ArrayList<>();
  private final List<RedisDedupeStore> stores = new ArrayList<>();
  private String prefix;

  @BeforeEach
  void prefix() {
    prefix = "w" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterEach
  void closeClients() {
    stores.forEach(RedisDedupeStore::close);
    clients.forEach(RedisClient::shutdown);
  }

  /** A store over a client of its own: one connection per worker, as separate processes would have. */
  private RedisDedupeStore store(RedisExtension redis) {
    RedisClient client = RedisClient.create(redis.uri());
    clients.add(client);
    RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build();
    stores.add(store);
    return store;
  }

  private static List<String> ids(String idPrefix, int n) {
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(idPrefix + i);
    }
    return ids;
  }

  /**
   * One worker: claims every id (in its own random order; batched in 100s or one at a time), counts
   * the ones it won and marks them done; ids in progress elsewhere are asked again until they are
   * done by someone.
   */
  private static void work(RedisDedupeStore store, List<String> all, long seed, boolean batched, Duration claimTtl,
      Map<String, AtomicInteger> processed, AtomicInteger claims) throws InterruptedException {
    work(store, all, seed, batched, claimTtl, processed, claims, new AtomicLong(Long.MAX_VALUE));
  }

  /** As above, recording in {@code firstWin} the earliest {@link System#nanoTime()} at which any claim was won. */
  private static void work(RedisDedupeStore store, List<String> all, long seed, boolean batched, Duration claimTtl,
      Map<String, AtomicInteger> processed, AtomicInteger claims, AtomicLong firstWin) throws InterruptedException {
    List<String> pending = new ArrayList<>(all);
    Collections.shuffle(pending, new Random(seed));
    while (!pending.isEmpty()) {
      List<String> again = new ArrayList<>();
      for (int i = 0; i < pending.size(); i += batched ? 100 : 1) {
        List<String> chunk = pending.subList(i, Math.min(pending.size(), i + (batched ? 100 : 1)));
        Map<String, DedupeClaim> answers = batched ? store.claimAll(chunk, claimTtl)
            : Map.of(chunk.get(0), store.claim(chunk.get(0), claimTtl));
        for (Map.Entry<String, DedupeClaim> e : answers.entrySet()) {
          switch (e.getValue().status()) {
            case CLAIMED -> {
              long now = System.nanoTime();
              firstWin.accumulateAndGet(now, Math::min);
              claims.incrementAndGet();
              processed.computeIfAbsent(e.getKey(), k -> new AtomicInteger()).incrementAndGet();
              store.markDone(e.getKey(), "done-by-" + seed, DONE_TTL);
            }
            case IN_PROGRESS -> again.add(e.getKey());
            case DUPLICATE -> {
              // processed by another worker: nothing to do
            }
          }
        }
      }
      pending = again;
      if (!pending.isEmpty()) {
        // Ids held elsewhere: ask again shortly, without spinning on the server.
        Thread.sleep(20);
      }
    }
  }

  @Nested
  @DisplayName("with sixteen concurrent workers")
  class Sixteen {
    @Test
    @DisplayName("process each of 10,000 shared ids exactly once, batched and single claims mixed")
    void eachIdOnce() throws Exception {
      List<String> all = ids("id-", 10_000);
      Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
      AtomicInteger claims = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
          RedisDedupeStore store = store(REDIS);
          long seed = w;
          boolean batched = w % 2 == 0;
          workers.add(pool.submit(() -> {
            start.await();
            work(store, all, seed, batched, Duration.ofSeconds(30), processed, claims);
            return null;
          }));
        }
        for (Future<?> f : workers) {
          f.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(processed).hasSize(10_000);
      assertThat(processed.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
      assertThat(claims.get()).isEqualTo(10_000);
    }
  }

  @Nested
  @DisplayName("when a worker is killed (SIGKILL) holding claims")
  class KilledWorker {
    @Test
    @DisplayName("its ids stay in progress until the claim TTL has passed, then the others take them over, each once")
    void idsTakenOverAfterClaimTtl() throws Exception {
      Duration claimTtl = Duration.ofSeconds(3);
      int n = 200;
      ChildJvm child = ChildJvm.start("worker", DedupeWorkerMain.class, dir, List.of(REDIS.host() + ":" + REDIS.port(),
          prefix, "k-", Integer.toString(n), Long.toString(claimTtl.toMillis())));
      long claiming;
      try {
        claiming = child.await(0, "CLAIMING", WAIT).longField("t");
        assertThat(child.await(0, "CLAIMED", WAIT).longField("n")).isEqualTo(n);
        child.kill();
      } finally {
        child.close();
      }
      RedisDedupeStore probe = store(REDIS);
      List<String> held = ids("k-", n);
      // The kill released nothing: the claims still block (unless the TTL ran out already on a slow machine).
      DedupeClaim first = probe.claim("k-0", claimTtl);
      long firstAsked = System.nanoTime();
      if (first.status() == DedupeClaim.Status.CLAIMED) {
        assertThat(Duration.ofNanos(firstAsked - claiming)).as("claim won before the TTL ran out").isGreaterThanOrEqualTo(claimTtl);
        probe.release("k-0");
      } else {
        assertThat(first.status()).isEqualTo(DedupeClaim.Status.IN_PROGRESS);
      }

      Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
      AtomicInteger claims = new AtomicInteger();
      AtomicLong firstWin = new AtomicLong(Long.MAX_VALUE);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          RedisDedupeStore store = store(REDIS);
          long seed = w;
          boolean batched = w % 2 == 0;
          workers.add(pool.submit(() -> {
            work(store, held, seed, batched, Duration.ofSeconds(30), processed, claims, firstWin);
            return null;
          }));
        }
        for (Future<?> f : workers) {
          f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      long finished = System.nanoTime();
      System.out.printf("FIGURE dedupe takeover: the first of %d ids of a killed worker won %.0f ms after its claim was "
          + "sent, all processed after %.0f ms (claim TTL %d ms)%n", n, (firstWin.get() - claiming) / 1e6,
          (finished - claiming) / 1e6, claimTtl.toMillis());
      assertThat(processed).hasSize(n);
      assertThat(processed.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
      // Nobody won a claim before the killed worker's had expired: its claims were sent after "CLAIMING".
      assertThat(Duration.ofNanos(firstWin.get() - claiming)).as("first claim won after the kill")
          .isGreaterThanOrEqualTo(claimTtl);
    }
  }

  @Nested
  @DisplayName("when Redis restarts without persistence")
  class Restarted {
    @Test
    @DisplayName("a claim is refused with DedupeStateLostException, not answered as if every id were new")
    void stateLossIsReported() throws Exception {
      // A server of its own: a restart loses every key, which the other tests' server must not.
      try (RedisServerProcess server = RedisServerProcess.builder("dedupe-loss").build()) {
        server.start();
        RedisClient client = RedisClient.create(server.uri());
        clients.add(client);
        RedisDedupeStore store = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build();
        stores.add(store);
        for (String id : ids("m-", 100)) {
          assertThat(store.claim(id, Duration.ofSeconds(30)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
          store.markDone(id, "txn-" + id, DONE_TTL);
        }
        assertThat(store.claim("m-7", Duration.ofSeconds(30)).status()).isEqualTo(DedupeClaim.Status.DUPLICATE);

        server.restart();

        assertThatThrownBy(() -> store.claim("m-7", Duration.ofSeconds(30)))
            .as("a claim of an id done before the restart").isInstanceOf(DedupeStateLostException.class);
        assertThatThrownBy(() -> store.claimAll(ids("m-", 10), Duration.ofSeconds(30)))
            .as("a batched claim").isInstanceOf(DedupeStateLostException.class);
        assertThatThrownBy(() -> store.claim("never-seen", Duration.ofSeconds(30)))
            .as("a claim of a new id: the store cannot tell it from a lost one").isInstanceOf(DedupeStateLostException.class);
        // A process starting after the loss: configured to expect existing state, it refuses at once.
        assertThatThrownBy(() -> RedisDedupeStore.builder().client(client).keyPrefix(prefix).requireExistingState(true).build())
            .as("a store built after the restart, requiring existing state").isInstanceOf(DedupeStateLostException.class);
        assertThatThrownBy(() -> store.claim("m-8", Duration.ofSeconds(30)))
            .as("still refused until acknowledged").isInstanceOf(DedupeStateLostException.class);

        // What the user gets once they acknowledged the loss (after reconciling): ids are new again.
        store.acknowledgeStateLoss();
        assertThat(store.claim("m-7", Duration.ofSeconds(30)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
      }
    }

    @Test
    @DisplayName("a store started after the restart (a new worker) does not hide the loss from the workers already running")
    void newWorkerDoesNotHideTheLoss() throws Exception {
      try (RedisServerProcess server = RedisServerProcess.builder("dedupe-loss-new-worker").build()) {
        server.start();
        RedisClient client = RedisClient.create(server.uri());
        clients.add(client);
        RedisDedupeStore running = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build();
        stores.add(running);
        assertThat(running.claim("m-1", Duration.ofSeconds(30)).status()).isEqualTo(DedupeClaim.Status.CLAIMED);
        running.markDone("m-1", "txn-1", DONE_TTL);

        server.restart();
        // A worker process starting now, as configured by default, finds no marker and writes them.
        RedisDedupeStore started = RedisDedupeStore.builder().client(client).keyPrefix(prefix).build();
        stores.add(started);

        assertThatThrownBy(() -> running.claim("m-1", Duration.ofSeconds(30)))
            .as("a running worker's claim of an id it pushed before the restart")
            .isInstanceOf(DedupeStateLostException.class);
      }
    }
  }
}
