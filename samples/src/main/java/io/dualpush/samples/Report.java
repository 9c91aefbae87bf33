package io.dualpush.samples;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.TransactionLog;
import io.dualpush.spi.TransactionRecord;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts over a set of transactions, printed as text or as one JSON object. A transaction counts
 * as verified when every required destination holds a verified copy: the CLI's exit code 0.
 */
final class Report {
  static final int MAX_LISTED = 100;

  private final String command;
  private final List<TransactionRecord> records;
  private final Map<String, Counts> destinations = new LinkedHashMap<>();
  private final Map<TransactionState, Integer> states = new EnumMap<>(TransactionState.class);
  private final List<TransactionRecord> notVerified = new ArrayList<>();
  private long bytes;
  private int verified;

  /** Per-destination counts. */
  static final class Counts {
    boolean required;
    int verified;
    int failed;
    int pending;
    int mismatched;
  }

  Report(String command, Collection<TransactionRecord> records) {
    this.command = command;
    this.records = List.copyOf(records);
    for (TransactionRecord r : this.records) {
      bytes += r.size();
      states.merge(r.state(), 1, Integer::sum);
      for (CopyRecord c : r.copies()) {
        Counts counts = destinations.computeIfAbsent(c.destinationId(), k -> new Counts());
        counts.required |= c.required();
        switch (c.status()) {
          case VERIFIED -> counts.verified++;
          case FAILED -> counts.failed++;
          default -> counts.pending++;
        }
        if (c.mismatch()) {
          counts.mismatched++;
        }
      }
      if (isVerified(r)) {
        verified++;
      } else {
        notVerified.add(r);
      }
    }
  }

  /** Every required copy of {@code r} is verified. */
  static boolean isVerified(TransactionRecord r) {
    if (r.state() == TransactionState.DEAD_LETTERED) {
      return false;
    }
    return r.copies().stream().filter(CopyRecord::required).allMatch(c -> c.status() == CopyStatus.VERIFIED);
  }

  /**
   * The transactions a log currently stands for: the newest of each key, superseded ones left out.
   */
  static List<TransactionRecord> current(TransactionLog log) {
    List<TransactionRecord> out = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (TransactionRecord r : log.recent(Integer.MAX_VALUE)) {
      if (r.state() != TransactionState.SUPERSEDED && keys.add(r.key())) {
        out.add(r);
      }
    }
    out.sort((a, b) -> a.key().compareTo(b.key()));
    return out;
  }

  /** Destinations the records write to, and those every record marks optional. */
  static Set<String> destinationNames(Collection<TransactionRecord> records) {
    Set<String> names = new LinkedHashSet<>();
    records.forEach(r -> r.copies().forEach(c -> names.add(c.destinationId())));
    return names;
  }

  static Set<String> optionalNames(Collection<TransactionRecord> records) {
    Set<String> required = new LinkedHashSet<>();
    Set<String> all = destinationNames(records);
    records.forEach(r -> r.copies().stream().filter(CopyRecord::required).forEach(c -> required.add(c.destinationId())));
    all.removeAll(required);
    return all;
  }

  int exitCode() {
    return notVerified.isEmpty() ? 0 : 2;
  }

  int transactions() {
    return records.size();
  }

  int verified() {
    return verified;
  }

  List<TransactionRecord> notVerified() {
    return notVerified;
  }

  long bytes() {
    return bytes;
  }

  Map<String, Counts> destinations() {
    return destinations;
  }

  Map<String, Object> toJson(Map<String, Object> extra) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("command", command);
    out.put("transactions", records.size());
    out.put("verified", verified);
    out.put("notVerified", notVerified.size());
    out.put("bytes", bytes);
    Map<String, Object> st = new LinkedHashMap<>();
    states.forEach((k, v) -> st.put(k.name(), v));
    out.put("states", st);
    Map<String, Object> dest = new LinkedHashMap<>();
    destinations.forEach((name, c) -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("required", c.required);
      d.put("verified", c.verified);
      d.put("failed", c.failed);
      d.put("pending", c.pending);
      d.put("mismatched", c.mismatched);
      dest.put(name, d);
    });
    out.put("destinations", dest);
    out.putAll(extra);
    List<Object> listed = new ArrayList<>();
    for (TransactionRecord r : notVerified.subList(0, Math.min(MAX_LISTED, notVerified.size()))) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("key", r.key());
      t.put("transactionId", r.transactionId());
      t.put("state", r.state().name());
      Map<String, Object> copies = new LinkedHashMap<>();
      for (CopyRecord c : r.copies()) {
        copies.put(c.destinationId(), c.status().name() + (c.error().isEmpty() ? "" : " (" + c.error() + ")"));
      }
      t.put("copies", copies);
      r.deadLetterReason().ifPresent(reason -> t.put("deadLetter", reason));
      listed.add(t);
    }
    out.put("notVerifiedTransactions", listed);
    out.put("notVerifiedListed", listed.size());
    return out;
  }

  void printText(PrintStream out) {
    out.printf("%d transaction(s), %s: %d verified, %d not verified%n", records.size(), Sizes.bytes(bytes),
        verified, notVerified.size());
    if (!destinations.isEmpty()) {
      out.printf("  %-20s %-8s %9s %7s %8s%n", "destination", "required", "verified", "failed", "pending");
      destinations.forEach((name, c) -> out.printf("  %-20s %-8s %9d %7d %8d%n", clip(name, 20),
          c.required ? "yes" : "no", c.verified, c.failed, c.pending));
    }
    if (!notVerified.isEmpty()) {
      out.println("not verified:");
      for (TransactionRecord r : notVerified.subList(0, Math.min(MAX_LISTED, notVerified.size()))) {
        out.println("  " + clip(r.key() + "  " + r.state() + "  " + copies(r), 96));
      }
      if (notVerified.size() > MAX_LISTED) {
        out.println("  ... and " + (notVerified.size() - MAX_LISTED) + " more");
      }
    }
  }

  static String copies(TransactionRecord r) {
    List<String> parts = new ArrayList<>();
    for (CopyRecord c : r.copies()) {
      parts.add(c.destinationId() + "=" + c.status() + (c.error().isEmpty() ? "" : " (" + c.error() + ")"));
    }
    return String.join(", ", parts);
  }

  static String clip(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 3) + "...";
  }
}
