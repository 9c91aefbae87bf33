package io.dualpush.samples;

import java.util.Locale;

/** Human-readable sizes and rates. */
final class Sizes {
  private Sizes() {}

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String rate(long bytes, long nanos) {
    if (nanos <= 0) {
      return "-";
    }
    return bytes((long) (bytes / (nanos / 1e9))) + "/s";
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
