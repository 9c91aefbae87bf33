package io.dualpush.samples.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("the drill's checker, reading the destination directories back")
class DrillCheckerTest {
  private static final String RUN = "cafe0001";
  private static final String PREFIX = DrillPayload.prefix(RUN);

  @TempDir
  Path tmp;

  private final Map<String, String> expected = new LinkedHashMap<>();
  private Map<String, Path> destinations;

  @BeforeEach
  void threePushesAtBothDestinations() throws IOException {
    destinations = new LinkedHashMap<>();
    destinations.put("primary", Files.createDirectories(tmp.resolve("primary")));
    destinations.put("secondary", Files.createDirectories(tmp.resolve("secondary")));
    for (int seq = 0; seq < 3; seq++) {
      String key = DrillPayload.key(RUN, seq);
      byte[] content = DrillPayload.content(RUN, seq);
      expected.put(key, DrillChecker.md5(content));
      for (Path d : destinations.values()) {
        Files.createDirectories(d.resolve(key).getParent());
        Files.write(d.resolve(key), content);
      }
    }
  }

  @Test
  @DisplayName("verifies every push present at both destinations with its MD5")
  void allPresent() {
    DrillChecker.Result r = DrillChecker.check(expected, destinations, PREFIX);
    assertThat(r.verified()).isEqualTo(3);
    assertThat(r.lost(3)).isZero();
    assertThat(r.missing()).isEmpty();
    assertThat(r.corrupted()).isEmpty();
    assertThat(r.unexpected()).isEmpty();
  }

  @Nested
  @DisplayName("reports a push as lost")
  class Lost {
    @Test
    @DisplayName("when its copy is missing from one destination, naming the destination and the key")
    void missingCopy() throws IOException {
      String key = DrillPayload.key(RUN, 1);
      Files.delete(destinations.get("secondary").resolve(key));
      DrillChecker.Result r = DrillChecker.check(expected, destinations, PREFIX);
      assertThat(r.verified()).isEqualTo(2);
      assertThat(r.lost(3)).isEqualTo(1);
      assertThat(r.missing()).containsExactly("secondary: " + key);
    }

    @Test
    @DisplayName("when one copy holds other bytes of the same size, with both MD5s")
    void corruptedCopy() throws IOException {
      String key = DrillPayload.key(RUN, 2);
      byte[] bytes = DrillPayload.content(RUN, 2);
      bytes[bytes.length / 2] ^= 1;
      Files.write(destinations.get("primary").resolve(key), bytes);
      DrillChecker.Result r = DrillChecker.check(expected, destinations, PREFIX);
      assertThat(r.lost(3)).isEqualTo(1);
      assertThat(r.corrupted()).singleElement().asString().startsWith("primary: " + key + " (md5 ")
          .contains(DrillChecker.md5(bytes)).endsWith("expected " + expected.get(key) + ")");
    }

    @Test
    @DisplayName("once, when it is missing from both destinations")
    void missingEverywhere() throws IOException {
      String key = DrillPayload.key(RUN, 0);
      for (Path d : destinations.values()) {
        Files.delete(d.resolve(key));
      }
      DrillChecker.Result r = DrillChecker.check(expected, destinations, PREFIX);
      assertThat(r.lost(3)).isEqualTo(1);
      assertThat(r.missing()).containsExactly("primary: " + key, "secondary: " + key);
    }
  }

  @Test
  @DisplayName("reports an object under the run's prefix that was never pushed, and ignores others")
  void unexpectedObject() throws IOException {
    Files.writeString(destinations.get("secondary").resolve(PREFIX + "stray"), "x", StandardCharsets.UTF_8);
    Files.writeString(destinations.get("secondary").resolve("other-file"), "x", StandardCharsets.UTF_8);
    DrillChecker.Result r = DrillChecker.check(expected, destinations, PREFIX);
    assertThat(r.verified()).isEqualTo(3);
    assertThat(r.unexpected()).containsExactly("secondary: " + PREFIX + "stray");
  }
}
