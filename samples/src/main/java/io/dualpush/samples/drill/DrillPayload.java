package io.dualpush.samples.drill;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The producer's messages: key {@code drill-RUN/push-NNNNNN} and text content that names the run and the push, from
 * 200 bytes to about 4 KiB, so that no two pushes of a run have the same bytes. Stateless; thread-safe.
 */
final class DrillPayload {
  private DrillPayload() {}

  /** The prefix every key of the run starts with. */
  static String prefix(String run) {
    return "drill-" + run + "/";
  }

  static String key(String run, int seq) {
    return prefix(run) + String.format(Locale.ROOT, "push-%06d", seq);
  }

  static byte[] content(String run, int seq) {
    int size = 200 + (seq * 397) % 3900;
    StringBuilder sb = new StringBuilder(size + 64);
    for (int line = 0; sb.length() < size; line++) {
      sb.append("dualpush drill ").append(run).append(" push ").append(seq).append(" line ").append(line).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
