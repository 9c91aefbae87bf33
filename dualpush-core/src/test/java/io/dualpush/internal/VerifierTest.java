package io.dualpush.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.CircuitBreakerOptions;
import io.dualpush.CopyStatus;
import io.dualpush.DestinationException;
import io.dualpush.DestinationOptions;
import io.dualpush.RetryOptions;
import io.dualpush.spi.Alert;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.PutResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Verifier (G4)")
class VerifierTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private final EngineTestSupport.CountingLog log = new EngineTestSupport.CountingLog();
  private final List<Alert> alerts = new CopyOnWriteArrayList<>();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, EngineExecutors.threads("test-timer"));
  private final Slot slot = new Slot(DestinationOptions.of("primary"), new EngineTestSupport.NeverCalled(), RetryOptions.none(),
      CircuitBreakerOptions.disabled(), 1, new Watchdog(timer), timer, clock, Runnable::run);
  private final Verifier verifier = new Verifier(log, clock, new Events(List.of(), alerts::add, clock), Map.of("primary", slot));
  private final LogEntry.Started started = EngineTestSupport.started("txn-1", T0, "k");

  @AfterEach
  void tearDown() {
    slot.shutdown();
    timer.shutdownNow();
  }

  @Nested
  @DisplayName("a written copy")
  class Written {
    @Test
    @DisplayName("is VERIFIED only when its digest equals the source MD5 in the log")
    void equalDigestVerifies() {
      CopyStatus s = verifier.recordWrite(slot, started, new PutResult(true, "md5", Optional.empty()), null, Duration.ZERO);

      assertThat(s).isEqualTo(CopyStatus.VERIFIED);
      assertThat(log.entries).singleElement().isInstanceOfSatisfying(LogEntry.CopyUpdated.class, u -> {
        assertThat(u.status()).isEqualTo(CopyStatus.VERIFIED);
        assertThat(u.md5()).isEqualTo("md5");
      });
    }

    @Test
    @DisplayName("with another digest is FAILED as a mismatch, with a data-inconsistency alert")
    void otherDigestFails() {
      CopyStatus s = verifier.recordWrite(slot, started, new PutResult(true, "other", Optional.empty()), null, Duration.ZERO);

      assertThat(s).isEqualTo(CopyStatus.FAILED);
      assertThat(log.entries).singleElement().isInstanceOfSatisfying(LogEntry.CopyUpdated.class, u -> {
        assertThat(u.status()).isEqualTo(CopyStatus.FAILED);
        assertThat(u.mismatch()).isTrue();
      });
      assertThat(alerts).singleElement().satisfies(a -> assertThat(a.type()).isEqualTo(Alert.Type.DATA_INCONSISTENCY));
    }

    @Test
    @DisplayName("that failed is recorded FAILED with its cause, never VERIFIED")
    void failureIsRecorded() {
      CopyStatus s = verifier.recordWrite(slot, started, null, new DestinationException("primary", true, "down"),
          Duration.ZERO);

      assertThat(s).isEqualTo(CopyStatus.FAILED);
      assertThat(log.entries).singleElement().isInstanceOfSatisfying(LogEntry.CopyUpdated.class,
          u -> assertThat(u.error()).contains("down"));
    }
  }

  @Nested
  @DisplayName("a verification")
  class Checked {
    @Test
    @DisplayName("of a verified copy that is now missing records it FAILED and raises a verification alert")
    void missingCopyFails() {
      io.dualpush.spi.TransactionRecord record = new io.dualpush.spi.TransactionRecord(started, List.of(
          new io.dualpush.spi.CopyRecord("primary", true, CopyStatus.VERIFIED, "md5", "", false, T0)), 0,
          Optional.empty(), false, T0);

      verifier.check(record, io.dualpush.VerifyMode.HASH).join();

      assertThat(log.entries).singleElement().isInstanceOfSatisfying(LogEntry.CopyUpdated.class, u -> {
        assertThat(u.status()).isEqualTo(CopyStatus.FAILED);
        assertThat(u.error()).isEqualTo("object missing");
      });
      assertThat(alerts).singleElement().satisfies(a -> assertThat(a.type()).isEqualTo(Alert.Type.VERIFICATION_FAILURE));
    }
  }

}
