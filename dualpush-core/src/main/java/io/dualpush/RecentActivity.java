package io.dualpush;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What this client's pushes did lately, as a {@link HealthSnapshot} reports it: counts over the last minute and
 * over the last hour. The minute is counted in one-second steps (the current second and the 59 before it), the
 * hour in one-minute steps (the current minute and the 59 before it), on the client's clock; older counts are
 * dropped, so the figures take fixed memory however many pushes run. Immutable and thread-safe.
 *
 * <pre>{@code
 * PushCounts minute = client.healthSnapshot().recent().lastMinute();
 * log.info("{} pushes, {} failed in the last minute", minute.pushes(), minute.failed());
 * }</pre>
 *
 * @param lastMinute counts over the last minute
 * @param lastHour counts over the last hour
 */
public record RecentActivity(PushCounts lastMinute, PushCounts lastHour) {
  /**
   * Checks that no component is null.
   *
   * @param lastMinute counts over the last minute
   * @param lastHour counts over the last hour
   * @throws NullPointerException naming the component that is null
   */
  public RecentActivity {
    Objects.requireNonNull(lastMinute, "lastMinute");
    Objects.requireNonNull(lastHour, "lastHour");
  }

  /**
   * Both windows as maps of numbers ({@code lastMinute}, {@code lastHour}; see {@link PushCounts#toMap()}).
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("lastMinute", lastMinute.toMap());
    m.put("lastHour", lastHour.toMap());
    return java.util.Collections.unmodifiableMap(m);
  }
}
