package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes the v1 legacy file log that {@link LegacyFileLogTest} reads, with the {@code
 * FileTransactionLog} of the build it runs in. Skipped unless asked for; run once, by hand, with the
 * release whose format is being pinned (see {@code src/test/resources/legacy-log/README.md}):
 *
 * <pre>
 * mvn -B -o -q test -pl dualpush-core -Dtest=LegacyFileLogGeneratorTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Ddualpush.legacyLog.writeTo=$PWD/dualpush-core/src/test/resources/legacy-log/v1/file
 * </pre>
 *
 * Never run it into {@code v1/} again once later code has changed the format: the point of those
 * bytes is that they were written by the old code.
 */
@EnabledIfSystemProperty(named = LegacyFileLogGeneratorTest.WRITE_TO, matches = ".+")
@DisplayName("The v1 legacy file log generator (run by hand)")
class LegacyFileLogGeneratorTest {
  static final String WRITE_TO = "dualpush.legacyLog.writeTo";

  @TempDir
  Path dir;

  @Test
  @DisplayName("writes a log of several segments after a copy-forward and a restate, and copies its segments out")
  void write() throws IOException {
    Path out = Path.of(System.getProperty(WRITE_TO)).toAbsolutePath();
    Path first = dir.resolve("segment-00000000000000000000.wal");
    int fillers = 0;
    // Small segments, so that a few dozen records roll several times and the default compaction
    // (2 retained, copy forward beyond 2 pinned) copies the unfinished transactions forward.
    try (FileTransactionLog log = FileTransactionLog.builder(dir).segmentSize(4096).open()) {
      LegacyLogV1.writeEarly(log::append);
      while (Files.exists(first)) {
        LegacyLogV1.writeFiller(log::append, ++fillers);
        assertThat(fillers).as("fillers before the first segment is compacted away").isLessThan(1000);
      }
      LegacyLogV1.writeLate(log::append);
    }
    List<Path> segments = segmentFiles(dir);
    assertThat(segments).as("segments left").hasSizeGreaterThanOrEqualTo(3);

    Files.createDirectories(out);
    for (Path old : segmentFiles(out)) {
      Files.delete(old);
    }
    for (Path s : segments) {
      Files.copy(s, out.resolve(s.getFileName()));
    }
    int firstKept = fillers + 1;
    try (FileTransactionLog copy = FileTransactionLog.openReadOnly(out)) {
      for (int i = fillers; i >= 1 && copy.read(LegacyLogV1.fillerId(i)).isPresent(); i--) {
        firstKept = i;
      }
      LegacyLogV1.expected().forEach((id, e) -> assertThat(copy.read(id)).as(id).hasValue(e.record()));
    }
    System.out.printf("legacy file log: %d segments %s; fillers 1..%d written, %d..%d kept%n", segments.size(),
        segments.stream().map(p -> p.getFileName().toString()).toList(), fillers, firstKept, fillers);
  }

  private static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.getFileName().toString().matches("segment-\\d{20}\\.wal")).sorted().toList();
    }
  }
}
