package io.dualpush;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The rules every object key follows, on every destination: relative (not starting with {@code /}
 * or a drive root such as {@code C:/}; a colon elsewhere, as in {@code a:b.txt}, is allowed),
 * '/'-separated, no empty, {@code .} or {@code ..} segment, no backslash or control character,
 * valid Unicode, at most {@value #MAX_KEY_BYTES} bytes of UTF-8. Keys under {@code .dualpush/} are reserved.
 */
public final class ObjectKeys {
  /** The longest key accepted, in UTF-8 bytes (Azure's blob name limit). */
  public static final int MAX_KEY_BYTES = 1024;

  /**
   * The order {@link io.dualpush.spi.Destination#list} returns keys in: by their UTF-8 bytes, which
   * is the order of their code points. It differs from {@link String#compareTo} (UTF-16 code units)
   * only for characters above U+FFFF against those from U+E000 to U+FFFF. Thread-safe.
   */
  public static final Comparator<String> ORDER = ObjectKeys::compare;

  private ObjectKeys() {}

  private static int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // Equal so far, so both are at the start of a code point (or both inside the same pair).
        return Integer.compare(a.codePointAt(i), b.codePointAt(i));
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  /**
   * Returns {@code key} when it is valid, else throws {@link InvalidInputException} naming the field
   * {@code key} and the rule it broke.
   *
   * @param key the key to check
   * @return {@code key}, unchanged
   * @throws InvalidInputException naming {@code key} and the rule it broke
   */
  public static String validate(String key) {
    if (key == null) {
      throw new InvalidInputException("key", "'key' cannot be null.");
    }
    if (key.isEmpty()) {
      throw new InvalidInputException("key", "'key' cannot be empty.");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_KEY_BYTES) {
      throw new InvalidInputException("key",
          "'key' is " + bytes + " bytes long; at most " + MAX_KEY_BYTES + " are allowed.");
    }
    if (key.startsWith("/") || isDrivePath(key)) {
      throw new InvalidInputException("key", "'key' must be relative, not absolute: '" + shorten(key) + "'.");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\') {
        throw new InvalidInputException("key", "'key' cannot contain a backslash: '" + shorten(key) + "'.");
      }
      if (Character.isISOControl(c)) {
        throw new InvalidInputException("key", "'key' cannot contain control characters.");
      }
      if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        // Such a string has no UTF-8 form, so no file system or blob store could name an object by it.
        throw new InvalidInputException("key", "'key' is not valid Unicode: unpaired surrogate at index " + i + ".");
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        throw new InvalidInputException("key", "'key' cannot have an empty path segment: '" + shorten(key) + "'.");
      }
      if (segment.equals("..") || segment.equals(".")) {
        throw new InvalidInputException("key", "'key' cannot contain '" + segment + "' segments: '" + shorten(key) + "'.");
      }
    }
    if (key.equals(".dualpush") || key.startsWith(".dualpush/")) {
      throw new InvalidInputException("key", "'key' cannot be under the reserved prefix '.dualpush/'.");
    }
    return key;
  }

  /**
   * Whether {@code key} starts with a Windows drive root, {@code X:/} or {@code X:\}. A colon
   * elsewhere (or a drive letter without a separator, {@code a:b.txt}) is an ordinary character in a
   * blob or file name.
   */
  private static boolean isDrivePath(String key) {
    char first = key.length() > 2 ? key.charAt(0) : 0;
    boolean letter = (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z');
    return letter && key.charAt(1) == ':' && (key.charAt(2) == '/' || key.charAt(2) == '\\');
  }

  private static String shorten(String key) {
    return key.length() <= 80 ? key : key.substring(0, 77) + "...";
  }
}
