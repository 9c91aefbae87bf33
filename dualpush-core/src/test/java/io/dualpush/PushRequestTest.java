package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("PushRequest and PushContent")
class PushRequestTest {
  private static final byte[] BYTES = "hello".getBytes(StandardCharsets.UTF_8);

  private static PushRequest.Builder builder() {
    return PushRequest.builder("a/b.csv", PushContent.ofBytes(BYTES));
  }

  @Nested
  @DisplayName("a valid request")
  class Valid {

    @Test
    @DisplayName("keeps every field as given")
    void keepsFields() {
      PushRequest r = builder().datasetId("sales").messageId("msg-1").contentType("text/csv")
          .metadata("owner", "team a").metadata(Map.of("_x1", "")).build();
      assertThat(r.key()).isEqualTo("a/b.csv");
      assertThat(r.datasetId()).contains("sales");
      assertThat(r.messageId()).contains("msg-1");
      assertThat(r.contentType()).isEqualTo("text/csv");
      assertThat(r.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("owner", "team a", "_x1", ""));
    }

    @Test
    @DisplayName("has no dataset or message id and an octet-stream content type by default")
    void defaults() {
      PushRequest r = PushRequest.of("a/b.csv", BYTES);
      assertThat(r.datasetId()).isEmpty();
      assertThat(r.messageId()).isEmpty();
      assertThat(r.contentType()).isEqualTo("application/octet-stream");
      assertThat(r.metadata()).isEmpty();
    }

    @Test
    @DisplayName("is not changed by later use of its builder")
    void snapshot() {
      PushRequest.Builder b = builder().metadata("a", "1");
      PushRequest first = b.build();
      b.metadata("b", "2");
      assertThat(first.metadata()).containsOnlyKeys("a");
    }

    @Test
    @DisplayName("accepts ids of exactly 512 characters and metadata of exactly 8 KiB")
    void limitsAreInclusive() {
      String id = "i".repeat(512);
      // 8192 bytes of names and values in all.
      PushRequest r = builder().datasetId(id).messageId(id)
          .metadata("n1", "v".repeat(4094)).metadata("n2", "w".repeat(4094)).build();
      assertThat(r.messageId()).contains(id);
      assertThat(r.metadata()).hasSize(2);
    }
  }

  @Nested
  @DisplayName("refuses")
  class Refuses {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "/abs", "a/../b", "a//b", ".dualpush/x"})
    @DisplayName("a bad key, naming 'key', in builder and in of()")
    void badKey(String key) {
      assertRefused(() -> PushRequest.builder(key, PushContent.ofBytes(BYTES)), "key");
      assertRefused(() -> PushRequest.of(key, BYTES), "key");
    }

    @Test
    @DisplayName("a null key, naming 'key'")
    void nullKey() {
      assertRefused(() -> PushRequest.of(null, BYTES), "key");
    }

    @Test
    @DisplayName("null content, naming 'content'")
    void nullContent() {
      assertRefused(() -> PushRequest.builder("a", null), "content");
      assertRefused(() -> PushRequest.of("a", (byte[]) null), "content");
      assertRefused(() -> PushRequest.of("a", (PushContent) null), "content");
    }

    @ParameterizedTest(name = "field {0}")
    @ValueSource(strings = {"datasetId", "messageId"})
    @DisplayName("a null, blank, spaced, non-ASCII, control or over-long id, naming the field")
    void badIds(String field) {
      for (String bad : new String[] {null, "", " ", "a b", "tab\there", "é", "nul\u0000", "i".repeat(513)}) {
        assertRefused(() -> {
          if (field.equals("datasetId")) {
            builder().datasetId(bad);
          } else {
            builder().messageId(bad);
          }
        }, field);
      }
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "   ", "text/csv\n", "text/\u00e9", "bell\u0007"})
    @DisplayName("a blank, non-printable or non-ASCII content type, naming 'contentType'")
    void badContentType(String contentType) {
      assertRefused(() -> builder().contentType(contentType), "contentType");
    }

    @Test
    @DisplayName("a null or over-long content type, naming 'contentType'")
    void nullOrLongContentType() {
      assertRefused(() -> builder().contentType(null), "contentType");
      assertRefused(() -> builder().contentType("t/" + "x".repeat(254)), "contentType");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "1abc", "a-b", "a.b", "a b", "é", "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"})
    @DisplayName("a metadata name that is not an identifier of at most 64 characters, naming 'metadata'")
    void badMetadataNames(String name) {
      InvalidInputException e = assertRefused(() -> builder().metadata(name, "v"), "metadata");
      assertThat(e.getMessage()).contains("'metadata'");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"dualpush_md5", "DualPush_x", "DUALPUSH_"})
    @DisplayName("a metadata name under the reserved 'dualpush_' prefix, in any case")
    void reservedMetadataNames(String name) {
      InvalidInputException e = assertRefused(() -> builder().metadata(name, "v"), "metadata");
      assertThat(e.getMessage()).contains("dualpush_");
    }

    @ParameterizedTest(name = "{index}")
    @ValueSource(strings = {"line\nbreak", "caf\u00e9", "nul\u0000", "del\u007f"})
    @DisplayName("a metadata value that is not printable ASCII")
    void badMetadataValues(String value) {
      assertRefused(() -> builder().metadata("name", value), "metadata");
    }

    @Test
    @DisplayName("a null metadata name, value or map")
    void nullMetadata() {
      assertRefused(() -> builder().metadata(null, "v"), "metadata");
      assertRefused(() -> builder().metadata("n", null), "metadata");
      assertRefused(() -> builder().metadata(null), "metadata");
      Map<String, String> withNull = new HashMap<>();
      withNull.put("n", null);
      assertRefused(() -> builder().metadata(withNull), "metadata");
    }

    @Test
    @DisplayName("metadata over 8 KiB in all")
    void tooMuchMetadata() {
      PushRequest.Builder b = builder().metadata("n1", "v".repeat(4094));
      InvalidInputException e = assertRefused(() -> b.metadata("n2", "w".repeat(4095)), "metadata");
      assertThat(e.getMessage()).contains("8192");
    }
  }

  @Nested
  @DisplayName("a refused setter leaves the builder as it was")
  class NothingKept {

    @Test
    @DisplayName("metadata that would exceed 8 KiB is not kept by the builder")
    void oversizeEntryIsNotKept() {
      PushRequest.Builder b = builder().metadata("n1", "v".repeat(4094));
      assertRefused(() -> b.metadata("n2", "w".repeat(4095)), "metadata");
      PushRequest r = b.build();
      assertThat(r.metadata()).containsOnlyKeys("n1");
    }

    @Test
    @DisplayName("replacing a metadata value is measured without the value it replaces")
    void replacementIsMeasuredOnce() {
      PushRequest.Builder b = builder().metadata("n1", "v".repeat(8000));
      b.metadata("n1", "w".repeat(8000));
      assertThat(b.build().metadata()).containsEntry("n1", "w".repeat(8000));
    }

    @Test
    @DisplayName("a metadata map with one bad entry adds none of its entries")
    void metadataMapIsAllOrNothing() {
      Map<String, String> entries = new LinkedHashMap<>();
      entries.put("good", "1");
      entries.put("bad-name", "2");
      PushRequest.Builder b = builder().metadata("kept", "0");
      assertRefused(() -> b.metadata(entries), "metadata");
      assertThat(b.build().metadata()).containsOnlyKeys("kept");
    }

    @Test
    @DisplayName("a refused id or content type keeps the earlier value")
    void earlierValuesKept() {
      PushRequest.Builder b = builder().messageId("m1").datasetId("d1").contentType("text/csv");
      assertRefused(() -> b.messageId("bad id"), "messageId");
      assertRefused(() -> b.datasetId(""), "datasetId");
      assertRefused(() -> b.contentType(""), "contentType");
      PushRequest r = b.build();
      assertThat(r.messageId()).contains("m1");
      assertThat(r.datasetId()).contains("d1");
      assertThat(r.contentType()).isEqualTo("text/csv");
    }
  }

  @Nested
  @DisplayName("PushContent")
  class Content {

    @Test
    @DisplayName("ofFile refuses a missing file, naming 'content' and the path")
    void missingFile(@TempDir Path dir) {
      Path missing = dir.resolve("missing.csv");
      InvalidInputException e = assertRefused(() -> PushContent.ofFile(missing), "content");
      assertThat(e.getMessage()).contains(missing.toString());
      assertThat(missing).doesNotExist();
    }

    @Test
    @DisplayName("ofFile refuses a directory, naming 'content'")
    void directory(@TempDir Path dir) {
      assertRefused(() -> PushContent.ofFile(dir), "content");
    }

    @Test
    @DisplayName("ofBytes, ofFile and ofStream refuse null, naming 'content'")
    void nulls() {
      assertRefused(() -> PushContent.ofBytes(null), "content");
      assertRefused(() -> PushContent.ofFile(null), "content");
      assertRefused(() -> PushContent.ofStream(null), "content");
    }

    @Test
    @DisplayName("ofFile records the absolute path and can be opened more than once")
    void fileIsReopenable(@TempDir Path dir) throws IOException {
      Path file = Files.write(dir.resolve("x.bin"), BYTES);
      PushContent content = PushContent.ofFile(file);
      assertThat(content.file()).contains(file.toAbsolutePath().normalize());
      for (int i = 0; i < 2; i++) {
        try (InputStream in = content.open()) {
          assertThat(in.readAllBytes()).isEqualTo(BYTES);
        }
      }
    }
  }
}
