package io.dualpush.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The strings an {@link OpenArena} stores by number: destination ids, error messages, content types,
 * dataset ids, metadata and key prefixes repeat across transactions, so each is held once and a
 * record carries a small number. Bounded ({@link #MAX_ENTRIES} strings of at most
 * {@link #MAX_CHARS} characters): once full, or for a longer string, the record holds the string
 * inline, so strings unique to one transaction (an error naming a request id) cannot grow it without
 * bound. Entries are never removed: a number stays valid for the dictionary's life. Not thread-safe.
 */
final class StringDictionary {
  /** The most strings held. */
  static final int MAX_ENTRIES = 16_384;
  /** The longest string held; longer ones are stored inline. */
  static final int MAX_CHARS = 160;

  private final Map<String, Integer> numbers = new HashMap<>();
  private final List<String> strings = new ArrayList<>();
  private final List<byte[]> utf8 = new ArrayList<>();

  /** The number of {@code s}, adding it if there is room; -1 when it is not (and will not be) held. */
  int numberOf(String s) {
    Integer n = numbers.get(s);
    if (n != null) {
      return n;
    }
    if (strings.size() >= MAX_ENTRIES || s.length() > MAX_CHARS) {
      return -1;
    }
    int next = strings.size();
    numbers.put(s, next);
    strings.add(s);
    utf8.add(s.getBytes(StandardCharsets.UTF_8));
    return next;
  }

  /** The number of {@code s} if held, else -1; never adds. */
  int find(String s) {
    Integer n = numbers.get(s);
    return n == null ? -1 : n;
  }

  String string(int number) {
    return strings.get(number);
  }

  byte[] bytes(int number) {
    return utf8.get(number);
  }

  int size() {
    return strings.size();
  }
}
