package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DestinationException;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.Lease;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What RedisLeaseStore adds to the contract, against a real redis-server without persistence. */
@DisplayName("RedisLeaseStore on a real redis-server")
class RedisLeaseStoreIT {
  @RegisterExtension static RedisExtension server = new RedisExtension(RedisServerProcess.builder("lease-it"));
  static TestRedis redis;
  RedisLeaseStore store;
  String name;

  @BeforeAll
  static void connect() {
    redis = TestRedis.connect(server);
  }

  @AfterAll
  static void disconnect() {
    redis.close();
  }

  @BeforeEach
  void newStore() {
    store = redis.leases().timeout(Duration.ofSeconds(2)).build();
    name = "lease-" + UUID.randomUUID();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private RedisCommands<String, String> raw(StatefulRedisConnection<String, String> c) {
    return c.sync();
  }

  @Nested
  @DisplayName("fencing tokens")
  class Tokens {
    @Test
    @DisplayName("strictly increase across a restart of Redis with persistence off, which forgot the counter")
    void increaseAcrossRestart() throws Exception {
      Lease before = store.acquire(name, "region-a", Duration.ofSeconds(30)).orElseThrow();
      server.restart();
      try (StatefulRedisConnection<String, String> c = Objects.requireNonNull(redis.client()).connect()) {
        assertThat(raw(c).exists("{dualpush:lease:" + name + "}:token")).as("the counter is gone").isZero();
      }
      // The store's connection reconnects by itself; the lease was forgotten with everything else.
      Lease after = store.acquire(name, "region-b", Duration.ofSeconds(30)).orElseThrow();
      assertThat(after.fencingToken()).isGreaterThan(before.fencingToken());
    }

    @Test
    @DisplayName("after a SCRIPT FLUSH the scripts run again (EVALSHA falls back to EVAL)")
    void scriptFlush() {
      store.acquire(name, "region-a", Duration.ofSeconds(30)).orElseThrow();
      try (StatefulRedisConnection<String, String> c = Objects.requireNonNull(redis.client()).connect()) {
        raw(c).scriptFlush();
      }
      assertThat(store.current(name)).hasValueSatisfying(l -> assertThat(l.owner()).isEqualTo("region-a"));
    }
  }

  @Nested
  @DisplayName("keys")
  class Keys {
    @Test
    @DisplayName("a lease's holder key expires by PX and shares its hash tag with the token counter")
    void layout() {
      Lease lease = store.acquire(name, "region-a", Duration.ofSeconds(30)).orElseThrow();
      try (StatefulRedisConnection<String, String> c = Objects.requireNonNull(redis.client()).connect()) {
        RedisCommands<String, String> r = raw(c);
        String tag = "{dualpush:lease:" + name + "}";
        assertThat(r.get(tag + ":holder")).isEqualTo(lease.fencingToken() + "|30000|region-a");
        assertThat(r.pttl(tag + ":holder")).isBetween(1L, 30_000L);
        assertThat(r.get(tag + ":token")).isEqualTo(Long.toString(lease.fencingToken()));
        assertThat(r.pttl(tag + ":token")).as("the counter never expires").isEqualTo(-1L);
      }
      // Both from the server's TIME and the key's remaining PTTL, in milliseconds.
      assertThat(store.current(name)).hasValueSatisfying(c -> assertThat(c.expiresAt())
          .isBetween(lease.expiresAt().minusMillis(2), lease.expiresAt().plusMillis(2)));
    }

    @Test
    @DisplayName("a key prefix separates stores on one server")
    void prefixes() {
      try (RedisLeaseStore other = redis.leases().keyPrefix("other-app").build()) {
        assertThat(store.acquire(name, "region-a", Duration.ofSeconds(30))).isPresent();
        assertThat(other.acquire(name, "region-b", Duration.ofSeconds(30))).isPresent();
      }
    }
  }

  @Nested
  @DisplayName("refusals")
  class Refusals {
    @Test
    @DisplayName("a blank name or owner, or a TTL under 1 ms, is refused naming the field")
    void invalidInput() {
      assertThatThrownBy(() -> store.acquire(" ", "region-a", Duration.ofSeconds(1)))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("name"));
      assertThatThrownBy(() -> store.acquire(name, "", Duration.ofSeconds(1)))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("owner"));
      assertThatThrownBy(() -> store.acquire(name, "region-a", Duration.ZERO))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("ttl"));
      assertThatThrownBy(() -> RedisLeaseStore.builder().build())
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("client"));
      assertThatThrownBy(() -> RedisLeaseStore.builder().keyPrefix("a{b}"))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("keyPrefix"));
      RedisClient client = Objects.requireNonNull(redis.client());
      assertThatThrownBy(() -> RedisLeaseStore.builder().client(client).client(client))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("already set");
    }
  }

  @Nested
  @DisplayName("a server that stops answering")
  class Outage {
    @Test
    @DisplayName("stopped: a call fails with a transient DestinationException keeping the cause, within the timeout, and works once Redis is back")
    void stopped() throws Exception {
      Lease lease = store.acquire(name, "region-a", Duration.ofSeconds(30)).orElseThrow();
      server.stop();
      assertThatThrownBy(() -> store.renew(lease, Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(DestinationException.class, e -> {
            assertThat(e.isTransient()).isTrue();
            assertThat(e.getCause()).isNotNull();
            assertThat(e.getMessage()).contains("redis-lease:dualpush").contains("lease renew");
          });
      server.start();
      assertThat(store.acquire(name, "region-b", Duration.ofSeconds(30))).isPresent();
    }

    @Test
    @DisplayName("paused (SIGSTOP): a call fails after the timeout instead of hanging, and works after resume")
    void paused() {
      server.pause();
      try {
        assertThatThrownBy(() -> store.acquire(name, "region-a", Duration.ofSeconds(30)))
            .isInstanceOfSatisfying(DestinationException.class, e -> {
              assertThat(e.isTransient()).isTrue();
              assertThat(e.getMessage()).contains("did not answer").contains("PT2S");
              assertThat(e.getCause()).isInstanceOf(java.util.concurrent.TimeoutException.class);
            });
      } finally {
        server.resume();
      }
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> store.current(name) != null);
    }
  }
}
