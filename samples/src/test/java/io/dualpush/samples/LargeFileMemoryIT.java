package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualpush.spi.Md5;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * G7: memory stays bounded whatever the payload size. A child JVM limited to a 64 MiB heap pushes
 * a 512 MiB file to two directories through the samples' {@code push} command; both copies must
 * be byte-identical to the source.
 */
class LargeFileMemoryIT {
  private static final long SIZE = 512L * 1024 * 1024;

  @Test
  @DisplayName("G7: a 512 MiB file pushed by a -Xmx64m JVM to two directories, both copies byte-identical")
  void largeFileThroughSmallHeap(@TempDir Path tmp) throws Exception {
    Path source = Files.createDirectories(tmp.resolve("source"));
    Path file = source.resolve("gold/big/dataset.bin");
    Files.createDirectories(file.getParent());
    writeRandom(file, SIZE);
    String sourceMd5 = md5(file);
    Path a = Files.createDirectories(tmp.resolve("eastus2"));
    Path b = Files.createDirectories(tmp.resolve("westus2"));
    Path log = tmp.resolve("log");
    Path jar = Path.of(System.getProperty("samples.jar", "target/dualpush-samples.jar")).toAbsolutePath();
    assertThat(jar).as("the shaded samples jar is built by the package phase").exists();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path out = tmp.resolve("child.out");
    Path err = tmp.resolve("child.err");

    Process child = new ProcessBuilder(List.of(java.toString(), "-Xmx64m", "-XX:+ExitOnOutOfMemoryError", "-jar",
        jar.toString(), "push", source.toString(), "--destination", "primary=" + a, "--destination",
        "secondary=" + b, "--log", log.toString(), "--json"))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(child.waitFor(10, TimeUnit.MINUTES)).as("child finished").isTrue();

    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(child.exitValue()).as(stderr).isZero();
    JsonNode json = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
    assertThat(json.get("verified").asInt()).isEqualTo(1);
    assertThat(json.get("bytes").asLong()).isEqualTo(SIZE);
    for (Path copy : List.of(a.resolve("gold/big/dataset.bin"), b.resolve("gold/big/dataset.bin"))) {
      assertThat(Files.size(copy)).isEqualTo(SIZE);
      assertThat(md5(copy)).isEqualTo(sourceMd5);
    }
  }

  /** Pseudo-random content (no repeating block a file system could deduplicate), written in 1 MiB chunks. */
  private static void writeRandom(Path file, long size) throws IOException {
    Random random = new Random(512);
    byte[] chunk = new byte[1024 * 1024];
    try (OutputStream os = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += chunk.length) {
        random.nextBytes(chunk);
        os.write(chunk, 0, (int) Math.min(chunk.length, size - done));
      }
    }
  }

  private static String md5(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Md5.of(in).base64();
    }
  }
}
