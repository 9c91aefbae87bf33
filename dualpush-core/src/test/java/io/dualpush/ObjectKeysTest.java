package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ObjectKeys.validate")
class ObjectKeysTest {

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Asserts the key is refused with field "key" and a message that quotes 'key'. */
  private static InvalidInputException assertKeyRefused(String key) {
    InvalidInputException e = assertRefused(() -> ObjectKeys.validate(key), "key");
    assertThat(e.getMessage()).contains("'key'");
    return e;
  }

  @Nested
  @DisplayName("accepts")
  class Accepts {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
        "a", "a.csv", "a/b.csv", "gold/sales/2026-11-24.csv", "logs/2026-11-24T10:00:00Z.json",
        "a b/c d.txt", ".hidden", "a/.b", "..a/b..", "...", "a/.dualpush/b", ".dualpushx/y", "dualpush/y"})
    @DisplayName("a normal relative key, returned unchanged")
    void normalRelativeKeys(String key) {
      assertThat(ObjectKeys.validate(key)).isEqualTo(key);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a:b.txt", "ab:c", "C:a", "D:", "x/C:/y", "2026-11-24T10:00:00Z.json", ":a", "a:"})
    @DisplayName("a key with a colon that is not a drive path (regression: 'a:b.txt' was refused as absolute)")
    void colonKeysThatAreNotDrivePaths(String key) {
      // Only "/..." and "X:/..." (or "X:\\...") name a root; "C:a" is an ordinary name everywhere but
      // Windows, and a destination there refuses it anyway when it resolves outside its directory.
      assertThat(ObjectKeys.validate(key)).isEqualTo(key);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"données/été.csv", "日本語/データ.parquet", "emoji/😀.bin", "Ωmega/Ünïcødé"})
    @DisplayName("a unicode key, including characters outside the BMP")
    void unicodeKeys(String key) {
      assertThat(ObjectKeys.validate(key)).isEqualTo(key);
    }

    @Test
    @DisplayName("a key of exactly 1024 UTF-8 bytes")
    void exactlyTheLimit() {
      String key = "k/" + "a".repeat(ObjectKeys.MAX_KEY_BYTES - 2);
      assertThat(utf8Length(key)).isEqualTo(1024);
      assertThat(ObjectKeys.validate(key)).isEqualTo(key);
    }

    @Test
    @DisplayName("a key of exactly 1024 UTF-8 bytes made of multi-byte characters")
    void exactlyTheLimitInMultiByteCharacters() {
      String key = "日".repeat(341) + "a"; // 341 * 3 + 1 = 1024 bytes in 342 chars
      assertThat(utf8Length(key)).isEqualTo(1024);
      assertThat(ObjectKeys.validate(key)).isEqualTo(key);
    }
  }

  @Nested
  @DisplayName("refuses, naming the field 'key',")
  class Refuses {

    @Test
    @DisplayName("a null key")
    void nullKey() {
      assertKeyRefused(null);
    }

    @Test
    @DisplayName("an empty key")
    void emptyKey() {
      assertKeyRefused("");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"/", "/a", "/a/b.csv", "C:/a", "c:/a/b", "z:/", "C:\\a"})
    @DisplayName("an absolute key, Unix or Windows style")
    void absoluteKeys(String key) {
      assertThat(assertKeyRefused(key).getMessage()).contains("absolute");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"..", "../a", "a/..", "a/../b", "a/b/../../../etc/passwd", ".", "./a", "a/.", "a/./b"})
    @DisplayName("a key with a '..' or '.' segment")
    void dotSegments(String key) {
      InvalidInputException e = assertKeyRefused(key);
      assertThat(e.getMessage()).containsAnyOf("'..'", "'.'");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a//b", "a/", "a/b/", "a///"})
    @DisplayName("a key with an empty segment or a trailing '/'")
    void emptySegments(String key) {
      InvalidInputException e = assertKeyRefused(key);
      assertThat(e.getMessage()).contains("empty");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"a\\b", "..\\a", "a\\", "\\\\server\\share"})
    @DisplayName("a key with a backslash")
    void backslashes(String key) {
      assertKeyRefused(key);
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(ints = {0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x85, 0x9F})
    @DisplayName("a key with a control character")
    void controlCharacters(int c) {
      InvalidInputException e = assertKeyRefused("a" + (char) c + "b.csv");
      assertThat(e.getMessage()).contains("control");
    }

    @Test
    @DisplayName("a key of 1025 ASCII bytes, saying how long it is")
    void oneByteTooLong() {
      InvalidInputException e = assertKeyRefused("a".repeat(1025));
      assertThat(e.getMessage()).contains("1025").contains("1024");
    }

    @Test
    @DisplayName("a key under 1024 characters but over 1024 UTF-8 bytes")
    void tooLongInBytesNotInChars() {
      String key = "é".repeat(513); // 513 chars, 1026 bytes
      assertThat(key.length()).isLessThan(1024);
      InvalidInputException e = assertKeyRefused(key);
      assertThat(e.getMessage()).contains("1026");
    }

    @Test
    @DisplayName("a key of three-byte characters one byte over the limit")
    void tooLongInThreeByteCharacters() {
      String key = "日".repeat(341) + "ab"; // 1025 bytes
      assertThat(utf8Length(key)).isEqualTo(1025);
      assertKeyRefused(key);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {".dualpush", ".dualpush/x", ".dualpush/tmp/1.part", ".dualpush/meta/a/b.csv.meta"})
    @DisplayName("a key under the reserved '.dualpush/' prefix")
    void reservedPrefix(String key) {
      InvalidInputException e = assertKeyRefused(key);
      assertThat(e.getMessage()).contains(".dualpush/");
    }

    @ParameterizedTest(name = "{index}")
    @ValueSource(strings = {"a\uD800b", "a\uDC00b", "a/\uD83D", "\uDE00x"})
    @DisplayName("a key that is not valid Unicode (an unpaired surrogate)")
    void unpairedSurrogates(String key) {
      // Such a key has no UTF-8 form: it cannot be a file name or a blob name, so it must never reach the log.
      assertKeyRefused(key);
    }

    @Test
    @DisplayName("a very long bad key without echoing all of it")
    void longKeysAreShortenedInMessages() {
      String key = "/" + "x".repeat(900);
      InvalidInputException e = assertKeyRefused(key);
      assertThat(e.getMessage()).hasSizeLessThan(300);
    }
  }
}
