package io.dualpush.local;

import static io.dualpush.Refusals.assertRefused;
import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.TransactionRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("FileTransactionLog")
class FileTransactionLogTest {
  @TempDir
  Path dir;

  private Path logFile() {
    return dir.resolve("transactions.log");
  }

  /**
   * Writes three transactions (t1 verified, t2 failed on one copy, t3 just started) and returns the
   * offsets where each frame starts, plus the final size: {@code frames.get(i)} to
   * {@code frames.get(i + 1)} is frame i.
   */
  private List<Long> writeThreeTransactions() throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    entries.add(LogEntries.started("t1", "a/one.csv", at(0)));
    entries.addAll(LogEntries.verifiedBoth("t1", at(1)));
    entries.add(LogEntries.started("t2", "a/two.csv", at(2)));
    entries.add(LogEntries.copy("t2", "primary", CopyStatus.VERIFIED, at(3)));
    entries.add(LogEntries.copy("t2", "secondary", CopyStatus.FAILED, at(3)));
    entries.add(LogEntries.started("t3", "a/three.csv", at(4)));
    List<Long> frames = new ArrayList<>();
    try (FileTransactionLog log = FileTransactionLog.open(dir)) {
      for (LogEntry e : entries) {
        frames.add(Files.size(logFile()));
        log.append(e);
      }
      frames.add(Files.size(logFile()));
    }
    return frames;
  }

  /** Asserts the log holds exactly what {@link #writeThreeTransactions} wrote. */
  private static void assertThreeTransactions(FileTransactionLog log) {
    assertThat(log.read("t1").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
    assertThat(log.read("t2").orElseThrow().state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
    assertThat(log.read("t3").orElseThrow().state()).isEqualTo(TransactionState.IN_PROGRESS);
    // (Tests of a torn tail append a t4 after the truncation; it must come after the others.)
    assertThat(log.open()).extracting(TransactionRecord::transactionId).startsWith("t2", "t3");
  }

  private void flipByte(long offset) throws IOException {
    byte[] bytes = Files.readAllBytes(logFile());
    bytes[Math.toIntExact(offset)] ^= (byte) 0xFF;
    Files.write(logFile(), bytes);
  }

  private void appendBytes(byte[] extra) throws IOException {
    Files.write(logFile(), extra, StandardOpenOption.APPEND);
  }

  private void truncateTo(long size) throws IOException {
    try (FileChannel ch = FileChannel.open(logFile(), StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  /** Runs {@code action} and returns it with what it wrote to standard error (where slf4j-simple logs). */
  private static <T> Captured<T> capturingStderr(Supplier<T> action) {
    PrintStream original = System.err;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      T value = action.get();
      return new Captured<>(value, buffer.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  private record Captured<T>(T value, String stderr) {}

  @Nested
  @DisplayName("round-trips")
  class RoundTrip {

    @Test
    @DisplayName("every entry type through close and reopen, into the same records")
    void everyEntryType() {
      List<LogEntry> entries = new ArrayList<>(LogEntries.oneOfEach("t1"));
      entries.add(LogEntries.started("t2", "b/other.csv", at(10)));
      entries.add(new LogEntry.DeadLettered("t2", at(11), "no copy could be written"));
      List<TransactionRecord> recent;
      TransactionRecord t1;
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        entries.forEach(log::append);
        t1 = log.read("t1").orElseThrow();
        recent = log.recent(10);
      }
      assertThat(t1.repairRounds()).isZero(); // Retried resets the rounds
      assertThat(t1.deadLetterReason()).isEmpty();
      assertThat(t1.copy("dr").orElseThrow().mismatch()).isTrue();

      try (FileTransactionLog reopened = FileTransactionLog.open(dir)) {
        assertThat(reopened.read("t1")).contains(t1);
        assertThat(reopened.read("t2").orElseThrow().state()).isEqualTo(TransactionState.DEAD_LETTERED);
        assertThat(reopened.recent(10)).isEqualTo(recent);
        assertThat(reopened.open()).extracting(TransactionRecord::transactionId).containsExactly("t1");
        assertThat(reopened.latest("données/日本語.csv")).contains(t1);
      }
    }

    @Test
    @DisplayName("appends made after a reopen follow the earlier ones")
    void appendAfterReopen() {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        log.append(LogEntries.started("t1", "k", at(0)));
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        LogEntries.verifiedBoth("t1", at(1)).forEach(log::append);
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("t1").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
        assertThat(log.open()).isEmpty();
      }
    }

    @Test
    @DisplayName("an empty log opens empty and creates only its file and lock in the directory")
    void emptyLog() throws IOException {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.open()).isEmpty();
        assertThat(log.recent(10)).isEmpty();
        assertThat(log.file()).isEqualTo(logFile());
      }
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("transactions.log", ".lock");
      }
    }

    @Test
    @DisplayName("refuses appends once closed")
    void appendAfterClose() {
      FileTransactionLog log = FileTransactionLog.open(dir);
      log.close();
      log.close(); // idempotent
      assertThatThrownBy(() -> log.append(LogEntries.started("t", "k", at(0))))
          .isInstanceOf(DualPushException.class).hasMessageContaining("closed");
    }
  }

  @Nested
  @DisplayName("a torn tail is truncated with a warning, keeping every earlier entry")
  class TornTail {

    private void assertTruncatedTo(long expectedSize, String... mustMention) throws IOException {
      Captured<FileTransactionLog> opened = capturingStderr(() -> FileTransactionLog.open(dir));
      try (FileTransactionLog log = opened.value()) {
        assertThat(Files.size(logFile())).isEqualTo(expectedSize);
        assertThat(opened.stderr()).contains("torn tail").contains(logFile().toString())
            .contains("offset " + expectedSize);
        // Appends continue right after the last whole frame.
        log.append(LogEntries.started("t4", "a/four.csv", at(9)));
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("t4")).isPresent();
      }
    }

    @ParameterizedTest(name = "cut {0} byte(s)")
    @ValueSource(ints = {1, 3, 8, 9})
    @DisplayName("when the last frame was cut short")
    void lastFrameCut(int cut) throws IOException {
      List<Long> frames = writeThreeTransactions();
      long end = frames.get(frames.size() - 1);
      long lastStart = frames.get(frames.size() - 2);
      truncateTo(end - cut);
      assertTruncatedTo(lastStart);
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("t1").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
        assertThat(log.read("t2").orElseThrow().state()).isEqualTo(TransactionState.PARTIALLY_COMPLETED);
        assertThat(log.read("t3")).isEmpty(); // its only frame was the torn one
      }
    }

    @Test
    @DisplayName("when only part of the last frame's header was written")
    void partialHeader() throws IOException {
      List<Long> frames = writeThreeTransactions();
      long end = frames.get(frames.size() - 1);
      truncateTo(frames.get(frames.size() - 2) + 5);
      assertTruncatedTo(frames.get(frames.size() - 2));
      assertThat(end).isGreaterThan(frames.get(frames.size() - 2) + 5);
    }

    @ParameterizedTest(name = "{0} byte(s)")
    @ValueSource(ints = {1, 7, 8, 9, 100, 5000, 70_000})
    @DisplayName("when random garbage follows the last frame")
    void garbageTail(int length) throws IOException {
      List<Long> frames = writeThreeTransactions();
      Random random = new Random(length);
      for (int attempt = 0; attempt < 5; attempt++) {
        byte[] garbage = new byte[length];
        random.nextBytes(garbage);
        appendBytes(garbage);
        assertTruncatedTo(frames.get(frames.size() - 1));
        try (FileTransactionLog log = FileTransactionLog.open(dir)) {
          assertThreeTransactions(log);
        }
        truncateTo(frames.get(frames.size() - 1)); // drop t4 again for the next attempt
      }
    }

    @ParameterizedTest(name = "{0} byte(s)")
    @ValueSource(ints = {1, 8, 4096})
    @DisplayName("when zero bytes follow the last frame (the file grew but the data never landed)")
    void zeroTail(int length) throws IOException {
      List<Long> frames = writeThreeTransactions();
      appendBytes(new byte[length]);
      assertTruncatedTo(frames.get(frames.size() - 1));
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThreeTransactions(log);
      }
    }

    @Test
    @DisplayName("when the last frame is followed by a partly written frame and then garbage")
    void partialFrameThenGarbage() throws IOException {
      List<Long> frames = writeThreeTransactions();
      byte[] lastFrame = Arrays.copyOfRange(Files.readAllBytes(logFile()),
          Math.toIntExact(frames.get(frames.size() - 2)), Math.toIntExact(frames.get(frames.size() - 1)));
      // The first half of a real frame, then a block of stale bytes the crash left behind.
      byte[] torn = Arrays.copyOf(lastFrame, lastFrame.length + 4096);
      for (int i = lastFrame.length / 2; i < torn.length; i++) {
        torn[i] = (byte) (i * 31 + 7);
      }
      appendBytes(torn);
      assertTruncatedTo(frames.get(frames.size() - 1));
    }

    @Test
    @DisplayName("when the last frame itself is damaged (indistinguishable from a torn write)")
    void damagedLastFrame() throws IOException {
      List<Long> frames = writeThreeTransactions();
      flipByte(frames.get(frames.size() - 2) + 12);
      assertTruncatedTo(frames.get(frames.size() - 2));
    }

    @Test
    @DisplayName("but openReadOnly reads the whole frames and leaves the file alone")
    void readOnlyDoesNotTruncate() throws IOException {
      List<Long> frames = writeThreeTransactions();
      appendBytes(new byte[] {1, 2, 3});
      byte[] before = Files.readAllBytes(logFile());
      try (FileTransactionLog log = FileTransactionLog.openReadOnly(dir)) {
        assertThreeTransactions(log);
      }
      assertThat(Files.readAllBytes(logFile())).isEqualTo(before);
      assertThat(before.length).isEqualTo(frames.get(frames.size() - 1) + 3);
    }
  }

  @Nested
  @DisplayName("damage in the middle stops the open loudly, naming file and offset, and changes nothing")
  class MidFileCorruption {

    /** Flips the byte at {@code delta} into frame 1 (of 7) and expects a refusal naming that frame. */
    private void assertRefusedAfterFlipping(int delta) throws IOException {
      List<Long> frames = writeThreeTransactions();
      long frameStart = frames.get(1);
      flipByte(frameStart + delta);
      byte[] before = Files.readAllBytes(logFile());

      Throwable thrown = catchThrowable(() -> FileTransactionLog.open(dir));

      assertThat(thrown).isInstanceOf(DualPushException.class)
          .hasMessageContaining(logFile().toString())
          .hasMessageContaining("offset " + frameStart);
      assertThat(Files.readAllBytes(logFile())).as("the damaged log is left as it was").isEqualTo(before);
      assertThatThrownBy(() -> FileTransactionLog.openReadOnly(dir))
          .isInstanceOf(DualPushException.class).hasMessageContaining("offset " + frameStart);
      // The failed open released the directory: once the damage is undone, the log opens.
      flipByte(frameStart + delta);
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThreeTransactions(log);
      }
    }

    @ParameterizedTest(name = "body byte {0}")
    @ValueSource(ints = {8, 9, 20, 40})
    @DisplayName("a flipped byte in an early frame's body")
    void bodyByte(int delta) throws IOException {
      assertRefusedAfterFlipping(delta);
    }

    @ParameterizedTest(name = "checksum byte {0}")
    @ValueSource(ints = {4, 7})
    @DisplayName("a flipped byte in an early frame's checksum")
    void checksumByte(int delta) throws IOException {
      assertRefusedAfterFlipping(delta);
    }

    @ParameterizedTest(name = "length byte {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    @DisplayName("a flipped byte in an early frame's length, whatever length it then claims")
    void lengthByte(int delta) throws IOException {
      assertRefusedAfterFlipping(delta);
    }

    @Test
    @DisplayName("an early frame zeroed out, with valid frames after it")
    void zeroedFrame() throws IOException {
      List<Long> frames = writeThreeTransactions();
      byte[] bytes = Files.readAllBytes(logFile());
      Arrays.fill(bytes, Math.toIntExact(frames.get(2)), Math.toIntExact(frames.get(3)), (byte) 0);
      Files.write(logFile(), bytes);
      assertThatThrownBy(() -> FileTransactionLog.open(dir))
          .isInstanceOf(DualPushException.class).hasMessageContaining("offset " + frames.get(2));
      assertThat(Files.readAllBytes(logFile())).isEqualTo(bytes);
    }
  }

  @Nested
  @DisplayName("one directory, one writer")
  class Locking {

    @Test
    @DisplayName("a second open while the first is open fails with a clear message, and the first keeps working")
    void secondOpenFails() {
      try (FileTransactionLog first = FileTransactionLog.open(dir)) {
        assertThatThrownBy(() -> FileTransactionLog.open(dir))
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining(dir.toString())
            .hasMessageContaining("already open");
        first.append(LogEntries.started("t1", "k", at(0)));
        assertThat(first.read("t1")).isPresent();
      }
      try (FileTransactionLog again = FileTransactionLog.open(dir)) {
        assertThat(again.read("t1")).isPresent();
      }
    }

    @Test
    @DisplayName("the same directory reached through another path is still the same log")
    void sameDirectoryOtherPath() throws IOException {
      Path real = Files.createDirectory(dir.resolve("real"));
      Path link = Files.createSymbolicLink(dir.resolve("link"), real);
      try (FileTransactionLog first = FileTransactionLog.open(real)) {
        assertThatThrownBy(() -> FileTransactionLog.open(link)).hasMessageContaining("already open");
        assertThatThrownBy(() -> FileTransactionLog.open(real.resolve("sub/..")))
            .hasMessageContaining("already open");
      }
    }

    @Test
    @DisplayName("openReadOnly reads while another instance holds the lock, and refuses appends")
    void readOnlyBesideWriter() throws IOException {
      try (FileTransactionLog writer = FileTransactionLog.open(dir)) {
        writer.append(LogEntries.started("t1", "k", at(0)));
        byte[] before = Files.readAllBytes(logFile());
        try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
          assertThat(reader.read("t1")).isPresent();
          assertThatThrownBy(() -> reader.append(LogEntries.started("t2", "k2", at(1))))
              .isInstanceOf(DualPushException.class).hasMessageContaining("read-only");
        }
        assertThat(Files.readAllBytes(logFile())).isEqualTo(before);
        writer.append(LogEntries.started("t2", "k2", at(1)));
      }
    }
  }

  @Nested
  @DisplayName("refuses a bad directory, naming 'directory', and creates nothing")
  class BadDirectory {

    @Test
    @DisplayName("a missing directory")
    void missing() {
      Path missing = dir.resolve("missing");
      assertRefused(() -> FileTransactionLog.open(missing), "directory");
      assertRefused(() -> FileTransactionLog.openReadOnly(missing), "directory");
      assertThat(missing).doesNotExist();
      assertThat(dir).isEmptyDirectory();
    }

    @Test
    @DisplayName("a regular file")
    void regularFile() throws IOException {
      Path file = Files.writeString(dir.resolve("file"), "x");
      assertRefused(() -> FileTransactionLog.open(file), "directory");
      assertThat(file).hasContent("x");
    }

    @Test
    @DisplayName("null")
    void nullDirectory() {
      assertRefused(() -> FileTransactionLog.open(null), "directory");
    }

    @Test
    @DisplayName("a directory without a log, for openReadOnly")
    void readOnlyWithoutLog() {
      assertRefused(() -> FileTransactionLog.openReadOnly(dir), "directory");
      assertThat(dir).isEmptyDirectory();
    }
  }
}
