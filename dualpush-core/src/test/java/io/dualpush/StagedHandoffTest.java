package io.dualpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("StagedHandoff")
class StagedHandoffTest {
  @TempDir
  Path dir;

  private FileSystemDestination primary;
  private FlakyDestination dr;
  private DualPushClient client;
  private StagedHandoff handoff;

  @BeforeEach
  void setUp() throws Exception {
    primary = new FileSystemDestination(Files.createDirectories(dir.resolve("primary")));
    dr = new FlakyDestination(new FileSystemDestination(Files.createDirectories(dir.resolve("dr"))));
    client = new DualPushClientBuilder().destination("primary", primary).destination("dr", dr)
        .retry(RetryOptions.builder().maxAttempts(1).build())
        // The injected failures are the test's, not an outage: a breaker opened by them (5 failures) made repairAll
        // refuse the repairs the tests expect it to make, and concurrentReader flaked.
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(1_000).build())
        .transactionLog(dir.resolve("log")).buildClient();
    handoff = StagedHandoff.builder(client).destination("primary", primary).destination("dr", dr).build();
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private static byte[] content(String key) {
    return ("contents of " + key + " ").repeat(50).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("promotes a verified staged push to its final key everywhere and deletes the staged copies")
  void promotes() {
    PushReceipt receipt = handoff.handoff(PushRequest.of("gold/a.csv", content("gold/a.csv")));

    assertThat(receipt.key()).isEqualTo("_staging/gold/a.csv");
    for (Destination d : List.of(primary, dr)) {
      assertThat(d.head("gold/a.csv").orElseThrow().md5()).hasValue(Md5.of(content("gold/a.csv")));
      assertThat(d.head("_staging/gold/a.csv")).isEmpty();
    }
  }

  @Test
  @DisplayName("promotes nothing while the staged push is not verified everywhere, and finishes it on resume")
  void notVerifiedNotPromoted() {
    dr.failPuts.set(true);
    assertThatThrownBy(() -> handoff.handoff(PushRequest.of("gold/b.csv", content("gold/b.csv"))))
        .isInstanceOf(PushFailedException.class);
    assertThat(primary.head("gold/b.csv")).isEmpty();
    assertThat(dr.head("gold/b.csv")).isEmpty();

    dr.failPuts.set(false);
    client.repairAll();
    assertThat(handoff.resumePending(100)).containsExactly("gold/b.csv");
    assertThat(dr.head("gold/b.csv").orElseThrow().md5()).hasValue(Md5.of(content("gold/b.csv")));
    assertThat(primary.head("_staging/gold/b.csv")).isEmpty();
    assertThat(handoff.resumePending(100)).isEmpty();
  }

  @Test
  @DisplayName("keeps the staged copies when a promotion fails part-way, and a second promote finishes it")
  void promotionInterrupted() {
    dr.failFinalPuts.set(true);
    assertThatThrownBy(() -> handoff.handoff(PushRequest.of("gold/c.csv", content("gold/c.csv"))))
        .isInstanceOf(DestinationException.class);
    assertThat(primary.head("gold/c.csv")).isPresent();
    assertThat(dr.head("gold/c.csv")).isEmpty();
    assertThat(dr.head("_staging/gold/c.csv")).isPresent();
    assertThat(primary.head("_staging/gold/c.csv")).isPresent();

    dr.failFinalPuts.set(false);
    assertThat(handoff.resumePending(100)).containsExactly("gold/c.csv");
    assertThat(dr.head("gold/c.csv").orElseThrow().md5()).hasValue(Md5.of(content("gold/c.csv")));
    assertThat(dr.head("_staging/gold/c.csv")).isEmpty();
  }

  @Test
  @DisplayName("never lets a concurrent reader see a final object that is wrong or not on every destination")
  void concurrentReader() throws Exception {
    int objects = 120;
    AtomicBoolean done = new AtomicBoolean();
    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicInteger seen = new AtomicInteger();
    Thread reader = new Thread(() -> {
      while (!done.get()) {
        for (int i = 0; i < objects; i++) {
          String key = "gold/part-" + i + ".bin";
          String md5 = Md5.of(content(key));
          Optional<InputStream> in = primary.get(key);
          if (in.isEmpty()) {
            continue;
          }
          try (InputStream s = in.get()) {
            String read = Md5.of(s).base64();
            if (!read.equals(md5)) {
              violations.add(key + ": read " + read + ", source " + md5);
            }
          } catch (Exception e) {
            violations.add(key + ": " + e);
          }
          // Confirmed everywhere: the other copy is still staged, or already final (staged first: it is deleted
          // only after every final copy is there).
          boolean staged = dr.head("_staging/" + key).flatMap(ObjectInfo::md5).map(md5::equals).orElse(false);
          boolean fin = dr.head(key).flatMap(ObjectInfo::md5).map(md5::equals).orElse(false);
          if (!staged && !fin) {
            violations.add(key + ": final on primary while dr has neither a staged nor a final copy");
          }
          seen.incrementAndGet();
        }
      }
    });
    reader.start();
    try {
      for (int i = 0; i < objects; i++) {
        String key = "gold/part-" + i + ".bin";
        dr.failPuts.set(i % 7 == 3);
        dr.failFinalPuts.set(i % 11 == 5);
        try {
          handoff.handoff(PushRequest.of(key, content(key)));
        } catch (PushFailedException | DestinationException e) {
          // Finished below.
        }
      }
      dr.failPuts.set(false);
      dr.failFinalPuts.set(false);
      client.repairAll();
      handoff.resumePending(1000);
    } finally {
      done.set(true);
      reader.join();
    }
    assertThat(violations).isEmpty();
    assertThat(seen.get()).isPositive();
    for (int i = 0; i < objects; i++) {
      String key = "gold/part-" + i + ".bin";
      for (Destination d : List.of(primary, dr)) {
        assertThat(d.head(key).flatMap(ObjectInfo::md5)).as(key).hasValue(Md5.of(content(key)));
        assertThat(d.head("_staging/" + key)).as(key).isEmpty();
      }
    }
  }
}
