package io.dualpush.samples;

import io.dualpush.CopyStatus;
import io.dualpush.TransactionState;
import io.dualpush.spi.CopyRecord;
import io.dualpush.spi.LogOpenWarning;
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
import java.util.TreeMap;

/**
 * Counts over a set of transactions, gathered one at a time (memory stays bounded however many
 * there are: only the first {@value #MAX_LISTED} not-verified transactions, by key, are kept for
 * listing), printed as text or as one JSON object. A transaction counts as verified when every
 * required destination holds a verified copy.
 *
 * <p>Besides transactions, a report holds what kept a run from covering everything: entries of the
 * source that were skipped, files that could not be pushed ({@code errors}), and warnings about the
 * log. Its exit code: 0 only when every transaction is verified and nothing was skipped (unless
 * skips were allowed), failed or left in doubt; otherwise 2.
 */
final class Report {
  static final int MAX_LISTED = 100;

  private final String command;
  private final Map<String, Counts> destinations = new LinkedHashMap<>();
  private final Map<TransactionState, Integer> states = new EnumMap<>(TransactionState.class);
  private final TreeMap<String, TransactionRecord> listed = new TreeMap<>();
  private final List<Entry> skipped = new ArrayList<>();
  private final List<Entry> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private int transactions;
  private int notVerified;
  private int skippedCount;
  private int errorCount;
  private boolean allowSkipped;
  private boolean inDoubt;
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

  /** A path and what happened to it. */
  record Entry(String path, String reason) {}

  Report(String command) {
    this.command = command;
  }

  Report(String command, Collection<TransactionRecord> records) {
    this(command);
    records.forEach(this::add);
  }

  /** Adds one transaction as the log has it. */
  synchronized void add(TransactionRecord r) {
    transactions++;
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
      notVerified++;
      listed.put(r.key() + '\u0000' + r.transactionId(), r);
      if (listed.size() > MAX_LISTED) {
        listed.pollLastEntry();
      }
    }
  }

  /**
   * Adds a transaction every copy of which was seen verified, without its record: a run that
   * pushed a large tree need not keep (or re-read) a record per file.
   */
  synchronized void addAllVerified(long size, Map<String, Boolean> requiredByDestination) {
    transactions++;
    verified++;
    bytes += size;
    states.merge(TransactionState.VERIFIED, 1, Integer::sum);
    requiredByDestination.forEach((id, required) -> {
      Counts counts = destinations.computeIfAbsent(id, k -> new Counts());
      counts.required |= required;
      counts.verified++;
    });
  }

  /** An entry of the source that was not pushed. */
  synchronized void skipped(String path, String reason) {
    skippedCount++;
    if (skipped.size() < MAX_LISTED) {
      skipped.add(new Entry(path, reason));
    }
  }

  /** A file that could not be pushed (it vanished, could not be read, ...). */
  synchronized void error(String path, String reason) {
    errorCount++;
    if (errors.size() < MAX_LISTED) {
      errors.add(new Entry(path, reason));
    }
  }

  /**
   * A warning about what the report stands on; {@code inDoubt} when it means the counts may not be
   * the whole truth (a torn log tail), which keeps the exit code from being 0.
   */
  synchronized void warn(String warning, boolean inDoubt) {
    warnings.add(warning);
    this.inDoubt |= inDoubt;
  }

  /**
   * The log's warnings from its open: a torn tail a read-only reader could not drop leaves the counts
   * in doubt (a later record may be the part torn off), the rest are said and stand.
   */
  static void warnings(TransactionLog log, Report report) {
    for (LogOpenWarning w : log.openWarnings()) {
      report.warn(w.message(), w.kind() == LogOpenWarning.Kind.TORN_TAIL_IGNORED);
    }
  }

  /** Skipped entries are listed but do not change the exit code ({@code --allow-skipped}). */
  synchronized void allowSkipped(boolean allow) {
    this.allowSkipped = allow;
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

  synchronized int exitCode() {
    boolean clean = notVerified == 0 && errorCount == 0 && !inDoubt && (skippedCount == 0 || allowSkipped);
    return clean ? Main.EXIT_OK : Main.EXIT_NOT_VERIFIED;
  }

  synchronized int transactions() {
    return transactions;
  }

  synchronized int verified() {
    return verified;
  }

  synchronized int notVerifiedCount() {
    return notVerified;
  }

  synchronized List<TransactionRecord> notVerified() {
    return List.copyOf(listed.values());
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized Map<String, Counts> destinations() {
    return destinations;
  }

  synchronized Map<String, Object> toJson(Map<String, Object> extra) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("command", command);
    out.put("transactions", transactions);
    out.put("verified", verified);
    out.put("notVerified", notVerified);
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
    List<Object> txns = new ArrayList<>();
    for (TransactionRecord r : listed.values()) {
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
      txns.add(t);
    }
    out.put("notVerifiedTransactions", txns);
    out.put("notVerifiedListed", txns.size());
    out.put("skipped", skippedCount);
    out.put("skippedEntries", entries(skipped));
    out.put("errorCount", errorCount);
    out.put("errors", entries(errors));
    out.put("warnings", List.copyOf(warnings));
    out.put("exitCode", exitCode());
    return out;
  }

  private static List<Object> entries(List<Entry> list) {
    List<Object> out = new ArrayList<>();
    for (Entry e : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", e.path());
      m.put("reason", e.reason());
      out.add(m);
    }
    return out;
  }

  synchronized void printText(PrintStream out) {
    for (String w : warnings) {
      out.println("warning: " + w);
    }
    out.printf("%d transaction(s), %s: %d verified, %d not verified%n", transactions, Sizes.bytes(bytes),
        verified, notVerified);
    if (!destinations.isEmpty()) {
      out.printf("  %-20s %-8s %9s %7s %8s%n", "destination", "required", "verified", "failed", "pending");
      destinations.forEach((name, c) -> out.printf("  %-20s %-8s %9d %7d %8d%n", clip(name, 20),
          c.required ? "yes" : "no", c.verified, c.failed, c.pending));
    }
    if (notVerified > 0) {
      out.println("not verified:");
      for (TransactionRecord r : listed.values()) {
        out.println("  " + r.key() + "  " + r.state() + "  " + statuses(r));
        // The cause in full, on its own line: a clipped line could cut off the one word that says why.
        for (CopyRecord c : r.copies()) {
          if (!c.error().isEmpty() && c.status() != CopyStatus.VERIFIED) {
            out.println("      " + c.destinationId() + ": " + c.error());
          }
        }
        r.deadLetterReason().ifPresent(reason -> out.println("      dead-lettered: " + reason));
      }
      more(out, notVerified, listed.size());
    }
    if (skippedCount > 0) {
      out.printf("skipped %d entr%s of the source (not pushed)%s:%n", skippedCount, skippedCount == 1 ? "y" : "ies",
          allowSkipped ? ", allowed by --allow-skipped" : "");
      skipped.forEach(e -> out.println("  " + e.path() + ": " + e.reason()));
      more(out, skippedCount, skipped.size());
    }
    if (errorCount > 0) {
      out.printf("could not push %d file(s):%n", errorCount);
      errors.forEach(e -> out.println("  " + e.path() + ": " + e.reason()));
      more(out, errorCount, errors.size());
    }
  }

  private static void more(PrintStream out, int total, int shown) {
    if (total > shown) {
      out.println("  ... and " + (total - shown) + " more");
    }
  }

  static String statuses(TransactionRecord r) {
    List<String> parts = new ArrayList<>();
    for (CopyRecord c : r.copies()) {
      parts.add(c.destinationId() + "=" + c.status());
    }
    return String.join(", ", parts);
  }

  static String clip(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 3) + "...";
  }
}
