package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileSystemDestination fencing across processes")
class FileSystemFencingProcessesIT {
  @TempDir
  Path parent;

  @Test
  @DisplayName("two JVMs racing fenced writes to one key never leave a lower token's content after a higher one's")
  void twoProcessesNeverRegress() throws Exception {
    Path dir = Files.createDirectory(parent.resolve("dest"));
    String key = "gold/contended.csv";
    List<Process> writers = new ArrayList<>();
    for (int parity = 0; parity < 2; parity++) {
      writers.add(start(dir, key, parity, 300));
    }
    FileSystemDestination reader = new FileSystemDestination(dir);
    List<Long> seen = new ArrayList<>();
    Files.createFile(parent.resolve("go"));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (writers.stream().anyMatch(Process::isAlive) && System.nanoTime() < end) {
      read(reader, key).ifPresent(seen::add);
    }
    long highest = 0;
    for (Process p : writers) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("writer finished").isTrue();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.exitValue()).as("writer exit code, output: %s", out).isZero();
      assertThat(out).startsWith("ACCEPTED ");
      highest = Math.max(highest, Long.parseLong(out.split(" ")[1]));
    }
    assertThat(read(reader, key)).contains(highest);
    assertThat(reader.fencingToken(key)).hasValue(highest);
    assertThat(seen).as("the content's token, as a third process saw it, never goes back").isSorted();
  }

  private Process start(Path dir, String key, int parity, int count) throws IOException {
    String classpath = Stream.of(FencedWriter.class, FileSystemDestination.class, org.slf4j.LoggerFactory.class)
        .map(FileSystemFencingProcessesIT::location).distinct().collect(Collectors.joining(File.pathSeparator));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(List.of(java.toString(), "-cp", classpath, FencedWriter.class.getName(), dir.toString(),
        key, Integer.toString(parity), Integer.toString(count))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static Optional<Long> read(FileSystemDestination d, String key) {
    Optional<InputStream> in = d.get(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream s = in.get()) {
      return Optional.of(Long.parseLong(new String(s.readAllBytes(), StandardCharsets.UTF_8).substring(6)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
