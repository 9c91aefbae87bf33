package io.dualpush.samples.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in the configuration file and in {@code --wait} / {@code --interval}: {@code 500ms},
 * {@code 30s}, {@code 10m}, {@code 2h}, {@code 1d}, or ISO-8601 ({@code PT1M30S}); {@code forever}
 * where the caller allows it. Stateless; thread-safe.
 */
public final class ConfigDurations {
  private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");

  private ConfigDurations() {}

  /**
   * Parses a positive duration.
   *
   * @param text the text, such as {@code 30s}
   * @return the duration, positive
   * @throws IllegalArgumentException saying which forms are accepted, when the text is none of them or not positive
   */
  public static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(t);
    Duration d;
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } else {
      try {
        d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("'" + text + "' is not a duration (write 500ms, 30s, 10m, 2h, 1d or PT1M30S)");
      }
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("'" + text + "' must be positive");
    }
    return d;
  }

  /**
   * Parses a duration or {@code forever}.
   *
   * @param text the text
   * @return the duration, or {@code null} for {@code forever}
   * @throws IllegalArgumentException as {@link #parse}
   */
  static Duration parseOrForever(String text) {
    return text.trim().equalsIgnoreCase("forever") ? null : parse(text);
  }

  /** Short form for messages: {@code 10m}, {@code 30s}, {@code 1500ms}. */
  static String format(Duration d) {
    if (d == null) {
      return "forever";
    }
    long ms = d.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
