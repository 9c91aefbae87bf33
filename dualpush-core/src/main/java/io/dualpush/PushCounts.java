package io.dualpush;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many pushes went which way over a window of time, as {@link RecentActivity} reports them. Counted from the
 * engine's events as they happen, in this client only. Immutable and thread-safe.
 *
 * @param pushes pushes started: accepted and logged (duplicates of a processed message id are not counted)
 * @param verified pushes acknowledged with every copy verified when the ack policy was decided
 * @param partial pushes acknowledged (their ack policy held) with some copy not yet verified then: an optional
 *     destination failed or is still behind, and repair takes over
 * @param failed pushes not acknowledged: the caller got a failure, and the copies missing are repaired
 * @param deadLettered transactions repair gave up on (dead-lettered) in the window
 */
public record PushCounts(long pushes, long verified, long partial, long failed, long deadLettered) {
  /** No pushes at all. */
  public static final PushCounts NONE = new PushCounts(0, 0, 0, 0, 0);

  /**
   * Checks that no count is negative.
   *
   * @param pushes pushes started
   * @param verified pushes acknowledged with every copy verified
   * @param partial pushes acknowledged with some copy not verified
   * @param failed pushes not acknowledged
   * @param deadLettered transactions dead-lettered
   * @throws IllegalArgumentException when a count is negative
   */
  public PushCounts {
    if (pushes < 0 || verified < 0 || partial < 0 || failed < 0 || deadLettered < 0) {
      throw new IllegalArgumentException("counts cannot be negative");
    }
  }

  /**
   * The counts as a map of numbers by their names ({@code pushes}, {@code verified}, {@code partial},
   * {@code failed}, {@code deadLettered}), for a JSON library.
   *
   * @return an unmodifiable map in that order
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pushes", pushes);
    m.put("verified", verified);
    m.put("partial", partial);
    m.put("failed", failed);
    m.put("deadLettered", deadLettered);
    return java.util.Collections.unmodifiableMap(m);
  }
}
