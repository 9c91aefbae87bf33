package io.dualpush.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What a fuzz run found wrong, by rule broken, reported as one {@link AssertionError} that names
 * every rule broken with a few examples, so that a store breaking several is seen breaking each.
 * Thread-safe.
 */
final class FuzzViolations {
  private static final int EXAMPLES = 5;

  private record Violation(String rule, String detail) {}

  private final Queue<Violation> found = new ConcurrentLinkedQueue<>();

  /** Records that {@code rule} was broken, as {@code detail} tells. */
  void add(String rule, String detail) {
    found.add(new Violation(rule, detail));
  }

  /** Throws an {@link AssertionError} headed {@code heading} when anything was found. */
  void throwIfAny(String heading) {
    if (found.isEmpty()) {
      return;
    }
    Map<String, List<String>> byRule = new LinkedHashMap<>();
    for (Violation v : found) {
      byRule.computeIfAbsent(v.rule(), r -> new ArrayList<>()).add(v.detail());
    }
    StringBuilder message = new StringBuilder(heading).append(": ").append(found.size()).append(" violations of ")
        .append(byRule.size()).append(byRule.size() == 1 ? " rule" : " rules");
    byRule.forEach((rule, details) -> {
      message.append("\n  ").append(rule).append(" (").append(details.size()).append("), for example:");
      details.stream().limit(EXAMPLES).forEach(d -> message.append("\n    ").append(d));
    });
    throw new AssertionError(message.toString());
  }
}
