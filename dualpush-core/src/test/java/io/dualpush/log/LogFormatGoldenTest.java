package io.dualpush.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.CopyStatus;
import io.dualpush.spi.LogEntry;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the bytes of format version 1: every record type and the frame, encoded from fixed entries
 * and compared with hex committed here (computed by an independent encoder of the documented
 * format), then decoded back. If one of these fails, existing logs would no longer read: bump the
 * format version and keep reading this one instead of changing the hex.
 */
@DisplayName("The log format, version 1, byte for byte")
class LogFormatGoldenTest {
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00.123456789Z");
  private static final String MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
  private static final HexFormat HEX = HexFormat.of();

  static Stream<Arguments> records() {
    return Stream.of(
        Arguments.of("Started", new LogEntry.Started("t-1", T0, "k/a.csv", 42, MD5, "ds", "m-1", "text/csv",
            Map.of("o", "x"), List.of(new LogEntry.Target("primary", true), new LogEntry.Target("dr", false)), 1,
            "/src/a.csv"),
            "010100000003742d31000000006b056020075bcd15000000076b2f612e637376000000000000002a000000183142324d3259384173"
                + "67547067416d593750684366673d3d000000026473000000036d2d3100000008746578742f637376000000010000000"
                + "16f000000017800000002000000077072696d6172790100000002647200000000010000000a2f7372632f612e637376"),
        Arguments.of("CopyUpdated, VERIFIED", new LogEntry.CopyUpdated("t-1", T0.plusSeconds(1), "primary",
            CopyStatus.VERIFIED, MD5, "", false),
            "020100000003742d31000000006b056021075bcd15000000077072696d61727903000000183142324d325938417367547067416d"
                + "593750684366673d3d0000000000"),
        Arguments.of("CopyUpdated, FAILED with a mismatch", new LogEntry.CopyUpdated("t-1", T0.plusSeconds(1),
            "primary", CopyStatus.FAILED, "", "timeout", true),
            "020100000003742d31000000006b056021075bcd15000000077072696d61727904000000000000000774696d656f757401"),
        Arguments.of("RepairAttempted", new LogEntry.RepairAttempted("t-1", T0.plusSeconds(2), 3),
            "030100000003742d31000000006b056022075bcd1500000003"),
        Arguments.of("DeadLettered", new LogEntry.DeadLettered("t-1", T0.plusSeconds(3), "gave up"),
            "040100000003742d31000000006b056023075bcd150000000767617665207570"),
        Arguments.of("Retried", new LogEntry.Retried("t-1", T0.plusSeconds(4)),
            "050100000003742d31000000006b056024075bcd15"));
  }

  @Nested
  @DisplayName("every record type")
  class Records {

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.dualpush.log.LogFormatGoldenTest#records")
    @DisplayName("encodes to the committed bytes")
    void encodes(String name, LogEntry entry, String hex) {
      assertThat(HEX.formatHex(LogEntryCodec.encode(entry))).isEqualTo(hex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.dualpush.log.LogFormatGoldenTest#records")
    @DisplayName("decodes from the committed bytes into the same entry")
    void decodes(String name, LogEntry entry, String hex) {
      assertThat(LogEntryCodec.decode(HEX.parseHex(hex))).isEqualTo(entry);
    }
  }

  @Nested
  @DisplayName("codes, never ordinals")
  class Codes {

    @Test
    @DisplayName("each copy status has the code it has always had (its ordinal when the format was first written)")
    void copyStatusCodes() {
      assertThat(LogEntryCodec.copyStatusCode(CopyStatus.PENDING)).isZero();
      assertThat(LogEntryCodec.copyStatusCode(CopyStatus.IN_PROGRESS)).isEqualTo(1);
      assertThat(LogEntryCodec.copyStatusCode(CopyStatus.COMPLETED)).isEqualTo(2);
      assertThat(LogEntryCodec.copyStatusCode(CopyStatus.VERIFIED)).isEqualTo(3);
      assertThat(LogEntryCodec.copyStatusCode(CopyStatus.FAILED)).isEqualTo(4);
    }

    @ParameterizedTest
    @EnumSource(CopyStatus.class)
    @DisplayName("every copy status round-trips through its code")
    void everyStatusRoundTrips(CopyStatus status) {
      assertThat(LogEntryCodec.copyStatus(LogEntryCodec.copyStatusCode(status))).isEqualTo(status);
    }

    @Test
    @DisplayName("each record type has the code it has always had")
    void typeCodes() {
      List<Integer> codes = records().map(a -> LogEntryCodec.typeCode((LogEntry) a.get()[1])).distinct().toList();
      assertThat(codes).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    @DisplayName("an unknown copy status code is refused as damage, naming the code and the transaction")
    void unknownStatus() {
      byte[] bytes = HEX.parseHex("020100000003742d31000000006b056021075bcd15000000077072696d61727909000000000000000774"
          + "696d656f757401");
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown copy status code 9").hasMessageContaining("t-1");
    }

    @Test
    @DisplayName("an unknown record type code is refused as damage, naming the code")
    void unknownType() {
      byte[] bytes = HEX.parseHex("090100000003742d31000000006b056024075bcd15");
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown log entry type code 9");
    }

    @Test
    @DisplayName("a version this build does not know is refused rather than guessed at")
    void unknownVersion() {
      byte[] bytes = HEX.parseHex("050200000003742d31000000006b056024075bcd15");
      assertThatThrownBy(() -> LogEntryCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("version 2");
    }
  }

  @Nested
  @DisplayName("the frame")
  class Frame {
    private static final String RETRIED_FRAME = "00000015e7b90b45050100000003742d31000000006b056024075bcd15";

    @Test
    @DisplayName("is length, CRC32C and the record, big-endian, as committed")
    void encodes() {
      assertThat(HEX.formatHex(Frames.encode(new LogEntry.Retried("t-1", T0.plusSeconds(4))))).isEqualTo(RETRIED_FRAME);
    }

    @Test
    @DisplayName("the committed frame replays into its entry")
    void replays() throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      store.put(0, HEX.parseHex(RETRIED_FRAME));
      LogSegment segment = new LogSegment(store.list().get(0));
      List<LogEntry> seen = new java.util.ArrayList<>();
      try (SegmentReader reader = store.open(segment.info)) {
        long end = SegmentScanner.replay(reader, segment, true, store.capabilities().maxAppendBytes(), seen::add);
        assertThat(end).isEqualTo(RETRIED_FRAME.length() / 2);
      }
      assertThat(seen).containsExactly(new LogEntry.Retried("t-1", T0.plusSeconds(4)));
      assertThat(segment.records).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("the unit marker (type code 6), which makes the next records of a transaction one unit")
  class UnitMarker {
    /** A marker of transaction t-1 at T0 + 4 s counting 2 records. */
    private static final String MARKER = "060100000003742d31000000006b056024075bcd1500000002";
    private static final String MARKER_FRAME = "00000019067e22c9" + MARKER;
    private static final String REPAIR_FRAME = "0000001951ac5c71030100000003742d31000000006b056022075bcd1500000003";
    private static final String RETRIED_FRAME = "00000015e7b90b45050100000003742d31000000006b056024075bcd15";
    private final List<LogEntry> unitEntries = List.of(new LogEntry.RepairAttempted("t-1", T0.plusSeconds(2), 3),
        new LogEntry.Retried("t-1", T0.plusSeconds(4)));

    /** Replays one segment holding {@code hex}; returns where its whole records end. */
    private long replay(String hex, boolean last, List<LogEntry> seen) throws Exception {
      MemorySegmentStore store = MemorySegmentStore.files();
      store.put(0, HEX.parseHex(hex));
      LogSegment segment = new LogSegment(store.list().get(0));
      try (SegmentReader reader = store.open(segment.info)) {
        return SegmentScanner.replay(reader, segment, last, store.capabilities().maxAppendBytes(), seen::add);
      }
    }

    @Test
    @DisplayName("is type, version, transaction, time and count, as committed, and decodes back")
    void encodes() {
      assertThat(LogEntryCodec.UNIT).as("a code no entry type has").isEqualTo(6);
      assertThat(HEX.formatHex(LogEntryCodec.encodeUnit("t-1", T0.plusSeconds(4), 2))).isEqualTo(MARKER);
      assertThat(LogEntryCodec.decodeUnit(HEX.parseHex(MARKER), 0, MARKER.length() / 2))
          .isEqualTo(new LogEntryCodec.Unit("t-1", T0.plusSeconds(4), 2));
      assertThat(Frames.unit(unitEntries)).extracting(HEX::formatHex)
          .containsExactly(MARKER_FRAME, REPAIR_FRAME, RETRIED_FRAME);
    }

    @Test
    @DisplayName("is not an entry: decode refuses it, saying so")
    void notAnEntry() {
      assertThatThrownBy(() -> LogEntryCodec.decode(HEX.parseHex(MARKER))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unit marker");
    }

    @Test
    @DisplayName("a whole unit replays its records, in order, counting the marker as a record")
    void wholeUnit() throws Exception {
      List<LogEntry> seen = new java.util.ArrayList<>();
      String hex = MARKER_FRAME + REPAIR_FRAME + RETRIED_FRAME;
      assertThat(replay(hex, false, seen)).isEqualTo(hex.length() / 2);
      assertThat(seen).isEqualTo(unitEntries);
    }

    @Test
    @DisplayName("a unit cut short at the end of the last segment replays none of it: the torn tail starts at its marker")
    void cutShortAtTheEnd() throws Exception {
      List<LogEntry> seen = new java.util.ArrayList<>();
      assertThat(replay(RETRIED_FRAME + MARKER_FRAME + REPAIR_FRAME, true, seen)).isEqualTo(RETRIED_FRAME.length() / 2);
      assertThat(seen).containsExactly(new LogEntry.Retried("t-1", T0.plusSeconds(4)));
    }

    @Test
    @DisplayName("a unit cut short at the end of a segment that is not the last is damage, at its marker")
    void cutShortInTheMiddle() {
      assertThatThrownBy(() -> replay(RETRIED_FRAME + MARKER_FRAME + REPAIR_FRAME, false, new java.util.ArrayList<>()))
          .isInstanceOf(SegmentScanner.Damage.class).hasMessageContaining("offset " + RETRIED_FRAME.length() / 2);
    }
  }
}
