package io.dualpush.samples.drill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drill found, for people ({@link #toText()}) and machines ({@link #toJson()}). Immutable.
 *
 * @param reasons why the drill failed; empty when it passed
 * @param run the run id
 * @param prefix the key prefix of every push of the run
 * @param dir the drill's directory
 * @param destinations destination id to directory
 * @param killedRegion the region killed
 * @param survivor the region that took over
 * @param ttl the lease TTL
 * @param maxTakeover the bound on the takeover
 * @param takeoverActiveMillis kill to the survivor reporting itself active, as the producer received it; null if never
 * @param takeoverVerifiedMillis kill to the survivor's first verified push (acknowledged); null if never
 * @param total pushes the producer made
 * @param beforeKill pushes sent and acknowledged before the kill
 * @param inFlight the keys sent and not acknowledged at the kill, re-sent to the survivor
 * @param afterKill pushes first sent after the kill
 * @param acknowledged pushes acknowledged by a region
 * @param unacknowledged pushes never acknowledged
 * @param resent sends repeated: the in-flight pushes and those a region refused (NACK)
 * @param nacks refusals by regions (a standby, a claim held elsewhere, a failed push)
 * @param check what the destinations hold, read back
 * @param dedupeDuplicates acknowledgements the dedupe store answered (the push had been verified before: not pushed
 *     again)
 * @param redelivered pushes a region handled again because a killed region had claimed them (same bytes, same key:
 *     harmless)
 * @param ackMismatches acknowledgements whose MD5 is not that of the content sent
 */
record DrillReport(List<String> reasons, String run, String prefix, Path dir, Map<String, Path> destinations,
    String killedRegion, String survivor, Duration ttl, Duration maxTakeover, Long takeoverActiveMillis,
    Long takeoverVerifiedMillis, int total, int beforeKill, List<String> inFlight, int afterKill, int acknowledged,
    List<String> unacknowledged, int resent, int nacks, DrillChecker.Result check, int dedupeDuplicates,
    int redelivered, List<String> ackMismatches) {
  private static final int LISTED = 20;

  DrillReport {
    reasons = List.copyOf(reasons);
    destinations = Map.copyOf(new LinkedHashMap<>(destinations));
    inFlight = List.copyOf(inFlight);
    unacknowledged = List.copyOf(unacknowledged);
    ackMismatches = List.copyOf(ackMismatches);
  }

  boolean passed() {
    return reasons.isEmpty();
  }

  int lost() {
    return check.lost(total);
  }

  String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("dualpush drill: ").append(passed() ? "PASS" : "FAIL").append('\n');
    for (String r : reasons) {
      sb.append("  reason         ").append(r).append('\n');
    }
    sb.append("  regions        ").append(killedRegion).append(" killed (SIGKILL), ").append(survivor)
        .append(" took over\n");
    sb.append("  lease TTL      ").append(ttl.toMillis()).append(" ms; takeover bound ").append(maxTakeover.toMillis())
        .append(" ms (--max-takeover)\n");
    sb.append("  takeover       ").append(ms(takeoverActiveMillis)).append(" kill -> ").append(survivor)
        .append(" active; ").append(ms(takeoverVerifiedMillis)).append(" kill -> its first verified push\n");
    sb.append("  pushes         ").append(total).append(": ").append(beforeKill).append(" before the kill, ")
        .append(inFlight.size()).append(" in flight at the kill (re-sent), ").append(afterKill).append(" after\n");
    sb.append("  acknowledged   ").append(acknowledged).append(" (").append(resent).append(" re-sent, ").append(nacks)
        .append(" refused and re-sent, ").append(dedupeDuplicates).append(" answered by the dedupe store, ")
        .append(redelivered).append(" redelivered)\n");
    sb.append("  verified       ").append(check.verified()).append(" of ").append(total)
        .append(" at both destinations (files read back, MD5 compared)\n");
    sb.append("  lost           ").append(lost()).append("; unexpected objects ").append(check.unexpected().size())
        .append("; unacknowledged ").append(unacknowledged.size()).append('\n');
    list(sb, "missing", check.missing());
    list(sb, "corrupted", check.corrupted());
    list(sb, "unexpected", check.unexpected());
    list(sb, "unacked", unacknowledged);
    list(sb, "ack mismatch", ackMismatches);
    sb.append("  destinations   ").append(destinations.get("primary")).append(", ").append(destinations.get("secondary"))
        .append(" (keys ").append(prefix).append("...)\n");
    return sb.toString();
  }

  private static void list(StringBuilder sb, String label, List<String> items) {
    for (int i = 0; i < Math.min(LISTED, items.size()); i++) {
      sb.append("  ").append(String.format("%-14s ", label)).append(items.get(i)).append('\n');
    }
    if (items.size() > LISTED) {
      sb.append("  ").append(String.format("%-14s ", label)).append("... and ").append(items.size() - LISTED)
          .append(" more\n");
    }
  }

  private static String ms(Long millis) {
    return millis == null ? "never" : millis + " ms";
  }

  String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("verdict", passed() ? "pass" : "fail");
    m.put("reasons", reasons);
    m.put("run", run);
    m.put("prefix", prefix);
    m.put("dir", dir.toString());
    Map<String, String> dests = new LinkedHashMap<>();
    dests.put("primary", destinations.get("primary").toString());
    dests.put("secondary", destinations.get("secondary").toString());
    m.put("destinations", dests);
    m.put("killedRegion", killedRegion);
    m.put("survivor", survivor);
    m.put("leaseTtlMs", ttl.toMillis());
    m.put("maxTakeoverMs", maxTakeover.toMillis());
    Map<String, Object> takeover = new LinkedHashMap<>();
    takeover.put("activeMs", takeoverActiveMillis);
    takeover.put("firstVerifiedPushMs", takeoverVerifiedMillis);
    m.put("takeover", takeover);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("total", total);
    p.put("beforeKill", beforeKill);
    p.put("inFlightAtKill", inFlight.size());
    p.put("afterKill", afterKill);
    p.put("acknowledged", acknowledged);
    p.put("unacknowledged", unacknowledged.size());
    p.put("resent", resent);
    p.put("refused", nacks);
    p.put("answeredByDedupe", dedupeDuplicates);
    p.put("redelivered", redelivered);
    m.put("pushes", p);
    m.put("inFlightKeys", inFlight);
    m.put("verified", check.verified());
    m.put("lost", lost());
    m.put("missing", check.missing());
    m.put("corrupted", check.corrupted());
    m.put("unexpected", check.unexpected());
    m.put("unacknowledgedKeys", unacknowledged);
    m.put("ackMismatches", ackMismatches);
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
  }
}
