package io.dualpush.local;

import static io.dualpush.Refusals.assertRefused;
import static io.dualpush.spi.LogEntries.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualpush.CopyStatus;
import io.dualpush.DualPushException;
import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.TransactionLogUnavailableException;
import io.dualpush.TransactionState;
import io.dualpush.spi.LogEntries;
import io.dualpush.spi.LogEntry;
import io.dualpush.spi.LogOpenWarning;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
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
    return dir.resolve("segment-00000000000000000000.wal");
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
    @DisplayName("an empty log opens empty and creates only its first segment and lock in the directory")
    void emptyLog() throws IOException {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.open()).isEmpty();
        assertThat(log.recent(10)).isEmpty();
        assertThat(log.segments()).containsExactly(logFile());
      }
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("segment-00000000000000000000.wal", ".lock");
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
  @DisplayName("openWarnings tells a reader what the open found and worked around")
  class OpenWarnings {

    /** What verify records when it finds the primary's object gone. */
    private LogEntry objectMissing(String txn) {
      return new LogEntry.CopyUpdated(txn, at(7), "primary", CopyStatus.FAILED, "", "object missing", false);
    }

    /**
     * Writes t1, verified on both copies, then verify's "object missing" for its primary, and cuts
     * that last record short by 4 bytes, as a crash in the middle of appending it would. Returns the
     * whole last frame and the offset where it starts.
     */
    private Map.Entry<byte[], Long> verifiedThenTornObjectMissing() throws IOException {
      long tornAt;
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        log.append(LogEntries.started("t1", "a/one.csv", at(0)));
        LogEntries.verifiedBoth("t1", at(1)).forEach(log::append);
        tornAt = Files.size(logFile());
        log.append(objectMissing("t1"));
      }
      byte[] whole = Files.readAllBytes(logFile());
      truncateTo(whole.length - 4);
      return Map.entry(Arrays.copyOfRange(whole, Math.toIntExact(tornAt), whole.length), tornAt);
    }

    /** Runs {@code body} with the read-only open's pause before re-reading a tail replaced by {@code pause}. */
    private void withTailPause(io.dualpush.log.SegmentedTransactionLog.TailPause pause, Runnable body) {
      io.dualpush.log.SegmentedTransactionLog.TailPause original = FileTransactionLog.tailPause;
      FileTransactionLog.tailPause = pause;
      try {
        body.run();
      } finally {
        FileTransactionLog.tailPause = original;
      }
    }

    @Test
    @DisplayName("a clean open, writer or read-only, has none, and the list cannot be changed")
    void cleanOpen() throws IOException {
      writeThreeTransactions();
      try (FileTransactionLog log = FileTransactionLog.open(dir);
          FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
        assertThat(log.openWarnings()).isEmpty();
        assertThat(reader.openWarnings()).isEmpty();
        assertThatThrownBy(() -> log.openWarnings().add(new LogOpenWarning(LogOpenWarning.Kind.GAP_ACCEPTED, "s", 0, "m")))
            .isInstanceOf(UnsupportedOperationException.class);
      }
    }

    @Test
    @DisplayName("a writer's open lists the torn tail it truncated, naming segment and offset; the next open has none")
    void writerListsTheTruncation() throws IOException {
      List<Long> frames = writeThreeTransactions();
      long end = frames.get(frames.size() - 1);
      appendBytes(new byte[] {0, 0, 0, 90, 1, 2, 3});
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.openWarnings()).singleElement().satisfies(w -> {
          assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_DROPPED);
          assertThat(w.segment()).isEqualTo(logFile().getFileName().toString());
          assertThat(w.offset()).isEqualTo(end);
          assertThat(w.message()).contains(logFile().toString()).contains("offset " + end).contains("7 bytes");
        });
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.openWarnings()).isEmpty();
      }
    }

    @Test
    @DisplayName("a read-only open reports a torn tail it leaves in place, so a copy whose 'object missing' was torn "
        + "off is not shown VERIFIED silently")
    void readOnlyReportsATornTail() throws IOException {
      long tornAt = verifiedThenTornObjectMissing().getValue();
      byte[] before = Files.readAllBytes(logFile());
      AtomicInteger pauses = new AtomicInteger();
      withTailPause(d -> pauses.incrementAndGet(), () -> {
        try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
          // What is readable says VERIFIED; the warning says a later record was not read.
          assertThat(reader.read("t1").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
          assertThat(reader.openWarnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_IGNORED);
            assertThat(w.segment()).isEqualTo(logFile().getFileName().toString());
            assertThat(w.offset()).isEqualTo(tornAt);
            assertThat(w.message()).contains("offset " + tornAt).contains("not an append in progress")
                .contains("No writer holds the log");
          });
        }
      });
      assertThat(pauses).as("read again once, found unchanged").hasValue(1);
      assertThat(Files.readAllBytes(logFile())).as("read-only changes nothing").isEqualTo(before);
    }

    @Test
    @DisplayName("a read-only open beside a live writer whose last write failed part way says a writer holds the log")
    void tornTailBesideALiveWriter() throws IOException {
      try (FileTransactionLog writer = FileTransactionLog.open(dir)) {
        writer.append(LogEntries.started("t1", "a/one.csv", at(0)));
        long tornAt = Files.size(logFile());
        writer.store.injectedWriteFailure = new IOException("injected: No space left on device");
        assertThatThrownBy(() -> writer.append(objectMissing("t1"))).isInstanceOf(TransactionLogUnavailableException.class);
        withTailPause(d -> { }, () -> {
          try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
            assertThat(reader.openWarnings()).singleElement().satisfies(w -> {
              assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.TORN_TAIL_IGNORED);
              assertThat(w.offset()).isEqualTo(tornAt);
              assertThat(w.message()).contains("A writer in this process holds the log");
            });
          }
        });
      }
    }

    @Test
    @DisplayName("a read-only open tells a writer in another process by the lock on .lock (Linux's /proc/locks)")
    void tornTailBesideAWriterElsewhere() throws IOException {
      org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/locks")), "needs /proc/locks");
      verifiedThenTornObjectMissing();
      // Locked as another process's writer would, without this JVM's own bookkeeping of open logs.
      try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.WRITE);
          java.nio.channels.FileLock held = lockFile.lock()) {
        withTailPause(d -> { }, () -> {
          try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
            assertThat(reader.openWarnings()).singleElement().satisfies(w -> assertThat(w.message())
                .contains("A writer holds the log").contains(dir.resolve(".lock").toString()));
          }
        });
      }
    }

    @Test
    @DisplayName("a tail a writer completes while the read-only open reads it is read whole, with no warning")
    void appendCompletedWhileReading() throws IOException {
      Map.Entry<byte[], Long> torn = verifiedThenTornObjectMissing();
      byte[] frame = torn.getKey();
      withTailPause(d -> {
        try {
          appendBytes(Arrays.copyOfRange(frame, frame.length - 4, frame.length)); // the append finishes
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, () -> {
        try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
          assertThat(reader.openWarnings()).isEmpty();
          TransactionRecord t1 = reader.read("t1").orElseThrow();
          assertThat(t1.state()).isNotEqualTo(TransactionState.VERIFIED);
          assertThat(t1.copy("primary").orElseThrow().error()).isEqualTo("object missing");
        }
      });
    }

    @Test
    @DisplayName("a tail that keeps growing without completing is reported as an append in progress")
    void appendInProgress() throws IOException {
      long tornAt = verifiedThenTornObjectMissing().getValue();
      AtomicInteger pauses = new AtomicInteger();
      withTailPause(d -> {
        pauses.incrementAndGet();
        try {
          appendBytes(new byte[] {0}); // grows, but never into the record it claims to be
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }, () -> {
        try (FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
          assertThat(reader.read("t1").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
          assertThat(reader.openWarnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.APPEND_IN_PROGRESS);
            assertThat(w.offset()).isEqualTo(tornAt);
            assertThat(w.message()).contains("a writer is appending");
          });
        }
      });
      assertThat(pauses).hasValue(io.dualpush.log.SegmentedTransactionLog.TAIL_REREADS);
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

      assertThat(thrown).isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining(logFile().toString())
          .hasMessageContaining("offset " + frameStart)
          .hasMessageContaining("quarantineDamagedSegments(true)");
      TransactionLogCorruptedException corrupted = (TransactionLogCorruptedException) thrown;
      assertThat(corrupted.log()).isEqualTo(dir.toString());
      assertThat(corrupted.segment()).isEqualTo(logFile().getFileName().toString());
      assertThat(corrupted.offset()).isEqualTo(frameStart);
      assertThat(corrupted.reason()).isNotBlank().doesNotContain("quarantine");
      assertThat(Files.readAllBytes(logFile())).as("the damaged log is left as it was").isEqualTo(before);
      assertThatThrownBy(() -> FileTransactionLog.openReadOnly(dir))
          .isInstanceOf(TransactionLogCorruptedException.class).hasMessageContaining("offset " + frameStart);
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

  // ------------------------------------------------------------------ the segmented log

  /** A log with 4 KiB segments, so a few dozen entries span several; segments unfinished transactions need stay. */
  private FileTransactionLog openSmall() {
    return FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(0).compactAfterSegments(Integer.MAX_VALUE).open();
  }

  /** As {@link #openSmall()}, but copying unfinished transactions forward at every compaction. */
  private FileTransactionLog openCopying() {
    return FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(0).compactAfterSegments(0).open();
  }

  private List<Path> segmentFiles() throws IOException {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
    }
  }

  /** Appends {@code n} started transactions t0..t(n-1), each with one copy verified (so all stay open). */
  private static void appendOpen(FileTransactionLog log, String prefix, int n) {
    for (int i = 0; i < n; i++) {
      log.append(LogEntries.started(prefix + i, "k/" + prefix + i, at(i)));
      log.append(LogEntries.copy(prefix + i, "primary", CopyStatus.VERIFIED, at(i)));
    }
  }

  /** What a deep verify records for a secondary copy it found corrupted. */
  private static LogEntry mismatch(String txn) {
    return new LogEntry.CopyUpdated(txn, at(5), "secondary", CopyStatus.FAILED, "AAAAAAAAAAAAAAAAAAAAAA==",
        "digest mismatch", true);
  }

  /** Appends {@code n} transactions that finish VERIFIED. */
  private static void appendVerified(FileTransactionLog log, String prefix, int n) {
    for (int i = 0; i < n; i++) {
      log.append(LogEntries.started(prefix + i, "v/" + prefix + i, at(i)));
      LogEntries.verifiedBoth(prefix + i, at(i)).forEach(log::append);
    }
  }

  @Nested
  @DisplayName("segments")
  class Segments {

    @Test
    @DisplayName("roll over at the configured size, named by their first record's sequence number")
    void rollover() throws IOException {
      try (FileTransactionLog log = openSmall()) {
        appendOpen(log, "t", 100);
        assertThat(log.segments()).hasSizeGreaterThan(3).isEqualTo(segmentFiles());
      }
      List<Path> files = segmentFiles();
      assertThat(files.get(0).getFileName().toString()).isEqualTo("segment-00000000000000000000.wal");
      for (Path f : files) {
        assertThat(f.getFileName().toString()).matches("segment-\\d{20}\\.wal");
        assertThat(Files.size(f)).isLessThanOrEqualTo(4096);
      }
      // Names count records: the second segment starts where the first one's records end.
      long second = Long.parseLong(files.get(1).getFileName().toString().substring(8, 28));
      assertThat(second).isGreaterThan(10).isLessThan(200);
    }

    @Test
    @DisplayName("are replayed in order on open, across segments")
    void replayAcrossSegments() {
      try (FileTransactionLog log = openSmall()) {
        appendOpen(log, "t", 100);
        // Finish every third one in later segments: the fold must see start and finish in order.
        for (int i = 0; i < 100; i += 3) {
          log.append(LogEntries.copy("t" + i, "secondary", CopyStatus.VERIFIED, at(200)));
        }
      }
      try (FileTransactionLog log = openSmall()) {
        for (int i = 0; i < 100; i++) {
          assertThat(log.read("t" + i).orElseThrow().state())
              .isEqualTo(i % 3 == 0 ? TransactionState.VERIFIED : TransactionState.IN_PROGRESS);
        }
        assertThat(log.open()).extracting(TransactionRecord::transactionId).startsWith("t1", "t2", "t4");
        log.append(LogEntries.started("after", "k/after", at(300)));
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("after")).isPresent();
      }
    }

    @Test
    @DisplayName("a segment over 1 MiB (replayed on two threads) recovers the same: torn tail cut, damage refused")
    void largeSegment() throws IOException {
      try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(FileTransactionLog.Durability.OS_BUFFERED).open()) {
        appendOpen(log, "t", 8000);
      }
      long size = Files.size(logFile());
      assertThat(size).isGreaterThan(1024 * 1024);
      appendBytes(new byte[] {0, 0, 1, 0, 9, 9});
      Captured<FileTransactionLog> opened = capturingStderr(() -> FileTransactionLog.open(dir));
      try (FileTransactionLog log = opened.value()) {
        assertThat(opened.stderr()).contains("torn tail").contains("offset " + size);
        assertThat(log.open()).hasSize(8000);
        assertThat(log.read("t7999").orElseThrow().copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
      }
      long middle = size / 2;
      byte[] bytes = Files.readAllBytes(logFile());
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
      long frame = 0;
      while (frame + 8 + b.getInt((int) frame) < middle) {
        frame += 8 + b.getInt((int) frame);
      }
      flipByte(frame + 10);
      assertThatThrownBy(() -> FileTransactionLog.open(dir)).isInstanceOf(DualPushException.class)
          .hasMessageContaining(logFile().toString()).hasMessageContaining("offset " + frame);
    }

    @Test
    @DisplayName("a single-file log of the previous release is adopted as the first segment")
    void legacyFile() throws IOException {
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        appendOpen(log, "t", 3);
      }
      Files.move(logFile(), dir.resolve("transactions.log"));
      try (FileTransactionLog log = FileTransactionLog.openReadOnly(dir)) {
        assertThat(log.open()).hasSize(3);
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.open()).hasSize(3);
      }
      assertThat(logFile()).exists();
      assertThat(dir.resolve("transactions.log")).doesNotExist();
    }
  }

  @Nested
  @DisplayName("durability modes and group commit")
  class Durability {

    @Test
    @DisplayName("64 threads appending concurrently share fsyncs, and every record is there after reopen")
    void groupCommitUnderContention() throws Exception {
      int threads = 64;
      int perThread = 40;
      long syncs;
      try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(64 * 1024).open()) {
        assertThat(log.durability()).isEqualTo(FileTransactionLog.Durability.GROUP_COMMIT);
        List<Thread> workers = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
          int thread = t;
          Thread w = new Thread(() -> {
            try {
              start.await();
              for (int i = 0; i < perThread; i++) {
                String id = "c" + thread + "-" + i;
                log.append(LogEntries.started(id, "k/" + id, at(i)));
                // Returned, so durable and folded: readable at once.
                assertThat(log.read(id)).isPresent();
              }
            } catch (Throwable e) {
              errors.add(e);
            }
          });
          w.start();
          workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
          w.join();
        }
        assertThat(errors).isEmpty();
        syncs = log.syncCount();
      }
      assertThat(syncs).isPositive().isLessThan((long) threads * perThread);
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.open()).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
          for (int i = 0; i < perThread; i++) {
            assertThat(log.read("c" + t + "-" + i)).as("c%d-%d", t, i).isPresent();
          }
        }
      }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(FileTransactionLog.Durability.class)
    @DisplayName("each mode keeps every record across close and reopen")
    void eachMode(FileTransactionLog.Durability mode) {
      try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(mode).segmentSize(4096)
          .groupCommitWindow(java.time.Duration.ofNanos(50_000)).maxBatchRecords(8).open()) {
        appendOpen(log, "t", 50);
        switch (mode) {
          case FSYNC_PER_RECORD -> assertThat(log.syncCount()).isEqualTo(100);
          case GROUP_COMMIT -> assertThat(log.syncCount()).isBetween(1L, 100L);
          case OS_BUFFERED -> assertThat(log.syncCount()).isZero();
        }
      }
      try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(mode).open()) {
        assertThat(log.open()).hasSize(50);
      }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = FileTransactionLog.Durability.class, names = {"GROUP_COMMIT", "FSYNC_PER_RECORD"})
    @DisplayName("a failed fsync fails the appends it covered, and the log refuses further appends until reopened")
    void fsyncFailure(FileTransactionLog.Durability mode) {
      try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(mode).open()) {
        log.append(LogEntries.started("before", "k/before", at(0)));
        log.store.injectedSyncFailure = new IOException("injected: EIO");
        IOException injected = log.store.injectedSyncFailure;
        // An environment failure, told apart from bad input by its type, with the IOException as its cause.
        assertThatThrownBy(() -> log.append(LogEntries.started("lost", "k/lost", at(1))))
            .isInstanceOf(TransactionLogUnavailableException.class).hasMessageContaining("EIO").hasCause(injected);
        assertThat(log.read("lost")).isEmpty();
        assertThatThrownBy(() -> log.append(LogEntries.started("refused", "k/refused", at(2))))
            .isInstanceOf(TransactionLogUnavailableException.class).hasMessageContaining("refuses appends")
            .hasMessageContaining("EIO").hasCause(injected);
      }
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("before")).isPresent();
        assertThat(log.read("refused")).isEmpty();
        log.append(LogEntries.started("again", "k/again", at(3)));
      }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = FileTransactionLog.Durability.class)
    @DisplayName("after a write that failed part way (disk full), close writes nothing more and the next open "
        + "drops only the torn record")
    void nothingWrittenAfterAFailedWrite(FileTransactionLog.Durability mode) throws IOException {
      long sizeAfterFailure;
      try (FileTransactionLog log = FileTransactionLog.builder(dir).durability(mode).open()) {
        log.append(LogEntries.started("before", "k/before", at(0)));
        long before = Files.size(logFile());
        log.store.injectedWriteFailure = new IOException("injected: No space left on device");
        assertThatThrownBy(() -> log.append(LogEntries.started("lost", "k/lost", at(1))))
            .isInstanceOf(TransactionLogUnavailableException.class).hasMessageContaining("No space left");
        sizeAfterFailure = Files.size(logFile());
        assertThat(sizeAfterFailure).as("part of the record was written").isGreaterThan(before);
      }
      assertThat(Files.size(logFile())).as("close wrote nothing after the failed write").isEqualTo(sizeAfterFailure);
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.read("before")).isPresent();
        assertThat(log.read("lost")).isEmpty();
        log.append(LogEntries.started("again", "k/again", at(3)));
      }
    }

    @Test
    @DisplayName("builder settings are validated, naming the setting")
    void builderValidation() {
      assertRefused(() -> FileTransactionLog.builder(dir).segmentSize(10), "segmentSize");
      assertRefused(() -> FileTransactionLog.builder(dir).maxBatchRecords(0), "maxBatchRecords");
      assertRefused(() -> FileTransactionLog.builder(dir).groupCommitWindow(java.time.Duration.ofSeconds(-1)), "groupCommitWindow");
      assertRefused(() -> FileTransactionLog.builder(dir).terminalRetention(-1), "terminalRetention");
      assertRefused(() -> FileTransactionLog.builder(dir).durability(null), "durability");
      assertRefused(() -> FileTransactionLog.builder(dir).retainSegments(-1), "retainSegments");
      assertRefused(() -> FileTransactionLog.builder(dir).compactAfterSegments(-1), "compactAfterSegments");
    }
  }

  @Nested
  @DisplayName("recovery across segments")
  class SegmentRecovery {

    private List<Path> threeOrMoreSegments() throws IOException {
      try (FileTransactionLog log = openSmall()) {
        appendOpen(log, "t", 80);
      }
      List<Path> files = segmentFiles();
      assertThat(files).hasSizeGreaterThanOrEqualTo(3);
      return files;
    }

    @Test
    @DisplayName("a torn tail of the last segment is truncated with a warning naming that segment and offset")
    void tornTailOfLastSegment() throws IOException {
      List<Path> files = threeOrMoreSegments();
      Path last = files.get(files.size() - 1);
      long size = Files.size(last);
      Files.write(last, new byte[] {0, 0, 0, 90, 1, 2, 3}, StandardOpenOption.APPEND);
      Captured<FileTransactionLog> opened = capturingStderr(() -> openSmall());
      try (FileTransactionLog log = opened.value()) {
        assertThat(opened.stderr()).contains("torn tail").contains(last.toString()).contains("offset " + size);
        assertThat(Files.size(last)).isEqualTo(size);
        assertThat(log.open()).hasSize(80);
      }
    }

    @Test
    @DisplayName("a damaged record in the middle of a segment stops the open, naming segment and offset")
    void corruptionMidSegment() throws IOException {
      List<Path> files = threeOrMoreSegments();
      Path middle = files.get(1);
      byte[] bytes = Files.readAllBytes(middle);
      int second = 8 + ByteBufferInt.of(bytes, 0);
      bytes[second + 12] ^= 0x55;
      Files.write(middle, bytes);
      assertThatThrownBy(() -> openSmall()).isInstanceOf(DualPushException.class)
          .hasMessageContaining(middle.toString()).hasMessageContaining("offset " + second);
      assertThat(Files.readAllBytes(middle)).isEqualTo(bytes);
    }

    @Test
    @DisplayName("a damaged record in the last segment with valid records after it stops the open")
    void corruptionInLastSegment() throws IOException {
      List<Path> files = threeOrMoreSegments();
      Path last = files.get(files.size() - 1);
      byte[] bytes = Files.readAllBytes(last);
      bytes[4] ^= 0x55;
      Files.write(last, bytes);
      assertThatThrownBy(() -> openSmall()).isInstanceOf(DualPushException.class)
          .hasMessageContaining(last.toString()).hasMessageContaining("offset 0");
    }

    @Test
    @DisplayName("a non-last segment cut short (it cannot be a torn write) stops the open")
    void damagedNonLastSegment() throws IOException {
      List<Path> files = threeOrMoreSegments();
      Path first = files.get(0);
      long size = Files.size(first);
      try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
        ch.truncate(size - 3);
      }
      Throwable thrown = catchThrowable(() -> openSmall());
      assertThat(thrown).isInstanceOf(DualPushException.class).hasMessageContaining(first.toString())
          .hasMessageContaining("not the last");
      assertThat(Files.size(first)).isEqualTo(size - 3);
      assertThatThrownBy(() -> FileTransactionLog.openReadOnly(dir)).isInstanceOf(DualPushException.class)
          .hasMessageContaining(first.toString());
    }

    @Test
    @DisplayName("with quarantineDamagedSegments, a damaged segment is moved aside with an error and the rest opens")
    void quarantine() throws IOException {
      List<Path> files = threeOrMoreSegments();
      Path first = files.get(0);
      byte[] bytes = Files.readAllBytes(first);
      bytes[20] ^= 0x55;
      Files.write(first, bytes);
      Captured<FileTransactionLog> opened = capturingStderr(() ->
          FileTransactionLog.builder(dir).segmentSize(4096).quarantineDamagedSegments(true).open());
      try (FileTransactionLog log = opened.value()) {
        assertThat(opened.stderr()).contains("ERROR").contains(first.toString()).contains("quarantine");
        assertThat(dir.resolve("quarantine").resolve(first.getFileName())).exists().hasBinaryContent(bytes);
        assertThat(first).doesNotExist();
        assertThat(log.read("t79")).isPresent(); // from the last segment
        assertThat(log.read("t0")).isEmpty(); // only in the quarantined one
        assertThat(log.openWarnings()).singleElement().satisfies(w -> {
          assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.SEGMENT_QUARANTINED);
          assertThat(w.segment()).isEqualTo(first.getFileName().toString());
          assertThat(w.offset()).isZero(); // the first frame holds the flipped byte
          assertThat(w.message()).contains("quarantine");
        });
        log.append(LogEntries.started("after", "k/after", at(500)));
      }
      try (FileTransactionLog log = openSmall()) {
        assertThat(log.read("after")).isPresent();
        assertThat(log.openWarnings()).isEmpty();
      }
    }
  }

  @Nested
  @DisplayName("a segment missing between two others stops the open, naming the gap and its neighbours")
  class MissingSegments {

    /** The base sequence number in a segment's name. */
    private long base(Path segment) {
      return Long.parseLong(segment.getFileName().toString().substring(8, 28));
    }

    /**
     * Writes key k/x as transaction "old" in the first segment and again, as "new", in a middle
     * segment (not the first, not the last) whose file it returns; 6 or more segments in all.
     */
    private Path keyRewrittenInAMiddleSegment() throws IOException {
      Path holder;
      try (FileTransactionLog log = openSmall()) {
        log.append(LogEntries.started("old", "k/x", at(0)));
        appendOpen(log, "a", 40);
        log.append(LogEntries.started("new", "k/x", at(100)));
        List<Path> now = log.segments();
        holder = now.get(now.size() - 1);
        appendOpen(log, "b", 60);
        assertThat(log.latest("k/x").orElseThrow().transactionId()).isEqualTo("new");
      }
      List<Path> files = segmentFiles();
      assertThat(files).hasSizeGreaterThanOrEqualTo(6);
      assertThat(files.indexOf(holder)).isBetween(1, files.size() - 2);
      return holder;
    }

    private void assertGap(Throwable thrown, Path before, Path after, long first, long last) {
      assertThat(thrown).isInstanceOf(TransactionLogGapException.class)
          .hasMessageContaining(before.getFileName() + " is followed by " + after.getFileName())
          .hasMessageContaining("records " + first + ".." + last + " are missing")
          .hasMessageContaining("older version")
          .hasMessageContaining("quarantineDamagedSegments(true)");
      TransactionLogGapException gap = (TransactionLogGapException) thrown;
      assertThat(gap.log()).isEqualTo(dir.toString());
      assertThat(gap.previousSegment()).isEqualTo(before.getFileName().toString());
      assertThat(gap.segment()).isEqualTo(after.getFileName().toString());
      assertThat(gap.offset()).isZero();
      assertThat(gap.firstMissing()).isEqualTo(first);
      assertThat(gap.lastMissing()).isEqualTo(last);
      assertThat(gap.reason()).isEqualTo("records " + first + ".." + last + " are missing");
    }

    @Test
    @DisplayName("a deleted middle segment: the writer's and the read-only open both refuse, so the key is never "
        + "reported at its older version, and nothing is changed")
    void deletedMiddleSegment() throws IOException {
      Path holder = keyRewrittenInAMiddleSegment();
      List<Path> files = segmentFiles();
      int at = files.indexOf(holder);
      Path before = files.get(at - 1);
      Path after = files.get(at + 1);
      Files.delete(holder);
      List<Path> left = segmentFiles();

      assertGap(catchThrowable(() -> openSmall()), before, after, base(holder), base(after) - 1);
      assertGap(catchThrowable(() -> FileTransactionLog.openReadOnly(dir)), before, after, base(holder), base(after) - 1);
      assertThat(segmentFiles()).isEqualTo(left);
      assertThat(dir.resolve("quarantine")).doesNotExist();
      // The refused open released the directory: restoring nothing, the next open refuses again.
      assertThatThrownBy(() -> FileTransactionLog.open(dir)).isInstanceOf(TransactionLogGapException.class);
    }

    @Test
    @DisplayName("quarantineDamagedSegments accepts the gap loudly and durably; later opens list it, and a new gap is "
        + "refused again")
    void acceptedGap() throws IOException {
      Path holder = keyRewrittenInAMiddleSegment();
      List<Path> files = segmentFiles();
      Path after = files.get(files.indexOf(holder) + 1);
      Files.delete(holder);
      String range = "records " + base(holder) + ".." + (base(after) - 1) + " are missing";

      Captured<FileTransactionLog> opened = capturingStderr(() ->
          FileTransactionLog.builder(dir).segmentSize(4096).quarantineDamagedSegments(true).open());
      try (FileTransactionLog log = opened.value()) {
        assertThat(opened.stderr()).contains("ERROR").contains(range);
        assertThat(log.openWarnings()).singleElement().satisfies(w -> {
          assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.GAP_ACCEPTED);
          assertThat(w.segment()).isEqualTo(after.getFileName().toString());
          assertThat(w.message()).contains(range);
        });
        // The loss the user accepted: the key is back at its older version, and the warning says why.
        assertThat(log.latest("k/x").orElseThrow().transactionId()).isEqualTo("old");
      }
      try (FileTransactionLog log = openSmall(); FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
        assertThat(log.openWarnings()).extracting(LogOpenWarning::kind).containsExactly(LogOpenWarning.Kind.GAP_ACCEPTED);
        assertThat(reader.openWarnings()).singleElement().satisfies(w -> assertThat(w.message()).contains(range));
      }
      // Another segment lost later is a new gap, which the accepted one does not cover.
      List<Path> now = segmentFiles();
      int at = now.size() - 2;
      assertThat(at).isGreaterThan(now.indexOf(after));
      Files.delete(now.get(at));
      assertGap(catchThrowable(() -> openSmall()), now.get(at - 1), now.get(at + 1), base(now.get(at)),
          base(now.get(at + 1)) - 1);
    }

    @Test
    @DisplayName("a damaged middle segment quarantined once leaves a gap that later opens accept, listing it")
    void quarantinedMiddleSegment() throws IOException {
      Path holder = keyRewrittenInAMiddleSegment();
      byte[] bytes = Files.readAllBytes(holder);
      bytes[20] ^= 0x55;
      Files.write(holder, bytes);
      assertThatThrownBy(() -> openSmall()).isInstanceOf(TransactionLogCorruptedException.class)
          .isNotInstanceOf(TransactionLogGapException.class);

      try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(4096).quarantineDamagedSegments(true).open()) {
        assertThat(log.openWarnings()).extracting(LogOpenWarning::kind)
            .containsExactly(LogOpenWarning.Kind.SEGMENT_QUARANTINED, LogOpenWarning.Kind.GAP_ACCEPTED);
      }
      assertThat(dir.resolve("quarantine").resolve(holder.getFileName())).exists();
      for (int i = 0; i < 2; i++) { // the writer's open, and the read-only one
        try (FileTransactionLog log = i == 0 ? openSmall() : FileTransactionLog.openReadOnly(dir)) {
          assertThat(log.openWarnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo(LogOpenWarning.Kind.GAP_ACCEPTED);
            assertThat(w.message()).contains("records " + base(holder) + "..");
          });
        }
      }
    }

    @Test
    @DisplayName("segments that overlap (one restored from elsewhere) stop the open, naming both")
    void overlappingSegments() throws IOException {
      keyRewrittenInAMiddleSegment();
      List<Path> files = segmentFiles();
      Path moved = files.get(2);
      Path renamed = moved.resolveSibling(String.format("segment-%020d.wal", base(moved) - 1));
      Files.move(moved, renamed);
      Throwable thrown = catchThrowable(() -> openSmall());
      assertThat(thrown).isInstanceOf(TransactionLogCorruptedException.class)
          .hasMessageContaining(renamed.getFileName().toString()).hasMessageContaining(files.get(1).getFileName().toString())
          .hasMessageContaining("overlap");
      assertThat(((TransactionLogCorruptedException) thrown).segment()).isEqualTo(renamed.getFileName().toString());
      assertThatThrownBy(() -> FileTransactionLog.openReadOnly(dir)).isInstanceOf(TransactionLogCorruptedException.class);
    }

    @Test
    @DisplayName("compaction, copying forward or not, only ever leaves a suffix: reopening finds no gap")
    void compactionLeavesNoGap() throws IOException {
      for (boolean copying : new boolean[] {false, true}) {
        try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(1)
            .compactAfterSegments(copying ? 0 : 2).open()) {
          appendOpen(log, "open-" + copying + "-", 5);
          for (int round = 0; round < 8; round++) {
            appendVerified(log, "v-" + copying + "-" + round + "-", 20);
            log.checkpoint();
          }
        }
        List<Path> files = segmentFiles();
        assertThat(base(files.get(0))).as("older segments were compacted away").isPositive();
        try (FileTransactionLog log = FileTransactionLog.open(dir); FileTransactionLog reader = FileTransactionLog.openReadOnly(dir)) {
          assertThat(log.openWarnings()).isEmpty();
          assertThat(reader.openWarnings()).isEmpty();
          assertThat(log.open()).hasSize(copying ? 10 : 5);
        }
      }
    }
  }

  @Nested
  @DisplayName("checkpoint and compaction")
  class Compaction {

    @Test
    @DisplayName("copies open and dead-lettered transactions forward and deletes every older segment")
    void copiesForwardOpenAndDeadLettered() throws IOException {
      try (FileTransactionLog log = openCopying()) {
        log.append(LogEntries.started("open", "k/open", at(0)));
        log.append(LogEntries.copy("open", "primary", CopyStatus.VERIFIED, at(1)));
        appendVerified(log, "a", 40);
        Path openSegment = log.segments().get(0);
        log.append(LogEntries.started("dead", "k/dead", at(1)));
        log.append(new LogEntry.RepairAttempted("dead", at(2), 3));
        log.append(new LogEntry.DeadLettered("dead", at(2), "gave up"));
        appendVerified(log, "b", 40);
        log.checkpoint();
        assertThat(log.segments()).hasSize(1).doesNotContain(openSegment);
        assertThat(segmentFiles()).isEqualTo(log.segments());
        assertThat(log.read("open").orElseThrow().state()).isEqualTo(TransactionState.IN_PROGRESS);
      }
      try (FileTransactionLog log = openCopying()) {
        TransactionRecord open = log.read("open").orElseThrow();
        assertThat(open.state()).isEqualTo(TransactionState.IN_PROGRESS);
        assertThat(open.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
        TransactionRecord dead = log.read("dead").orElseThrow();
        assertThat(dead.state()).isEqualTo(TransactionState.DEAD_LETTERED);
        assertThat(dead.repairRounds()).isEqualTo(3);
        assertThat(dead.deadLetterReason()).hasValue("gave up");
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");

        // Retried and verified, it is dropped like any finished transaction at the next compaction.
        log.append(new LogEntry.Retried("dead", at(3)));
        LogEntries.verifiedBoth("dead", at(4)).forEach(log::append);
        appendVerified(log, "c", 40);
        log.checkpoint();
      }
      try (FileTransactionLog log = openCopying()) {
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");
        assertThat(log.read("dead")).isEmpty();
      }
    }

    @Test
    @DisplayName("a crash between copying forward and deleting replays to the same state")
    void crashBeforeDeletion() throws IOException {
      List<Path> before;
      try (FileTransactionLog log = openSmall()) {
        log.append(LogEntries.started("open", "k/open", at(0)));
        log.append(LogEntries.copy("open", "secondary", CopyStatus.FAILED, at(1)));
        appendVerified(log, "a", 60);
        before = segmentFiles();
        assertThat(before.size()).isGreaterThan(1);
      }
      // Simulate: the copies were written into the newest segment, then the process died before
      // any deletion. Copy the old segments aside, compact, and put them back.
      Path aside = Files.createDirectories(dir.getParent().resolve(dir.getFileName() + "-aside"));
      for (Path p : before) {
        Files.copy(p, aside.resolve(p.getFileName()));
      }
      try (FileTransactionLog log = openCopying()) {
        log.checkpoint();
      }
      for (Path p : before.subList(0, before.size() - 1)) {
        Files.copy(aside.resolve(p.getFileName()), p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      assertThat(segmentFiles()).isEqualTo(before);
      try (FileTransactionLog log = openSmall()) {
        TransactionRecord open = log.read("open").orElseThrow();
        assertThat(open.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("open");
        assertThat(log.read("a59").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      }
    }

    @Test
    @DisplayName("late records of a compacted transaction are ignored on replay when it is superseded or no longer held, "
        + "and kept, with its state restated, when it is still held")
    void laterRecordsOfCompactedTransactions() throws IOException {
      try (FileTransactionLog log = openSmall()) {
        log.append(LogEntries.started("old", "k/same", at(0)));
        log.append(LogEntries.started("new", "k/same", at(1))); // supersedes "old"
        LogEntries.verifiedBoth("new", at(2)).forEach(log::append);
        appendVerified(log, "a", 30);
        log.checkpoint();
        assertThat(log.segments()).doesNotContain(segmentPathOf(0));
        // Late records of all three, in a segment an open transaction keeps.
        log.append(LogEntries.copy("old", "primary", CopyStatus.FAILED, at(3)));
        log.append(LogEntries.copy("new", "primary", CopyStatus.FAILED, at(3)));
        log.append(LogEntries.copy("unknown", "primary", CopyStatus.FAILED, at(3)));
        log.append(LogEntries.started("open", "k/open", at(4)));
        appendVerified(log, "b", 30);
        log.checkpoint();
      }
      try (FileTransactionLog log = openSmall()) {
        assertThat(log.read("old")).isEmpty();
        assertThat(log.read("unknown")).isEmpty();
        TransactionRecord late = log.read("new").orElseThrow();
        assertThat(late.copy("primary").orElseThrow().status()).isEqualTo(CopyStatus.FAILED);
        assertThat(late.copy("secondary").orElseThrow().status()).isEqualTo(CopyStatus.VERIFIED);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("new", "open");
        assertThat(log.latest("k/same").orElseThrow().transactionId()).isEqualTo("new");
      }
    }

    @Test
    @DisplayName("a mismatch found after compaction dropped a verified transaction survives a crash and a reopen, "
        + "the transaction open with everything else as it was")
    void mismatchAfterCompactionSurvives() {
      TransactionRecord expected;
      FileTransactionLog log = openSmall();
      try {
        log.append(LogEntries.started("gold", "k/gold", at(0)));
        LogEntries.verifiedBoth("gold", at(1)).forEach(log::append);
        log.append(new LogEntry.RepairAttempted("gold", at(2), 2));
        appendVerified(log, "a", 30);
        log.checkpoint();
        assertThat(log.segments()).doesNotContain(segmentPathOf(0));
        assertThat(log.read("gold").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);

        log.append(mismatch("gold"));
        expected = log.read("gold").orElseThrow();
        assertThat(expected.state()).isEqualTo(TransactionState.INCONSISTENT);
        log.simulateCrashForTesting();

        log = openSmall();
        assertThat(log.read("gold")).hasValue(expected);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("gold");
        appendVerified(log, "b", 30);
        log.checkpoint();
        log.close();

        log = openSmall();
        assertThat(log.read("gold")).hasValue(expected);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("gold");
      } finally {
        log.close();
      }
    }

    @Test
    @DisplayName("a mismatch found after compaction dropped a transaction's start but kept its later records survives "
        + "a reopen")
    void mismatchAfterCompactionDroppedOnlyTheStart() {
      TransactionRecord expected;
      try (FileTransactionLog log = openSmall()) {
        log.append(LogEntries.started("gold", "k/gold", at(0)));
        for (int i = 0; log.segments().size() == 1; i++) {
          appendVerified(log, "a" + i + "-", 1);
        }
        // The next segment holds the verification and an open transaction, which keeps it.
        LogEntries.verifiedBoth("gold", at(1)).forEach(log::append);
        log.append(LogEntries.started("pin", "k/pin", at(1)));
        Path kept = log.segments().get(1);
        for (int i = 0; log.segments().get(log.segments().size() - 1).equals(kept); i++) {
          appendVerified(log, "b" + i + "-", 1);
        }
        log.checkpoint();
        assertThat(log.segments()).startsWith(kept).doesNotContain(segmentPathOf(0));

        log.append(mismatch("gold"));
        expected = log.read("gold").orElseThrow();
        assertThat(expected.state()).isEqualTo(TransactionState.INCONSISTENT);
      }
      try (FileTransactionLog log = openSmall()) {
        assertThat(log.read("gold")).hasValue(expected);
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("pin", "gold");
      }
    }

    @Test
    @DisplayName("a superseded transaction is never resurrected by dropping the segment that superseded it")
    void supersedeIsKeptWithTheSuperseded() {
      try (FileTransactionLog log = openSmall()) {
        log.append(LogEntries.started("pin", "k/pin", at(0))); // stays open: its segment stays
        log.append(LogEntries.started("old", "k/same", at(0)));
        appendVerified(log, "a", 30);
        log.append(LogEntries.started("new", "k/same", at(1))); // supersedes "old", a later segment
        LogEntries.verifiedBoth("new", at(2)).forEach(log::append);
        appendVerified(log, "b", 30);
        log.checkpoint();
      }
      try (FileTransactionLog log = openSmall()) {
        assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly("pin");
        log.read("old").ifPresent(r -> assertThat(r.state()).as("dropped, or kept as superseded, never open again")
            .isEqualTo(TransactionState.SUPERSEDED));
        assertThat(log.latest("k/same").orElseThrow().transactionId()).isEqualTo("new");
      }
    }

    private Path segmentPathOf(long base) {
      return dir.resolve(String.format("segment-%020d.wal", base));
    }

    @Test
    @DisplayName("disk use stays bounded over 200,000 records of push-like cycles")
    void boundedDiskUse() throws IOException {
      int maxSegments = 0;
      try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(64 * 1024)
          .durability(FileTransactionLog.Durability.OS_BUFFERED).open()) {
        for (int i = 0; i < 200_000 / 3; i++) {
          String id = "p" + i;
          log.append(LogEntries.started(id, "k/" + (i % 1000), at(i)));
          LogEntries.verifiedBoth(id, at(i)).forEach(log::append);
          if (i % 1000 == 0) {
            maxSegments = Math.max(maxSegments, segmentFiles().size());
          }
        }
        assertThat(log.segments().get(0).getFileName().toString()).isNotEqualTo("segment-00000000000000000000.wal");
      }
      // 2 retained + the active one, and the one the compaction thread may be deleting right then:
      // deletions run off the commit path, and a roll-over waits only for the previous one's.
      assertThat(maxSegments).isLessThanOrEqualTo(4);
      try (FileTransactionLog log = FileTransactionLog.open(dir)) {
        assertThat(log.open()).isEmpty();
        assertThat(log.read("p66665").orElseThrow().state()).isEqualTo(TransactionState.VERIFIED);
      }
    }

    @Test
    @DisplayName("segments stay bounded under concurrent overlapping pushes, with transactions open throughout and one "
        + "dead-lettered, and a crash or a reopen finds each in its state")
    void boundedUnderConcurrentLoad() throws Exception {
      Supplier<FileTransactionLog> opener = () -> FileTransactionLog.builder(dir).segmentSize(4096).retainSegments(2)
          .compactAfterSegments(2).open();
      FileTransactionLog log = opener.get();
      try {
        log.append(LogEntries.started("open1", "bounded/open1.csv", at(0)));
        log.append(LogEntries.copy("open1", "primary", CopyStatus.VERIFIED, at(1)));
        log.append(LogEntries.started("open2", "bounded/open2.csv", at(0)));
        log.append(LogEntries.copy("open2", "primary", CopyStatus.VERIFIED, at(1)));
        log.append(LogEntries.copy("open2", "secondary", CopyStatus.FAILED, at(2)));
        log.append(LogEntries.started("dead", "bounded/dead.csv", at(0)));
        log.append(LogEntries.copy("dead", "primary", CopyStatus.VERIFIED, at(1)));
        log.append(LogEntries.copy("dead", "secondary", CopyStatus.FAILED, at(2)));
        log.append(new LogEntry.RepairAttempted("dead", at(3), 3));
        log.append(new LogEntry.DeadLettered("dead", at(4), "gave up"));
        Map<String, TransactionRecord> unfinished = new LinkedHashMap<>();
        for (String id : List.of("open1", "open2", "dead")) {
          unfinished.put(id, log.read(id).orElseThrow());
        }
        Set<String> verified = ConcurrentHashMap.newKeySet();
        Set<String> superseded = ConcurrentHashMap.newKeySet();
        FileTransactionLog running = log;
        int max = maxSegmentsWhile(running, t -> () -> pushOverlapping(running, t, 300, verified, superseded));
        log.checkpoint();
        max = Math.max(max, log.segments().size());
        // 2 retained + 2 pinned before copying forward + the active one, and one of slack.
        assertThat(max).as("most segments at once").isLessThanOrEqualTo(2 + 2 + 2);
        assertThat(segmentFiles()).isEqualTo(log.segments());

        log.simulateCrashForTesting();
        log = opener.get();
        assertSurvivors(log, unfinished, verified, superseded);
        log.close();
        log = opener.get();
        assertSurvivors(log, unfinished, verified, superseded);
      } finally {
        log.close();
      }
    }
  }

  // ------------------------------------------------------------------ concurrent load

  /**
   * Runs {@code task(t)} on 8 threads at once and returns the most segments {@code log} had at any
   * of the samples taken while they ran.
   */
  private static int maxSegmentsWhile(FileTransactionLog log, IntFunction<Runnable> task) throws Exception {
    AtomicInteger max = new AtomicInteger(log.segments().size());
    AtomicBoolean running = new AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (running.get()) {
        max.accumulateAndGet(log.segments().size(), Math::max);
        Thread.onSpinWait();
      }
    }, "segment-sampler");
    sampler.start();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(pool.submit(task.apply(t)));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      running.set(false);
      pool.shutdownNow();
      sampler.join();
    }
    return max.get();
  }

  /**
   * One thread's pushes, three in flight at a time: step i starts transaction i and marks both its
   * copies in progress, verifies the primary of i-1 and the secondary of i-2. Every 25th step also
   * starts a push that a later one of the same key supersedes before it finishes.
   */
  private static void pushOverlapping(FileTransactionLog log, int t, int steps, Set<String> verified,
      Set<String> superseded) {
    String[] ids = new String[steps];
    for (int i = 0; i < steps + 2; i++) {
      if (i < steps) {
        String id = "c" + t + "-" + i;
        ids[i] = id;
        if (i % 25 == 0 && i + 3 < steps) {
          String gone = "s" + t + "-" + i;
          log.append(LogEntries.started(gone, "bounded/" + t + "/" + (i + 3) + ".csv", at(i)));
          log.append(LogEntries.copy(gone, "primary", CopyStatus.FAILED, at(i)));
          superseded.add(gone);
        }
        log.append(LogEntries.started(id, "bounded/" + t + "/" + i + ".csv", at(i)));
        log.append(LogEntries.copy(id, "primary", CopyStatus.IN_PROGRESS, at(i)));
        log.append(LogEntries.copy(id, "secondary", CopyStatus.IN_PROGRESS, at(i)));
      }
      if (i >= 1 && i - 1 < steps) {
        log.append(LogEntries.copy(ids[i - 1], "primary", CopyStatus.VERIFIED, at(i)));
      }
      if (i >= 2) {
        log.append(LogEntries.copy(ids[i - 2], "secondary", CopyStatus.VERIFIED, at(i)));
        verified.add(ids[i - 2]);
      }
    }
  }

  /**
   * The open transactions are exactly the first two of {@code unfinished}, each of which reads as it
   * did; every verified one reads VERIFIED or is gone, every superseded one SUPERSEDED or gone.
   */
  private static void assertSurvivors(FileTransactionLog log, Map<String, TransactionRecord> unfinished,
      Set<String> verified, Set<String> superseded) {
    List<String> ids = new ArrayList<>(unfinished.keySet());
    assertThat(log.open()).extracting(TransactionRecord::transactionId).containsExactly(ids.get(0), ids.get(1));
    unfinished.forEach((id, r) -> assertThat(log.read(id)).as("transaction %s", id).hasValue(r));
    for (String id : verified) {
      log.read(id).ifPresent(r -> assertThat(r.state()).as("transaction %s", id).isEqualTo(TransactionState.VERIFIED));
    }
    for (String id : superseded) {
      log.read(id).ifPresent(r -> assertThat(r.state()).as("transaction %s", id).isEqualTo(TransactionState.SUPERSEDED));
    }
  }

  /** Reads a big-endian int from a byte array. */
  private static final class ByteBufferInt {
    static int of(byte[] bytes, int at) {
      return java.nio.ByteBuffer.wrap(bytes).getInt(at);
    }
  }
}
