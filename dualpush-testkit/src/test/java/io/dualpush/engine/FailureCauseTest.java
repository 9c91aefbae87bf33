package io.dualpush.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationException;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.PushFailedException;
import io.dualpush.PushReceipt;
import io.dualpush.RepairOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import io.dualpush.testkit.InMemoryDestination;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, case 8: the recorded failure of a copy keeps its first cause through retries and the
 * circuit breaker, and a refusal by an open breaker says why it opened.
 */
@DisplayName("A failed copy keeps its first cause")
class FailureCauseTest {
  private static final Duration OPEN_DELAY = Duration.ofMinutes(5);
  private static final String NO_SPACE = "Cannot write 'k' in file:/x: IOException No space left on device";
  private static final String NOT_PERMITTED = "Cannot write 'k' in file:/x: IOException Operation not permitted";

  private final Fixture f = new Fixture();
  private final ScriptedDestination disk = new ScriptedDestination(new InMemoryDestination("disk", f.clock));

  @AfterEach
  void tearDown() {
    f.close();
  }

  /** A healthy primary and the scripted disk, on the fixture's log and manual clock. */
  private void start(int attempts, int failureThreshold) {
    f.client = new DualPushClientBuilder()
        .destination("primary", f.primary)
        .destination("disk", disk)
        .transactionLog(f.log)
        .clock(f.clock)
        // No background repair: its writes would race the tests' pushes for the breaker's one trial call.
        .repair(RepairOptions.builder().enabled(false).build())
        .retry(RetryOptions.builder().maxAttempts(attempts).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(2)).build())
        .circuitBreaker(CircuitBreakerOptions.builder().failureThreshold(failureThreshold).openDelay(OPEN_DELAY).build())
        .buildClient();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private String diskError(String key) {
    PushFailedException e = (PushFailedException) org.assertj.core.api.Assertions.catchThrowable(() -> f.client.push(key, bytes(key)));
    assertThat(e).as("push of " + key).isNotNull();
    return e.receipt().copy("disk").orElseThrow().error();
  }

  @Test
  @DisplayName("retries exhausted: the error names the first attempt's cause and how many attempts followed")
  void firstCauseThroughRetries() {
    start(3, 100);
    disk.fail(NO_SPACE).fail(NO_SPACE).fail(NO_SPACE);

    assertThat(diskError("gold/a.csv")).isEqualTo("transient: " + NO_SPACE + " (3 attempts)");
  }

  @Test
  @DisplayName("the breaker opening during retries: the error names the first cause, then the open breaker")
  void firstCauseThenBreaker() {
    start(3, 2);
    disk.fail(NO_SPACE).fail(NOT_PERMITTED);

    String error = diskError("gold/b.csv");

    assertThat(error).startsWith("transient: " + NO_SPACE + " (2 attempts; ")
        .contains("last: transient: " + NOT_PERMITTED).endsWith("; then circuit breaker open)");
    assertThat(disk.puts.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("a refusal by an open breaker says since when it is open, after how many failures, and the cause that opened it")
  void refusalSaysWhyTheBreakerOpened() {
    start(1, 2);
    disk.fail(NO_SPACE).fail(NO_SPACE);
    diskError("gold/c1.csv");
    String openedAt = f.clock.instant().toString();
    diskError("gold/c2.csv");
    f.clock.advance(Duration.ofSeconds(7));

    assertThat(diskError("gold/c3.csv"))
        .isEqualTo("circuit breaker open since " + openedAt + " after 2 failures; last: transient: " + NO_SPACE);
    assertThat(disk.puts.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("the breaker runs on the engine's clock: once the open delay has passed on it, a trial call goes through and "
      + "success closes the breaker")
  void breakerFollowsTheEngineClock() {
    start(1, 1);
    disk.fail(NO_SPACE);
    diskError("gold/d1.csv");
    assertThat(diskError("gold/d2.csv")).startsWith("circuit breaker open since ");

    f.clock.advance(OPEN_DELAY);

    PushReceipt healed = f.client.push("gold/d3.csv", bytes("gold/d3.csv"));
    assertThat(healed.copy("disk").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
    assertThat(f.client.push("gold/d4.csv", bytes("gold/d4.csv")).isVerified()).isTrue();
  }

  @Test
  @DisplayName("a permanent first cause is not retried and is recorded as it was")
  void permanentCause() {
    start(3, 100);
    disk.failPermanently(NOT_PERMITTED);
    assertThatThrownBy(() -> f.client.push("gold/e.csv", bytes("e"))).isInstanceOfSatisfying(PushFailedException.class,
        e -> assertThat(e.receipt().copy("disk").orElseThrow().error()).isEqualTo("permanent: " + NOT_PERMITTED));
    assertThat(disk.puts.get()).isEqualTo(1);
  }

  /** Fails its next writes with the given messages, in order, the way a file system destination reports them. */
  static final class ScriptedDestination implements Destination {
    private final Destination delegate;
    private final Queue<DestinationException> failures = new ConcurrentLinkedQueue<>();
    final AtomicInteger puts = new AtomicInteger();

    ScriptedDestination(Destination delegate) {
      this.delegate = delegate;
    }

    ScriptedDestination fail(String message) {
      failures.add(DestinationException.transientFailure("disk", message, new IOException(message)));
      return this;
    }

    ScriptedDestination failPermanently(String message) {
      failures.add(DestinationException.permanentFailure("disk", message, new IOException(message)));
      return this;
    }

    @Override
    public PutResult put(WriteRequest request) {
      puts.incrementAndGet();
      DestinationException next = failures.poll();
      if (next != null) {
        throw next;
      }
      return delegate.put(request);
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return delegate.head(key);
    }

    @Override
    public Optional<InputStream> get(String key) {
      return delegate.get(key);
    }

    @Override
    public boolean delete(String key) {
      return delegate.delete(key);
    }

    @Override
    public HealthStatus probe() {
      return delegate.probe();
    }

    @Override
    public String describe() {
      return "disk";
    }
  }
}
