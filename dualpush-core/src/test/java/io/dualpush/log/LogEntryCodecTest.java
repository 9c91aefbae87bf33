package io.dualpush.log;

import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("LogEntryCodec")
class LogEntryCodecTest {

  static Stream<LogEntry> everyType() {
    return Stream.concat(LogEntries.oneOfEach("txn-1").stream(),
        Stream.of(LogEntries.started("t", "k", at(0)),
            new LogEntry.DeadLettered("t", at(1), ""),
            new LogEntry.RepairAttempted("t", at(2), Integer.MAX_VALUE)));
  }

  @Nested
  @DisplayName("round-trips")
  class RoundTrip {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.dualpush.log.LogEntryCodecTest#everyType")
    @DisplayName("every entry type, field for field")
    void everyEntryType(LogEntry entry) {
      assertThat(LogEntryCodec.decode(LogEntryCodec.encode(entry))).isEqualTo(entry);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(CopyStatus.class)
    @DisplayName("every copy status")
    void everyCopyStatus(CopyStatus status) {
      LogEntry e = new LogEntry.CopyUpdated("t", at(0), "d", status, "", "", false);
      assertThat(LogEntryCodec.decode(LogEntryCodec.encode(e))).isEqualTo(e);
    }

    @Test
    @DisplayName("instants to the nanosecond, before and after the epoch")
    void instants() {
      for (java.time.Instant t : new java.time.Instant[] {
          java.time.Instant.EPOCH, java.time.Instant.parse("1969-12-31T23:59:59.999999999Z"), LogEntries.T0}) {
        LogEntry e = new LogEntry.Retried("t", t);
        assertThat(LogEntryCodec.decode(LogEntryCodec.encode(e)).at()).isEqualTo(t);
      }
    }
  }

  @Nested
  @DisplayName("refuses to decode, with IllegalArgumentException,")
  class Refuses {
    private final byte[] good = LogEntryCodec.encode(LogEntries.fullStarted("txn-1", at(0)));

    @Test
    @DisplayName("a format version it does not know")
    void unknownVersion() {
      byte[] bytes = good.clone();
      bytes[1] = (byte) (LogEntryCodec.VERSION + 1);
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    }

    @Test
    @DisplayName("an entry type it does not know")
    void unknownType() {
      byte[] bytes = good.clone();
      bytes[0] = 99;
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("type");
    }

    @Test
    @DisplayName("trailing bytes")
    void trailingBytes() {
      byte[] bytes = Arrays.copyOf(good, good.length + 1);
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailing");
    }

    @Test
    @DisplayName("a truncated entry, at every length")
    void truncated() {
      for (int n = 0; n < good.length; n++) {
        byte[] bytes = Arrays.copyOf(good, n);
        assertThatThrownBy(() -> LogEntryCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    @DisplayName("a copy status it does not know")
    void unknownCopyStatus() {
      LogEntry e = new LogEntry.CopyUpdated("t", at(0), "d", CopyStatus.FAILED, "", "", false);
      byte[] bytes = LogEntryCodec.encode(e);
      // type, version, "t" (4 + 1), seconds (8), nanos (4), "d" (4 + 1): the status byte follows.
      bytes[2 + 5 + 12 + 5] = 42;
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status");
    }
  }
}
