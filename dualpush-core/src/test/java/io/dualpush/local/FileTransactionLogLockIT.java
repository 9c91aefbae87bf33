package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's directory lock, seen from another process (a second JVM running {@link LockProbe}). */
@DisplayName("FileTransactionLog lock across processes")
class FileTransactionLogLockIT {
  @TempDir
  Path dir;

  /** Runs {@link LockProbe} on {@code dir} in a fresh JVM and returns its first line of output. */
  private String probeFromAnotherProcess() throws IOException, InterruptedException {
    String classpath = Stream.of(LockProbe.class, FileTransactionLog.class, org.slf4j.LoggerFactory.class)
        .map(FileTransactionLogLockIT::location)
        .distinct()
        .collect(Collectors.joining(File.pathSeparator));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process = new ProcessBuilder(List.of(java.toString(), "-cp", classpath, LockProbe.class.getName(),
        dir.toString())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(process.exitValue()).as("probe exit code, output: %s", out).isZero();
      return out;
    } finally {
      process.destroyForcibly();
    }
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("another process cannot open a log this process holds, and can once it is closed")
  void heldLogIsRefusedElsewhere() throws Exception {
    try (FileTransactionLog held = FileTransactionLog.open(dir)) {
      assertThat(probeFromAnotherProcess()).startsWith("REFUSED").contains("already open");
    }
    assertThat(probeFromAnotherProcess()).isEqualTo("OPENED");
  }

  @Test
  @DisplayName("a refused second open in this process does not release the lock for other processes")
  void refusedSecondOpenKeepsTheLock() throws Exception {
    try (FileTransactionLog held = FileTransactionLog.open(dir)) {
      assertThatThrownBy(() -> FileTransactionLog.open(dir)).hasMessageContaining("already open");
      assertThat(probeFromAnotherProcess()).startsWith("REFUSED").contains("already open");
    }
  }
}
